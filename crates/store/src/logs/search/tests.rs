use super::*;
use std::io::Cursor as Mem;

/// 20,000 lines, every 1000th (from line 7) an `ERROR`, some coloured.
fn big() -> Vec<u8> {
    let mut s = String::new();
    for i in 1..=20_000u32 {
        if i % 1000 == 7 {
            if i % 2000 == 7 {
                s.push_str(&format!("\u{1b}[31mERR\u{1b}[0mOR at line {i}\n"));
            } else {
                s.push_str(&format!("ERROR at line {i}\r\n"));
            }
        } else {
            s.push_str(&format!("ok {i} all well\n"));
        }
    }
    s.into_bytes()
}

fn all(text: &[u8], p: &Pattern, limit: usize, budget: Budget) -> (Vec<Match>, usize) {
    let mut r = Mem::new(text.to_vec());
    let (mut out, mut calls, mut at) = (Vec::new(), 0, Cursor::START);
    loop {
        calls += 1;
        let f = search(&mut r, at, p, limit, budget).unwrap();
        out.extend(f.matches);
        match f.next {
            Some(n) => at = n,
            None => return (out, calls),
        }
    }
}

#[test]
fn every_match_is_found_through_pages_with_its_line_number() {
    let text = big();
    let p = Pattern::new("ERROR", false, false).unwrap();
    let (found, calls) = all(&text, &p, 7, Budget::default());
    assert_eq!(found.len(), 20);
    assert_eq!(calls, 3);
    for (k, m) in found.iter().enumerate() {
        let line = 7 + 1000 * k as u64;
        assert_eq!(m.line, line);
        assert!(m.text.ends_with(&format!("OR at line {line}")), "{m:?}");
        // The offset is the line's start: a page read there shows it.
        let page = super::super::read::page(&mut Mem::new(text.clone()), m.offset, 1, 1 << 20);
        assert_eq!(page.unwrap().lines[..], [m.text.as_str()]);
    }
    // Case folded, and as a regex.
    let p = Pattern::new("error at", false, true).unwrap();
    assert_eq!(all(&text, &p, 100, Budget::default()).0.len(), 20);
    let p = Pattern::new(r"^ERROR at line \d*7$", true, false).unwrap();
    assert_eq!(all(&text, &p, 100, Budget::default()).0.len(), 20);
    assert_eq!(
        all(&text, &Pattern::errors(), 100, Budget::default())
            .0
            .len(),
        20
    );
}

#[test]
fn a_spent_budget_answers_where_to_go_on() {
    let text = big();
    let p = Pattern::new("ERROR", false, false).unwrap();
    let tight = Budget {
        bytes: 1,
        time: Duration::from_secs(10),
    };
    let (found, calls) = all(&text, &p, 100, tight);
    assert_eq!(found.len(), 20);
    assert!(calls > text.len() / CHUNK, "{calls}");
    let lines: Vec<u64> = found.iter().map(|m| m.line).collect();
    assert_eq!(lines, (0..20).map(|k| 7 + 1000 * k).collect::<Vec<_>>());
}

#[test]
fn patterns_are_bounded() {
    assert_eq!(
        Pattern::new("", false, false).err(),
        Some(PatternError::Empty)
    );
    let long = "x".repeat(MAX_PATTERN + 1);
    assert!(matches!(
        Pattern::new(&long, false, false),
        Err(PatternError::TooLong(_))
    ));
    assert!(matches!(
        Pattern::new("(unclosed", true, false),
        Err(PatternError::Bad(_))
    ));
    // Compiles past the size limit: refused, not built.
    assert!(matches!(
        Pattern::new(r"\w{1000}\w{1000}", true, false),
        Err(PatternError::Bad(_))
    ));
}

#[test]
fn cursors_and_line_numbers() {
    let c = Cursor {
        line: 12,
        offset: 345,
    };
    assert_eq!(Cursor::parse(&c.to_string()), Some(c));
    for bad in ["", "12", "0-3", "a-1", "1-x"] {
        assert_eq!(Cursor::parse(bad), None, "{bad}");
    }
    let text = b"a\nbb\nccc\nlast";
    let mut r = Mem::new(text.to_vec());
    assert_eq!(line_start(&mut r, Cursor::START, 1).unwrap(), Some(0));
    assert_eq!(line_start(&mut r, Cursor::START, 3).unwrap(), Some(5));
    assert_eq!(line_start(&mut r, Cursor::START, 4).unwrap(), Some(9));
    assert_eq!(line_start(&mut r, Cursor::START, 5).unwrap(), None);
    let from = Cursor { line: 3, offset: 5 };
    assert_eq!(line_start(&mut r, from, 4).unwrap(), Some(9));
    assert_eq!(line_start(&mut r, from, 2).unwrap(), Some(2));
    assert_eq!(line_at(&mut r, 9, 1 << 20).unwrap(), Some(4));
    assert_eq!(line_at(&mut r, 0, 1 << 20).unwrap(), Some(1));
    assert_eq!(line_at(&mut r, 9, 8).unwrap(), None);
    // A cursor inside a line is refused.
    let p = Pattern::new("c", false, false).unwrap();
    let e = search(
        &mut r,
        Cursor { line: 2, offset: 3 },
        &p,
        5,
        Budget::default(),
    );
    assert_eq!(e.unwrap_err().kind(), io::ErrorKind::InvalidInput);
    // The last line, without its newline, is searched too.
    let p = Pattern::new("last", false, false).unwrap();
    let f = search(&mut r, Cursor::START, &p, 5, Budget::default()).unwrap();
    assert_eq!((f.matches[0].line, f.next), (4, None));
}
