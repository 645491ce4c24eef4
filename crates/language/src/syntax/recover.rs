//! Local error recovery: an error costs only the item it is in.
//!
//! pest stops at the first syntax error. To report the errors after it, and
//! to give the language server a tree of everything else while the user is
//! typing, [`recover`] repairs the text around each error and parses again:
//! it closes an unclosed `{` or string where its item ends (so the item
//! keeps what it holds), rewrites a block's broken header (so its body is
//! still parsed for errors), or blanks the statement or item holding the
//! error (spaces, keeping line breaks so every offset stays where it was). Where
//! an item ends is read from the layout ([`super::layout`]): at the next
//! line that starts an item at the same or lower indentation. Of the
//! repairs proposed, the one that lets the parse go furthest wins, the most
//! local first; one error is reported per broken item, never the cascade
//! that follows from it.

use super::layout::{Edit, Fault, Layout, Repair};
use super::parser::{Rule, WfParser};
use super::{build, errors, habits, scan, syntax_error, Bodies, Parsed};
use crate::diag::{self, Diagnostic};
use crate::span::Span;
use pest::Parser;

/// Repairs (and so errors) at most, before giving up on a tree.
const MAX_REPAIRS: usize = 20;

/// Reports each syntax error of `text` (which does not parse) and the tree
/// of the rest, or no tree when no repair lets it parse.
pub(super) fn recover(text: &str) -> Parsed {
    let mut current = text.to_string();
    let mut errors: Vec<Diagnostic> = Vec::new();
    // The items repaired (the checker's reports in them are held back), and
    // the statements or items repaired (an error in one follows from it).
    let mut scopes: Vec<(usize, usize)> = Vec::new();
    let mut broken: Vec<(usize, usize)> = Vec::new();
    let mut names = Vec::new();
    // Where a block's broken header was rewritten so its body parses.
    let mut headers: Vec<usize> = Vec::new();
    for _ in 0..MAX_REPAIRS {
        let fault = match WfParser::parse(Rule::file, &current) {
            Ok(_) => return finish(current, errors, scopes, names, &headers),
            Err(e) => match locate(&current, &e) {
                Some(f) => f,
                None => break,
            },
        };
        let layout = Layout::new(&current);
        let Some(repair) = choose(&current, &layout, fault) else {
            if !inside(&broken, fault.at()) || errors.is_empty() {
                errors.push(syntax_error(&current));
            }
            break;
        };
        // What follows from a statement already broken is not another
        // error; another statement of its item may hold one.
        if !inside(&broken, fault.at()) {
            errors.push(diagnose(&current, fault, &repair));
        }
        let repaired = apply(&current, &repair);
        if repaired == current {
            break;
        }
        match repair.edit {
            Edit::Blank => names.extend(declared_names(&current[repair.range.0..repair.range.1])),
            Edit::Header { head, .. } => {
                names.extend(declared_names(&current[head.0..head.1]));
                headers.push(head.0);
            }
            Edit::Close(_) => {}
        }
        scopes.push(repair.scope);
        broken.push(repair.range);
        current = repaired;
    }
    if errors.is_empty() {
        errors.push(syntax_error(text));
    }
    diag::sort(&mut errors);
    unparsed(errors, names)
}

/// What is known of a text no repair made parse: its errors and the names
/// it declares (for the checker's "unknown name" to stay quiet).
fn unparsed(diagnostics: Vec<Diagnostic>, recovered_names: Vec<String>) -> Parsed {
    Parsed {
        file: None,
        comments: Vec::new(),
        diagnostics,
        recovered_names,
        recovered_spans: Vec::new(),
        bodies: None,
    }
}

