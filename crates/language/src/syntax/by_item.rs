//! Parsing a big file a few workflow items at a time.
//!
//! pest builds a queue of every token of its input before the tree is built
//! from it: for a workflow of 5,000 steps that queue is ~12 MB, more than
//! the tree itself. Parsing the workflow body in chunks of items (~8 KiB of
//! text, [`CHUNK`]) keeps the queue to one chunk's tokens, and a big body's
//! second half is parsed on a second thread. The items are found the way
//! error recovery finds them ([`super::recover::item_starts`]: lines that
//! start at brace depth 1); the header and the closing brace are parsed
//! with the body left out (blanking it instead cost a tenth of the parse:
//! pest skips whitespace a character at a time). Every span is shifted back
//! to the file's offsets ([`super::parser::with_base`], [`past_body`]), so
//! the result is the tree, comments and diagnostics of a whole-file parse.
//! Any chunk that does not parse (a syntax error anywhere) gives `None`, and
//! the caller parses the whole file, whose errors and recovery are reported
//! as always.

use super::ast::Item;
use super::parser::{with_base, Builder, Rule, WfParser};
use super::{attach_docs, comments_of, recover, Parsed};
use crate::span::Span;
use pest::Parser;

/// Files smaller than this are parsed whole: splitting buys nothing there.
const MIN_LEN: usize = 64 * 1024;

pub(super) fn parse(text: &str) -> Option<Parsed> {
    if text.len() < MIN_LEN {
        return None;
    }
    parse_items(text)
}

/// [`parse`] regardless of the file's size (tests compare it with a
/// whole-file parse on small files).
pub(super) fn parse_items(text: &str) -> Option<Parsed> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    parse_items_on(text, text.len() >= TWO_THREADS_LEN && cpus >= 2)
}

/// [`parse_items`], the second half of the body on a thread of its own when
/// `two_threads`.
fn parse_items_on(text: &str, two_threads: bool) -> Option<Parsed> {
    let (close, mut starts) = recover::item_starts(text)?;
    // Split only where a line opens an item with its keyword. A line that
    // continues the item above (`else …`, `in [ … ]` after a param) could
    // parse on its own as something else (a setting named `else`); settings
    // stay with the item above (a piece holds any number of items).
    starts.retain(|&s| opens_item(&text[s..]));
    let first = *starts.first()?;
    if first >= close {
        return None;
    }
    let builder = Builder::new();
    // The header and the closing brace, without the body between: spans
    // from `first` on are then short by the body's length, and are moved.
    let shell = [&text[..first], &text[close..]].concat();
    let pairs = WfParser::parse(Rule::file, &shell).ok()?;
    let mut comments = comments_of(&pairs, 0);
    let mut file = builder.file(pairs)?;
    drop(shell);
    let body = close - first;
    for span in [&mut file.span, &mut file.workflow.span]
        .into_iter()
        .chain(comments.iter_mut().map(|c| &mut c.span))
    {
        *span = past_body(*span, first, body);
    }
    let ends = starts.iter().skip(1).copied().chain([close]);
    let chunks = chunks(starts.iter().copied().zip(ends));
    // Most pieces hold one item: no doubling of a vector of thousands.
    file.workflow.items.reserve_exact(starts.len());
    let mut diagnostics = builder.into_diagnostics();
    for mut part in parse_halves(text, &chunks, &mut file.workflow.items, two_threads)? {
        comments.append(&mut part.comments);
        diagnostics.append(&mut part.diagnostics);
    }
    // Items the header line held come first in the shell's parse; keep the
    // file's order whatever it was.
    file.workflow.items.sort_by_key(|i| i.span().start);
    file.workflow.items.shrink_to_fit();
    comments.sort_by_key(|c| c.span.start);
    attach_docs(&mut file, &comments, text);
    Some(Parsed {
        file: Some(file),
        comments,
        diagnostics,
        recovered_names: Vec::new(),
    })
}

/// Text parsed in one call to pest, at most (unless one item is longer).
/// A call has a fixed cost (pest's state, its queue grown from empty): one
/// call per item took 426 M instructions to `wfc check` a fan-out of 5,000
/// steps, chunks of 8 KiB 356 M. A longer text holds a longer queue (~10
/// bytes per byte of text).
const CHUNK: usize = 8 * 1024;

/// Adjacent pieces joined into chunks of about [`CHUNK`] bytes.
fn chunks(pieces: impl Iterator<Item = (usize, usize)>) -> Vec<Chunk> {
    let mut out: Vec<Chunk> = Vec::new();
    for (start, end) in pieces {
        match out.last_mut() {
            Some(last) if end - last.start <= CHUNK => {
                last.end = end;
                last.pieces += 1;
            }
            _ => out.push(Chunk {
                start,
                end,
                pieces: 1,
            }),
        }
    }
    out
}

/// `text[start..end]`, which holds `pieces` pieces (most hold one item).
#[derive(Clone, Copy)]
struct Chunk {
    start: usize,
    end: usize,
    pieces: usize,
}

