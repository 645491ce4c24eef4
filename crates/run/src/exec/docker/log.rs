//! Reading a container's log whole: the followed stream, then the complete
//! log read again once the container exited, for what the stream missed.

use super::super::excerpt;
use super::super::output::OutputPipe;
use bollard::container::LogOutput;

/// How many bytes of each stream have been fed, so that the complete log,
/// read again from its start, supplies only what the followed stream missed;
/// and whether either read got the log to its end.
///
/// The container has no TTY, so its output comes in stdout and stderr frames.
/// Unframed text (bollard's `Console`) is the engine's, not the container's:
/// an engine that fails in the middle of a log read writes its error into the
/// body (Podman, when the read races the container's exit:
/// `{"cause":"no such process","message":"failed to obtain logs …"}`).
#[derive(Debug, Default)]
pub(super) struct Seen {
    out: usize,
    err: usize,
    /// Bytes of each stream passed over so far while replaying.
    replayed_out: usize,
    replayed_err: usize,
    /// The first read to reach the log's end without an engine error.
    whole: bool,
    /// What the engine reported in place of the log, first report kept.
    engine_error: Option<String>,
    /// An engine error since the current read began.
    read_failed: bool,
}

impl Seen {
    /// Feeds a chunk of the followed stream.
    pub(super) fn feed(&mut self, item: LogOutput, out: &mut OutputPipe, err: &mut OutputPipe) {
        match item {
            LogOutput::StdOut { message } => {
                self.out += message.len();
                out.feed(&message);
            }
            LogOutput::StdErr { message } => {
                self.err += message.len();
                err.feed(&message);
            }
            LogOutput::Console { message } => self.engine_failed(engine_message(&message)),
            LogOutput::StdIn { .. } => {}
        }
    }

    /// Feeds the part of a chunk of the complete log not fed yet.
    pub(super) fn replay(&mut self, item: LogOutput, out: &mut OutputPipe, err: &mut OutputPipe) {
        let (message, seen, replayed, pipe) = match item {
            LogOutput::StdOut { message } => (message, &mut self.out, &mut self.replayed_out, out),
            LogOutput::StdErr { message } => (message, &mut self.err, &mut self.replayed_err, err),
            LogOutput::Console { message } => return self.engine_failed(engine_message(&message)),
            LogOutput::StdIn { .. } => return,
        };
        let start = *replayed;
        *replayed += message.len();
        if *replayed > *seen {
            pipe.feed(&message[(*seen).saturating_sub(start)..]);
            *seen = *replayed;
        }
    }

    /// The engine reported an error in place of (the rest of) the log.
    pub(super) fn engine_failed(&mut self, why: String) {
        self.read_failed = true;
        self.engine_error.get_or_insert(why);
    }

    /// A read of the log begins (the followed stream, or the complete log's).
    pub(super) fn read_begins(&mut self) {
        self.read_failed = false;
    }

    /// A read reached the log's end: it had the whole log if the engine
    /// reported no error in it.
    pub(super) fn read_ended(&mut self) {
        self.whole |= !self.read_failed;
    }

    /// Why the output may be incomplete: no read reached the log's end
    /// without the engine reporting an error. `None` when one did, or when no
    /// read failed (a read cut short by a timeout is not known to be cut).
    pub(super) fn lost(&self) -> Option<String> {
        if self.whole {
            return None;
        }
        self.engine_error.clone()
    }
}

/// The engine's error text from unframed bytes in a log stream: the
/// `message` of a JSON error body, else the text itself.
fn engine_message(raw: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Body {
        message: String,
    }
    match serde_json::from_slice::<Body>(raw) {
        Ok(body) => body.message.trim().to_owned(),
        Err(_) => excerpt(String::from_utf8_lossy(raw).trim(), 200),
    }
}

#[cfg(test)]
mod tests {
    use super::{LogOutput, OutputPipe, Seen};
    use crate::mask::Masker;
    use wfc_contract::Stream;