/// The tree of `current`, repaired text that parses, with the syntax
/// `errors` found. A block whose header was rewritten (at `headers`) is
/// left out whole: its body was parsed for its errors, but what it is in (a
/// loop, a branch) is not known, and the checker would report what follows
/// from the guess. The tree that keeps it is [`Bodies`], for the reports
/// inside it.
fn finish(
    mut current: String,
    mut errors: Vec<Diagnostic>,
    mut scopes: Vec<(usize, usize)>,
    mut names: Vec<String>,
    headers: &[usize],
) -> Parsed {
    let spans = |r: &[(usize, usize)]| r.iter().map(|r| Span::new(r.0, r.1)).collect();
    let mut bodies = None;
    let kept = match headers {
        [] => None,
        _ => WfParser::parse(Rule::file, &current).ok(),
    };
    if let Some(pairs) = kept {
        let blocks = blocks_of(&pairs, headers);
        let whole = blocks.iter().fold(current.clone(), |t, &r| blank(&t, r));
        // A whole item blanked leaves the text parsing; were it not so, the
        // tree with the rewritten headers would still be better than none.
        if WfParser::parse(Rule::file, &whole).is_ok() {
            bodies = build(pairs, &current, Vec::new()).file.map(|file| {
                Box::new(Bodies {
                    file,
                    blocks: spans(&blocks),
                    recovered_names: names.clone(),
                    recovered_spans: spans(&scopes),
                })
            });
            for &(s, e) in &blocks {
                names.extend(declared_names(&current[s..e]));
            }
            scopes.extend_from_slice(&blocks);
            current = whole;
        }
    }
    let Ok(pairs) = WfParser::parse(Rule::file, &current) else {
        errors.push(syntax_error(&current));
        return unparsed(errors, names);
    };
    let reported = errors.len();
    diag::sort(&mut errors);
    let mut parsed = build(pairs, &current, errors);
    // What the tree builder finds inside a repaired item (a bad escape in a
    // string closed early) follows from the repair.
    let mut i = 0;
    parsed.diagnostics.retain(|d| {
        i += 1;
        i <= reported
            || !d
                .primary_span()
                .is_some_and(|s| inside(&scopes, s.start as usize))
    });
    parsed.recovered_names = names;
    parsed.recovered_spans = spans(&scopes);
    parsed.bodies = bodies;
    parsed
}

/// The blocks whose header starts at one of `headers` (an `if`, or the
/// `if` of an `else if`): the innermost `if` item holding it, as parsed.
fn blocks_of(pairs: &pest::iterators::Pairs<'_, Rule>, headers: &[usize]) -> Vec<(usize, usize)> {
    let ifs: Vec<(usize, usize)> = pairs
        .clone()
        .flatten()
        .filter(|p| p.as_rule() == Rule::if_item)
        .map(|p| (p.as_span().start(), p.as_span().end()))
        .collect();
    let mut blocks: Vec<(usize, usize)> = headers
        .iter()
        .filter_map(|&h| {
            ifs.iter()
                .filter(|&&(s, e)| s <= h && h < e)
                .min_by_key(|&&(s, e)| e - s)
                .copied()
        })
        .collect();
    blocks.sort_unstable();
    blocks.dedup();
    blocks
}

fn inside(ranges: &[(usize, usize)], pos: usize) -> bool {
    ranges.iter().any(|&(s, e)| s <= pos && pos < e)
}

/// Where `text` fails: the structural scan knows where an unclosed string or
/// brace was opened (the layout, which `{` was left open), pest where the
/// parse stopped. `None` for what no repair helps (nesting too deep).
fn locate(text: &str, err: &pest::error::Error<Rule>) -> Option<Fault> {
    if let Some(d) = scan::scan(text) {
        let at = d.primary_span()?.start as usize;
        return match d.code {
            "E0002" => Some(Fault::String {
                at,
                triple: text[at..].starts_with("\"\"\""),
            }),
            "E0003" if text[at..].starts_with('{') => Some(Fault::Brace {
                at: Layout::new(text).unclosed_brace().unwrap_or(at),
            }),
            "E0007" => None,
            _ => Some(Fault::At(at)),
        };
    }
    Some(Fault::At(match err.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }))
}

/// How far a repair lets the parse go: `None` when the text then parses.
fn next_fault(text: &str) -> Option<usize> {
    let err = WfParser::parse(Rule::file, text).err()?;
    Some(locate(text, &err).map_or(0, Fault::at))
}