/// What parsing chunks of the body leaves beside their items: their comments
/// and the builder's diagnostics.
struct Part {
    comments: Vec<super::Comment>,
    diagnostics: Vec<crate::diag::Diagnostic>,
}

/// Files at least this big are parsed on two threads: the second CPU is
/// otherwise idle until the first step starts. (`wfc run` shares one malloc
/// arena between threads, see `cli::heap::one_arena`, and the two contend
/// for it: layers of 5,000 steps parse in ~55% of the time of one thread
/// under `wfc plan`, ~70–80% under `wfc run`.)
const TWO_THREADS_LEN: usize = 64 * 1024;

/// Parses `chunks` of `text` into `items`, the second half by bytes on a
/// thread of its own if `two_threads`; the parts come back in the file's
/// order. `None` when a chunk does not parse.
fn parse_halves(
    text: &str,
    chunks: &[Chunk],
    items: &mut Vec<Item>,
    two_threads: bool,
) -> Option<Vec<Part>> {
    let (Some(first), Some(last)) = (chunks.first(), chunks.last()) else {
        return Some(Vec::new());
    };
    if !two_threads || chunks.len() < 2 {
        return Some(vec![parse_chunks(text, chunks, items)?]);
    }
    let middle = first.start + (last.end - first.start) / 2;
    let (front, back) = chunks.split_at(chunks.partition_point(|c| c.start < middle));
    std::thread::scope(|scope| {
        let other = std::thread::Builder::new()
            .name("wfc-parse".into())
            .spawn_scoped(scope, || {
                let mut items = Vec::with_capacity(back.iter().map(|c| c.pieces).sum());
                parse_chunks(text, back, &mut items).map(|part| (items, part))
            });
        let Ok(other) = other else {
            return Some(vec![parse_chunks(text, chunks, items)?]);
        };
        let front = parse_chunks(text, front, items);
        // (A panic on the thread is the parser's bug: passed on as one.)
        let back = other
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        let (mut back_items, back) = back?;
        items.append(&mut back_items);
        Some(vec![front?, back])
    })
}

/// Parses `chunks` of `text` in order into `items`, with a builder of their
/// own.
fn parse_chunks(text: &str, chunks: &[Chunk], items: &mut Vec<Item>) -> Option<Part> {
    let builder = Builder::new();
    let mut comments = Vec::new();
    for &Chunk { start, end, .. } in chunks {
        let pairs = WfParser::parse(Rule::items_only, &text[start..end]).ok()?;
        comments.extend(comments_of(&pairs, start));
        items.extend(with_base(start, || builder.items(pairs)));
    }
    Some(Part {
        comments,
        diagnostics: builder.into_diagnostics(),
    })
}

/// `span` of the shell (the file without its body, which started at `first`
/// and was `len` bytes long) in the file's offsets.
fn past_body(span: Span, first: usize, len: usize) -> Span {
    let at = |offset: u32| {
        let offset = offset as usize;
        if offset >= first {
            offset + len
        } else {
            offset
        }
    };
    // An end at `first` is the end of something before the body.
    let end = if span.end as usize > first {
        at(span.end)
    } else {
        span.end as usize
    };
    Span::new(at(span.start), end)
}

