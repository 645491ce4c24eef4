//! What the client sends, re-framed before tower-lsp reads it.
//!
//! tower-lsp's reader stops for good at the first message it cannot decode
//! (a body that is not JSON, or not a JSON-RPC message, a header without a
//! length): the server then exits and the editor loses every feature until
//! it restarts it. Here each message is framed and checked first; one that
//! would stop the reader is logged and replaced by a notification nobody
//! handles (`$/` methods may be ignored), and a header block without a
//! length is skipped, so the next message is read as usual. A body is at
//! most [`MAX_BODY`] bytes; a longer one is skipped unread, so a client
//! cannot make the server hold an unbounded message.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};

/// The largest body passed on (a whole-document sync of a large file
/// stays far below it).
pub const MAX_BODY: usize = 64 << 20;

/// What stands in for a message that cannot be decoded.
const PLACEHOLDER: &str = r#"{"jsonrpc":"2.0","method":"$/wfc/undecodableMessage"}"#;

/// `input`, with every message that would stop tower-lsp's reader
/// replaced (see the module docs). The framing runs on its own task.
pub fn checked<I>(input: I) -> impl AsyncRead + Unpin
where
    I: AsyncRead + Unpin + Send + 'static,
{
    let (mut tx, rx) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        let mut input = BufReader::new(input);
        while let Some(body) = next(&mut input).await {
            let frame = format!("Content-Length: {}\r\n\r\n", body.len());
            if tx.write_all(frame.as_bytes()).await.is_err() || tx.write_all(&body).await.is_err() {
                break;
            }
        }
        // Dropping `tx` ends tower-lsp's input, as the client's end would.
    });
    rx
}

/// The next message's body to pass on; `None` at the end of the input.
async fn next<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Option<Vec<u8>> {
    loop {
        let len = match header(input).await? {
            Some(len) => len,
            None => {
                eprintln!("wfc lsp: a message header has no Content-Length; skipped");
                continue;
            }
        };
        if len > MAX_BODY {
            eprintln!("wfc lsp: a message of {len} bytes is over {MAX_BODY}; skipped");
            let mut rest = input.take(len as u64);
            let skipped = tokio::io::copy(&mut rest, &mut tokio::io::sink()).await;
            if skipped.ok()? < len as u64 {
                return None;
            }
            return Some(PLACEHOLDER.as_bytes().to_vec());
        }
        let mut body = vec![0; len];
        input.read_exact(&mut body).await.ok()?;
        return Some(match decodable(&body) {
            Ok(()) => body,
            Err(why) => {
                eprintln!("wfc lsp: a message cannot be decoded ({why}); skipped");
                PLACEHOLDER.as_bytes().to_vec()
            }
        });
    }
}

/// Reads one header block: `Some(Some(len))`, `Some(None)` for a block
/// without a usable length, `None` at the end of the input.
async fn header<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Option<Option<usize>> {
    let mut len = None;
    let mut seen = false;
    loop {
        let mut line = Vec::new();
        // A header line is short; a longer one is no header (and bounded).
        let n = input.take(8192).read_until(b'\n', &mut line).await.ok()?;
        if n == 0 {
            return None;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if seen {
                return Some(len);
            }
            continue;
        }
        seen = true;
        if let Some((name, value)) = text.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                len = value.trim().parse().ok();
            }
        }
    }
}

/// Whether tower-lsp can decode `body`: a JSON object that is a request,
/// a notification or a response.
fn decodable(body: &[u8]) -> Result<(), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let Some(o) = v.as_object() else {
        return Err("not a JSON object".into());
    };
    if o.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err("no `\"jsonrpc\": \"2.0\"`".into());
    }
    let request = o.get("method").is_some_and(Value::is_string);
    let response = o.contains_key("id") && (o.contains_key("result") || o.contains_key("error"));
    if request || response {
        Ok(())
    } else {
        Err("neither a request nor a response".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn passed(raw: &[u8]) -> Vec<Vec<u8>> {
        let mut input = BufReader::new(raw);
        let mut out = Vec::new();
        while let Some(body) = next(&mut input).await {
            out.push(body);
        }
        out
    }

    #[tokio::test]
    async fn undecodable_messages_are_replaced_and_the_next_one_read() {
        let good = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#;
        let mut raw = Vec::new();
        for bad in [
            &b"{{{{{"[..],
            b"[]",
            b"{\"id\":1}",
            b"{\"jsonrpc\":\"2.0\"}",
            b"\xff",
        ] {
            raw.extend(format!("Content-Length: {}\r\n\r\n", bad.len()).as_bytes());
            raw.extend(bad);
        }
        raw.extend(b"Content-Type: x\r\n\r\n");
        raw.extend(format!("content-length: {}\r\n\r\n", good.len()).as_bytes());
        raw.extend(good);
        let out = passed(&raw).await;
        assert_eq!(out.len(), 6);
        assert!(out[..5].iter().all(|b| b == PLACEHOLDER.as_bytes()));
        assert_eq!(out[5], good);
        let _: tower_lsp::jsonrpc::Request = serde_json::from_str(PLACEHOLDER).unwrap();
    }

    #[tokio::test]
    async fn a_body_over_the_bound_is_skipped_unread() {
        let mut raw = format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1).into_bytes();
        raw.resize(raw.len() + MAX_BODY + 1, b'x');
        let out = passed(&raw).await;
        assert_eq!(out, [PLACEHOLDER.as_bytes()]);
    }
}