    fn out(text: &str) -> LogOutput {
        LogOutput::StdOut {
            message: text.as_bytes().to_vec().into(),
        }
    }

    fn err(text: &str) -> LogOutput {
        LogOutput::StdErr {
            message: text.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn the_complete_log_supplies_only_what_the_followed_stream_missed() {
        let masker = Masker::default();
        let mut o = OutputPipe::new(Stream::Stdout, None, &masker, 1 << 20);
        let mut e = OutputPipe::new(Stream::Stderr, None, &masker, 1 << 20);
        let mut seen = Seen::default();
        // The followed stream ended in the middle of a stdout chunk.
        seen.feed(out("one\n"), &mut o, &mut e);
        seen.feed(err("warn\n"), &mut o, &mut e);
        seen.feed(out("tw"), &mut o, &mut e);
        for item in [
            out("one\n"),
            err("warn\n"),
            out("two\n"),
            out("three\n"),
            err("oops\n"),
        ] {
            seen.replay(item, &mut o, &mut e);
        }
        assert_eq!(o.finish().0.text, "one\ntwo\nthree\n");
        assert_eq!(e.finish().0.text, "warn\noops\n");
    }

    #[test]
    fn a_complete_followed_stream_gets_nothing_twice() {
        let masker = Masker::default();
        let mut o = OutputPipe::new(Stream::Stdout, None, &masker, 1 << 20);
        let mut e = OutputPipe::new(Stream::Stderr, None, &masker, 1 << 20);
        let mut seen = Seen::default();
        for item in [out("a\n"), err("b\n"), out("c\n")] {
            seen.feed(item, &mut o, &mut e);
        }
        for item in [out("a\n"), err("b\n"), out("c\n")] {
            seen.replay(item, &mut o, &mut e);
        }
        assert_eq!(o.finish().0.text, "a\nc\n");
        assert_eq!(e.finish().0.text, "b\n");
    }

    /// What Podman writes into a log stream that races the container's exit.
    fn engine_error() -> LogOutput {
        LogOutput::Console {
            message: br#"{"cause":"no such process","message":"failed to obtain logs for Container 'faddee': read /proc/21955/cgroup: no such process","response":500}
"#
            .to_vec()
            .into(),
        }
    }

    #[test]
    fn an_engine_error_in_the_followed_stream_is_not_output_and_the_complete_log_mends_it() {
        let masker = Masker::default();
        let mut o = OutputPipe::new(Stream::Stdout, None, &masker, 1 << 20);
        let mut e = OutputPipe::new(Stream::Stderr, None, &masker, 1 << 20);
        let mut seen = Seen::default();
        seen.read_begins();
        seen.feed(engine_error(), &mut o, &mut e);
        seen.read_ended();
        assert!(
            seen.lost().is_some(),
            "the followed stream alone is not whole"
        );
        seen.read_begins();
        for item in [out("hello\n"), err("oops\n"), out("bye\n")] {
            seen.replay(item, &mut o, &mut e);
        }
        seen.read_ended();
        assert_eq!(seen.lost(), None);
        assert_eq!(o.finish().0.text, "hello\nbye\n");
        assert_eq!(e.finish().0.text, "oops\n");
    }

    #[test]
    fn a_log_no_read_got_whole_is_reported_with_the_engines_message() {
        let masker = Masker::default();
        let mut o = OutputPipe::new(Stream::Stdout, None, &masker, 1 << 20);
        let mut e = OutputPipe::new(Stream::Stderr, None, &masker, 1 << 20);
        let mut seen = Seen::default();
        seen.read_begins();
        seen.feed(out("hel"), &mut o, &mut e);
        seen.feed(engine_error(), &mut o, &mut e);
        seen.read_ended();
        seen.read_begins();
        seen.replay(engine_error(), &mut o, &mut e);
        seen.read_ended();
        assert_eq!(
            seen.lost().as_deref(),
            Some("failed to obtain logs for Container 'faddee': read /proc/21955/cgroup: no such process")
        );
        assert_eq!(o.finish().0.text, "hel");
    }
}