/// The best of the repairs proposed for `fault`: one that makes the text
/// parse (a close that keeps the item's contents first, then the
/// smallest), else the smallest after which the next error lies outside
/// it, else the same among the enclosing items.
fn choose(text: &str, layout: &Layout<'_>, fault: Fault) -> Option<Repair> {
    let mut tried: Vec<(Repair, Option<usize>)> = Vec::new();
    for round in [layout.repairs(fault), layout.enclosing(fault.at())] {
        for r in round {
            if tried.iter().any(|(t, _)| *t == r) {
                continue;
            }
            let next = next_fault(&apply(text, &r));
            tried.push((r, next));
        }
        // A close that keeps the item's contents first, then the smallest.
        let rank = |r: &Repair| (!r.keeps, r.range.1 - r.range.0, r.edit != Edit::Blank);
        if let Some((r, _)) = tried
            .iter()
            .filter(|(_, n)| n.is_none())
            .min_by_key(|(r, _)| rank(r))
        {
            return Some(swallowed(text, &tried, r).unwrap_or(r).clone());
        }
        // The next error is another one when it moved out of the repaired
        // text: past it, or before it (the scan reports an open string
        // before an earlier error).
        if let Some((r, _)) = tried
            .iter()
            .filter(|(r, n)| {
                n.is_some_and(|n| n != fault.at() && (n >= r.range.1 || n < r.range.0))
            })
            .min_by_key(|(r, _)| rank(r))
        {
            return Some(r.clone());
        }
    }
    // Nothing fixes it: the repair that lets the parse go furthest.
    tried
        .into_iter()
        .filter(|(_, n)| n.is_some_and(|n| n != fault.at()))
        .max_by_key(|(r, n)| (*n, std::cmp::Reverse(r.range.1 - r.range.0)))
        .map(|(r, _)| r)
}

/// A smaller repair than `parses` (one that makes the text parse) after
/// which the next error lies inside what `parses` repairs: the larger
/// repair would hide that second slip until the first is fixed. It counts
/// when it is a habit of its own (`needs:`, `and`, …), or when the smaller
/// repair rewrites a block's header (the block's body is left as written,
/// and left out of the checker's tree whatever it holds); any other error
/// there may follow from the smaller repair.
fn swallowed<'a>(
    text: &str,
    tried: &'a [(Repair, Option<usize>)],
    parses: &Repair,
) -> Option<&'a Repair> {
    let (start, end) = parses.range;
    tried
        .iter()
        .filter(|(r, n)| {
            let inner = r.range.0 >= start && r.range.1 <= end && r.range != parses.range;
            inner
                && n.is_some_and(|n| {
                    (n >= r.range.1 || n < r.range.0)
                        && (start..end).contains(&n)
                        && (matches!(r.edit, Edit::Header { .. })
                            || habits::at(&apply(text, r), n).is_some())
                })
        })
        .min_by_key(|(r, _)| r.range.1 - r.range.0)
        .map(|(r, _)| r)
}

fn apply(text: &str, repair: &Repair) -> String {
    match &repair.edit {
        Edit::Blank => blank(text, repair.range),
        Edit::Close(writes) => write(text.as_bytes().to_vec(), writes.iter().copied()),
        Edit::Header { head, with } => {
            let blanked = blank(text, *head);
            write(blanked.into_bytes(), (head.0..).zip(with.chars()))
        }
    }
}