/// Whether `line` starts (after indentation) with a keyword that can only
/// open a workflow-body item.
fn opens_item(line: &str) -> bool {
    const OPENERS: &[&str] = &[
        "step", "param", "secret", "env", "defaults", "if", "for", "parallel", "on", "finally",
    ];
    let line = line.trim_start();
    let word_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(line.len());
    OPENERS.contains(&&line[..word_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `.wf` file of the repository parses to the same tree, comments
    /// and diagnostics item by item as in one piece.
    #[test]
    fn same_result_as_a_whole_file_parse() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let mut files = Vec::new();
        for dir in ["examples", "std", "tests"] {
            collect(&root.join(dir), &mut files);
        }
        assert!(files.len() > 20, "found {} files", files.len());
        let mut split = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let whole = super::super::parse_whole(&text);
            for two_threads in [false, true] {
                let Some(items) = parse_items_on(&text, two_threads) else {
                    continue;
                };
                split += 1;
                let at = format!("{} (two threads: {two_threads})", path.display());
                assert_eq!(
                    format!("{:?}", items.file),
                    format!("{:?}", whole.file),
                    "{at}"
                );
                assert_eq!(items.comments, whole.comments, "{at}");
                assert_eq!(
                    format!("{:?}", items.diagnostics),
                    format!("{:?}", whole.diagnostics),
                    "{at}"
                );
            }
        }
        assert!(split > 20, "only {split} files were split into items");
    }

    /// With any one line of an example removed (mostly broken files), a
    /// split parse either gives up or agrees with the whole-file parse.
    #[test]
    fn damaged_files_split_the_same_or_not_at_all() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
        let mut files = Vec::new();
        collect(&root.join("examples"), &mut files);
        let mut compared = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for skip in 0..lines.len() {
                let damaged: String = lines
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i != skip)
                    .map(|(_, l)| format!("{l}\n"))
                    .collect();
                let Some(items) = parse_items(&damaged) else {
                    continue;
                };
                compared += 1;
                let whole = super::super::parse_whole(&damaged);
                assert_eq!(
                    format!("{:?}", items.file),
                    format!("{:?}", whole.file),
                    "{} without line {}",
                    path.display(),
                    skip + 1
                );
            }
        }
        assert!(compared > 100, "only {compared} damaged files split");
    }

    #[test]
    fn big_generated_files_split_and_match() {
        for text in [
            wfc_testkit::large_workflow(1_000),
            wfc_testkit::shell_dag("layers", 1_000),
        ] {
            assert!(text.len() >= MIN_LEN);
            let items = parse(&text).expect("splits");
            let whole = super::super::parse_whole(&text);
            assert_eq!(format!("{:?}", items.file), format!("{:?}", whole.file));
            assert_eq!(items.comments, whole.comments);
        }
    }

    /// Chunks on both threads, each with comments and the builder's
    /// diagnostics: the parts join in the file's order.
    #[test]
    fn two_threads_join_in_the_files_order() {
        let mut text = wfc_testkit::shell_dag("chain", 600);
        for n in [3, 290, 310, 590] {
            let name = format!("step s{n}:");
            let with = format!("# before s{n}\n  step s{n}: # on s{n}\n  ");
            text = text.replacen(&format!("  {name}"), &with, 1);
        }
        for n in [5, 295, 580] {
            text = text.replacen(&format!("out/s{n}\""), &format!("out/s{n} \\q\""), 1);
        }
        let whole = super::super::parse_whole(&text);
        assert_eq!(whole.diagnostics.len(), 3, "{:?}", whole.diagnostics);
        assert_eq!(whole.comments.len(), 8);
        let chunks = chunks_of(&text);
        assert!(chunks > 4, "{chunks} chunks");
        let items = parse_items_on(&text, true).expect("splits");
        assert_eq!(format!("{:?}", items.file), format!("{:?}", whole.file));
        assert_eq!(items.comments, whole.comments);
        assert_eq!(
            format!("{:?}", items.diagnostics),
            format!("{:?}", whole.diagnostics)
        );
    }

    /// How many chunks `text`'s body is parsed in.
    fn chunks_of(text: &str) -> usize {
        let (close, starts) = recover::item_starts(text).unwrap();
        let ends = starts.iter().skip(1).copied().chain([close]);
        chunks(starts.iter().copied().zip(ends)).len()
    }

    #[test]
    fn chunks_join_adjacent_pieces_up_to_the_limit() {
        let pieces = [
            (0, 3000),
            (3000, 6000),
            (6000, 9000),
            (9000, 30000),
            (30000, 30010),
        ];
        let got: Vec<(usize, usize, usize)> = chunks(pieces.into_iter())
            .iter()
            .map(|c| (c.start, c.end, c.pieces))
            .collect();
        assert_eq!(
            got,
            [
                (0, 6000, 2),
                (6000, 9000, 1),
                (9000, 30000, 1),
                (30000, 30010, 1)
            ]
        );
    }

    #[test]
    fn continuation_lines_stay_with_their_item() {
        let text = "workflow w {\n  param p: string\n  in [\"a\"]\n  if true {\n  }\n  else {\n  }\n  description \"d\"\n  step s: shell { run \"x\" }\n}\n";
        let items = parse_items(text).expect("splits");
        let whole = super::super::parse_whole(text);
        assert_eq!(format!("{:?}", items.file), format!("{:?}", whole.file));
        assert_eq!(items.file.unwrap().workflow.items.len(), 4);
    }

    #[test]
    fn header_items_and_comments_after_the_body_keep_their_places() {
        // The header line holds an item; comments stand before, inside and
        // after the body, and after the closing brace (no final newline).
        let text = "# top\nworkflow w { description \"d\" # header\n  step a: shell { run \"x\" }\n  # between\n  step b: shell {\n    run \"y\"\n  } # after b\n  # last\n} # closing\n# trailer";
        let items = parse_items(text).expect("splits");
        let whole = super::super::parse_whole(text);
        assert_eq!(format!("{:?}", items.file), format!("{:?}", whole.file));
        assert_eq!(items.comments, whole.comments);
        let file = items.file.unwrap();
        assert_eq!(file.workflow.items.len(), 3);
        assert_eq!(file.span.end as usize, text.len());
    }

    #[test]
    fn a_syntax_error_falls_back_to_the_whole_file() {
        let mut text = wfc_testkit::shell_dag("chain", 1_000);
        text = text.replacen("run \": > out/s500\"", "run \": > out/s500", 1);
        assert!(parse(&text).is_none());
    }

    fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                collect(&p, out);
            } else if p.extension().is_some_and(|x| x == "wf") {
                out.push(p);
            }
        }
    }
}
