//! Parsing a big file one workflow item at a time.
//!
//! pest builds a queue of every token of its input before the tree is built
//! from it: for a workflow of 5,000 steps that queue is ~12 MB, more than
//! the tree itself. Parsing each item of the workflow body on its own keeps
//! the queue to one item's tokens. The items are found the way error
//! recovery finds them ([`super::recover::item_starts`]: lines that start at
//! brace depth 1); the header and the closing brace are parsed with the body
//! left out (blanking it instead cost a tenth of the parse: pest skips
//! whitespace a character at a time). Every span is shifted back to the
//! file's offsets ([`super::parser::with_base`], [`past_body`]), so the
//! result is the tree, comments and diagnostics of a whole-file parse. Any piece that does not parse (a
//! syntax error anywhere) gives `None`, and the caller parses the whole file,
//! whose errors and recovery are reported as always.

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
    // Most pieces hold one item: no doubling of a vector of thousands.
    file.workflow.items.reserve_exact(starts.len());
    for (start, end) in starts.iter().copied().zip(ends) {
        let slice = &text[start..end];
        let pairs = WfParser::parse(Rule::items_only, slice).ok()?;
        comments.extend(comments_of(&pairs, start));
        let items = with_base(start, || builder.items(pairs));
        file.workflow.items.extend(items);
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
        diagnostics: builder.into_diagnostics(),
        recovered_names: Vec::new(),
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
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["examples", "std", "tests"] {
            collect(&root.join(dir), &mut files);
        }
        assert!(files.len() > 20, "found {} files", files.len());
        let mut split = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let whole = super::super::parse_whole(&text);
            let Some(items) = parse_items(&text) else {
                continue;
            };
            split += 1;
            assert_eq!(
                format!("{:?}", items.file),
                format!("{:?}", whole.file),
                "{}",
                path.display()
            );
            assert_eq!(items.comments, whole.comments, "{}", path.display());
            assert_eq!(
                format!("{:?}", items.diagnostics),
                format!("{:?}", whole.diagnostics),
                "{}",
                path.display()
            );
        }
        assert!(split > 20, "only {split} files were split into items");
    }

    /// With any one line of an example removed (mostly broken files), a
    /// split parse either gives up or agrees with the whole-file parse.
    #[test]
    fn damaged_files_split_the_same_or_not_at_all() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
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
            crate::testing::large_workflow(1_000),
            crate::testing::shell_dag("layers", 1_000),
        ] {
            assert!(text.len() >= MIN_LEN);
            let items = parse(&text).expect("splits");
            let whole = super::super::parse_whole(&text);
            assert_eq!(format!("{:?}", items.file), format!("{:?}", whole.file));
            assert_eq!(items.comments, whole.comments);
        }
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
        let mut text = crate::testing::shell_dag("chain", 1_000);
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