/// Writes ASCII characters over blanks (one byte each), keeping every offset.
fn write(mut bytes: Vec<u8>, writes: impl Iterator<Item = (usize, char)>) -> String {
    for (at, c) in writes {
        bytes[at] = c as u8;
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// The diagnostic for `fault`, repaired by `repair`. An unclosed `{` points
/// at the one the layout found; an error that shows on the line after a
/// half-written one is reported where that line ends.
fn diagnose(text: &str, fault: Fault, repair: &Repair) -> Diagnostic {
    match fault {
        Fault::Brace { at } => diag::syntax::unclosed_delimiter(
            Span::new(at, at + 1),
            '{',
            None,
            repair.stop.map(|s| Span::new(s, s + 1)),
        ),
        Fault::String { .. } => syntax_error(text),
        Fault::At(_) if matches!(repair.edit, Edit::Header { .. }) => header_error(text, repair),
        Fault::At(at) => {
            let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
            if repair.range.1 <= line_start {
                // The repaired item ends before the error's line: the
                // error is that the item stopped short. Parse up to its end.
                let cut = text[..repair.range.1].trim_end_matches(['\n', '\r']).len();
                pest::set_error_detail(true);
                let err = WfParser::parse(Rule::file, &text[..cut]).err();
                pest::set_error_detail(false);
                if let Some(e) = err {
                    return errors::from_pest(&e, text);
                }
            }
            syntax_error(text)
        }
    }
}

/// The error in a block's header that `repair` rewrites: pest's, on the
/// text with the `else` of an `} else if` line blanked, since pest reads
/// `else` as a setting's name and stops further on, in the branch.
fn header_error(text: &str, repair: &Repair) -> Diagnostic {
    let Edit::Header {
        head: (head, _), ..
    } = repair.edit
    else {
        return syntax_error(text);
    };
    let line = repair.range.0;
    let probe = match text[line..head].find("else") {
        Some(e) => blank(text, (line + e, line + e + "else".len())),
        None => text.to_string(),
    };
    let d = syntax_error(&probe);
    match d.primary_span() {
        Some(s) if (s.start as usize) < repair.range.1 => d,
        _ => syntax_error(text),
    }
}

/// Replaces `range` with spaces, keeping line breaks (and every offset).
pub fn blank(text: &str, (start, end): (usize, usize)) -> String {
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start]);
    for c in text[start..end].chars() {
        match c {
            '\n' | '\r' => out.push(c),
            _ => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
        }
    }
    out.push_str(&text[end..]);
    out
}

/// Names an excised item declares: `step NAME`, `param NAME`, `secret NAME`,
/// `parallel NAME`, `for each NAME` or `for NAME` (a rough word scan: it only decides which
/// "unknown name" reports to hold back while the file has syntax errors).
pub fn declared_names(item: &str) -> Vec<String> {
    let words: Vec<&str> = item
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .filter(|w| {
            matches!(w[0], "step" | "param" | "secret" | "parallel" | "each")
                // `for t in xs`, a loop written without `each`.
                || (w[0] == "for" && w[1] != "each")
        })
        .map(|w| w[1].to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_keeps_every_offset() {
        let text = "workflow w {\n  step b: shell { run \"é\" }\n}\n";
        let s = text.find("  step").unwrap();
        let e = text.rfind('}').unwrap();
        let blanked = blank(text, (s, e));
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked.lines().count(), text.lines().count());
        assert!(!blanked.contains("step b"));
        assert_eq!(declared_names(&text[s..e]), ["b"]);
    }

    #[test]
    fn a_one_line_block_missing_its_brace_is_closed_where_its_line_ends() {
        let text = "workflow w {\n  step a: shell {\n    run \"x\"\n    outputs { n: int, m: int\n    depends on b\n  }\n  step b: shell { run \"y\" }\n}\n";
        let parsed = super::super::parse(text);
        let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0003"], "{:#?}", parsed.diagnostics);
        let file = parsed.file.expect("a tree");
        let Some(super::super::ast::Item::Step(a)) = file.first().items.first() else {
            panic!("step a first")
        };
        assert_eq!(a.fields.len(), 3, "{:#?}", a.fields);
    }

    /// The lines (1-based) and codes of `text`'s syntax errors.
    fn error_lines(text: &str) -> Vec<(usize, &'static str)> {
        super::super::parse(text)
            .diagnostics
            .iter()
            .map(|d| {
                let at = d.primary_span().unwrap().start as usize;
                (text[..at].matches('\n').count() + 1, d.code)
            })
            .collect()
    }

    /// Blanking the line that opens a `"""` string (the line above an
    /// error) used to leave its closing `"""` opening a string that ran on
    /// to the next one: errors in the script and at the file's last string.
    #[test]
    fn a_repair_never_cuts_a_triple_quoted_string() {
        let text = "workflow w {\n  step build: python {\n    script \"\"\"\n      for t in [1]:\n          print(t)\n    \"\"\"\n  }\n\n  for t in xs {\n    step a: shell { run \"a\" }\n  }\n  if a and b {\n    step c: shell { run \"c\" }\n  }\n  step last: shell {\n    run \"\"\"\n      echo done\n    \"\"\"\n  }\n}\n";
        assert_eq!(error_lines(text), [(9, "E0016"), (12, "E0015")]);
    }

    /// A block whose header does not parse is parsed on into its body, so
    /// the body's own errors come in the same round; the checker gets the
    /// file without the block, whose meaning is lost.
    #[test]
    fn a_broken_block_header_costs_only_its_line_in_errors() {
        let text = "workflow w {
  if a and b {
    step one: shell {
      run: \"x\"
    }
  } else if a or b {
    step two: shell { run \"y\" }
  } else {
    step three: shell {
      run \"z\"
      retry \"3\"
    }
  }
  for t in xs {
    depends on one
    step four: shell { run \"${t}\" }
  }
  step five: shell { run \"ok\" }
}
";
        assert_eq!(
            error_lines(text),
            [
                (2, "E0015"),
                (4, "E0013"),
                (6, "E0015"),
                (11, "E0014"),
                (14, "E0016")
            ]
        );
        let parsed = super::super::parse(text);
        let file = parsed.file.as_ref().expect("a tree");
        let items = &file.first().items;
        let [super::super::ast::Item::Step(five)] = &items[..] else {
            panic!("{items:#?}")
        };
        assert_eq!(five.name.name, "five");
        for name in ["one", "two", "three", "four", "t"] {
            assert!(parsed.recovered_names.iter().any(|n| n == name), "{name}");
        }
    }

    /// Two slips in one item: blanking the whole item parses, and used to
    /// win, hiding the second slip until the first was fixed.
    #[test]
    fn each_slip_of_one_item_is_reported() {
        let text = "workflow w {
  step g: shell { run \"g\" }
  step s: shell {
    run \"echo ${ready and true}\"
    needs: g
  }
}
";
        assert_eq!(error_lines(text), [(4, "E0015"), (5, "E0303")]);
        // Blanking the whole `if` parses too; its `else if` holds a slip.
        let text = "workflow w {
  if a and b {
    step x: shell { run \"x\" }
  } else if a or b {
    step y: shell { run \"y\" }
  }
}
";
        assert_eq!(error_lines(text), [(2, "E0015"), (4, "E0015")]);
    }

    /// The example of grammar/README.md's Recovery section.
    #[test]
    fn each_broken_item_costs_only_itself() {
        let text = "workflow ci {\n  param foo:\n  step build: shell {\n    run \"make\"\n    depends on\n  }\n  step test: shell {\n    run \"cargo test\"\n  parallel checks {\n    step lint: shell { run \"cargo clippy }\n    step unit: shell { run \"cargo test\" }\n  }\n}\n";
        let parsed = super::super::parse(text);
        let lines: Vec<(usize, &str)> = parsed
            .diagnostics
            .iter()
            .map(|d| {
                let at = d.primary_span().unwrap().start as usize;
                (text[..at].matches('\n').count() + 1, d.code)
            })
            .collect();
        eprintln!("{:#?}", parsed.diagnostics);
        assert_eq!(
            lines,
            [(2, "E0001"), (5, "E0001"), (7, "E0003"), (10, "E0002")]
        );
        let mut steps = Vec::new();
        for item in &parsed.file.expect("a tree").first().items {
            match item {
                super::super::ast::Item::Step(s) => steps.push(s.name.name.clone()),
                super::super::ast::Item::Parallel(p) => {
                    for i in &p.block.items {
                        if let super::super::ast::Item::Step(s) = i {
                            steps.push(s.name.name.clone());
                        }
                    }
                }
                _ => {}
            }
        }
        assert_eq!(steps, ["build", "test", "lint", "unit"]);
    }
}
