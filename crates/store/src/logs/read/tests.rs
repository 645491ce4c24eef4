use super::*;
use std::io::Cursor;

/// A reader that counts the bytes read through it.
struct Counting<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for Counting<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.inner.seek(to)
    }
}

fn tail_of(text: &[u8], n: usize) -> Vec<String> {
    tail(&mut Cursor::new(text.to_vec()), n, usize::MAX)
        .unwrap()
        .lines
}

#[test]
fn tail_reads_the_last_lines_with_or_without_a_final_newline() {
    assert_eq!(tail_of(b"a\nb\nc\n", 2), ["b", "c"]);
    assert_eq!(tail_of(b"a\nb\nc", 2), ["b", "c"]);
    assert_eq!(tail_of(b"a\nb\nc", 9), ["a", "b", "c"]);
    assert_eq!(tail_of(b"a\nb\nc\n", 9), ["a", "b", "c"]);
    assert_eq!(tail_of(b"only", 1), ["only"]);
    assert_eq!(tail_of(b"a\n\n\nb\n", 3), ["", "", "b"]);
    assert_eq!(tail_of(b"\n", 5), [""]);
    let t = tail(&mut Cursor::new(b"a\nb\nc\n".to_vec()), 2, usize::MAX).unwrap();
    assert_eq!((t.start, t.end), (2, 6));
}

#[test]
fn tail_of_an_empty_file_is_empty() {
    let t = tail(&mut Cursor::new(Vec::new()), 10, usize::MAX).unwrap();
    assert_eq!(t, Lines::default());
    assert!(tail_of(b"a\n", 0).is_empty());
}

#[test]
fn crlf_lines_lose_their_cr() {
    assert_eq!(tail_of(b"a\r\nb\r\n", 5), ["a", "b"]);
    assert_eq!(tail_of(b"a\r\nb\r", 5), ["a", "b"]);
    let p = page(&mut Cursor::new(b"x\r\ny\r\n".to_vec()), 3, 5, usize::MAX).unwrap();
    assert_eq!(p.lines, ["y"]);
}

#[test]
fn lines_longer_than_a_chunk_are_found_whole() {
    let long = "é".repeat(CHUNK); // 2 bytes each: two chunks, under no cap
    let text = format!("first\n{}\nlast\n", &long[..LINE_CAP - 2]);
    assert_eq!(tail_of(text.as_bytes(), 3)[0], "first");
    // A line of several chunks: cut at the cap, on a character's boundary.
    let text = format!("first\n{long}\nlast\n");
    let lines = tail_of(text.as_bytes(), 3);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], "first");
    assert_eq!(lines[2], "last");
    let marker = format!(" … [line of {} bytes cut]", long.len());
    let kept = lines[1].strip_suffix(&marker).expect(&lines[1]);
    assert_eq!(kept.len(), LINE_CAP);
    assert!(long.starts_with(kept));
}

#[test]
fn a_line_at_the_cap_is_whole_and_one_past_it_is_cut() {
    let at = "x".repeat(LINE_CAP);
    assert_eq!(tail_of(format!("{at}\n").as_bytes(), 1), [at.as_str()]);
    assert_eq!(tail_of(format!("{at}\r\n").as_bytes(), 1), [at.as_str()]);
    let over = format!("{at}y");
    let lines = tail_of(format!("{over}\n").as_bytes(), 1);
    assert_eq!(
        lines,
        [format!("{at} … [line of {} bytes cut]", LINE_CAP + 1)]
    );
    // The same through a page.
    let p = page(
        &mut Cursor::new(format!("{over}\nz").into_bytes()),
        0,
        9,
        usize::MAX,
    )
    .unwrap();
    assert_eq!(p.lines, [lines[0].clone(), "z".to_owned()]);
}

#[test]
fn a_tail_of_a_huge_file_reads_a_few_chunks() {
    // 50 MB of lines, then the last ones: bytes read stay a few chunks.
    let mut text = Vec::with_capacity(50 << 20);
    let mut i = 0;
    while text.len() < 50 << 20 {
        text.extend_from_slice(format!("line {i}\n").as_bytes());
        i += 1;
    }
    let mut r = Counting {
        inner: Cursor::new(text),
        read: 0,
    };
    let t = tail(&mut r, 10, 1 << 20).unwrap();
    assert_eq!(t.lines.len(), 10);
    assert_eq!(t.lines[9], format!("line {}", i - 1));
    assert_eq!(t.lines[0], format!("line {}", i - 10));
    assert!(r.read <= 3 * CHUNK as u64, "read {} bytes", r.read);
}

#[test]
fn one_huge_line_costs_a_cap_not_its_size() {
    // A 20 MB line: its shown text is the cap and a marker.
    let mut text = vec![b'x'; 20 << 20];
    text.push(b'\n');
    text.extend_from_slice(b"after\n");
    let t = tail(&mut Cursor::new(text.clone()), 5, 1 << 20).unwrap();
    assert_eq!(t.lines.len(), 2);
    assert!(t.lines[0].len() < LINE_CAP + 64);
    assert!(t.lines[0].ends_with(&format!("[line of {} bytes cut]", 20 << 20)));
    assert_eq!(t.lines[1], "after");
}

#[test]
fn answers_stay_within_their_bytes() {
    let text: String = (0..1000).map(|i| format!("{i:09}\n")).collect();
    // 9 bytes a line: 100 bytes hold 11.
    let t = tail(&mut Cursor::new(text.clone().into_bytes()), 1000, 100).unwrap();
    assert_eq!(t.lines.len(), 11);
    assert_eq!(t.lines[10], "000000999");
    let p = page(&mut Cursor::new(text.into_bytes()), 0, 1000, 100).unwrap();
    assert_eq!(p.lines.len(), 11);
    assert_eq!(p.end, 110);
    // One line is always given, however small the budget.
    let p = page(&mut Cursor::new(b"abc\n".to_vec()), 0, 5, 1).unwrap();
    assert_eq!(p.lines, ["abc"]);
}

#[test]
fn pages_follow_each_other_to_the_end() {
    let text: String = (0..25).map(|i| format!("l{i}\n")).collect();
    let mut r = Cursor::new(text.into_bytes());
    let mut from = 0;
    let mut all = Vec::new();
    loop {
        let p = page(&mut r, from, 10, usize::MAX).unwrap();
        if p.lines.is_empty() {
            assert_eq!(p.end, from);
            break;
        }
        assert_eq!(p.start, from);
        from = p.end;
        all.extend(p.lines);
    }
    let want: Vec<String> = (0..25).map(|i| format!("l{i}")).collect();
    assert_eq!(all, want);
    // An offset inside a line is refused.
    let e = page(&mut r, 1, 10, usize::MAX).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    // Past the end: nothing yet.
    assert!(page(&mut r, 10_000, 10, usize::MAX)
        .unwrap()
        .lines
        .is_empty());
}

#[test]
fn a_chain_reads_its_files_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    let b = dir.path().join("b.log");
    std::fs::write(&a, "a1\na2\n").unwrap();
    std::fs::write(&b, "b1\nb2\n").unwrap();
    let gone = dir.path().join("gone.log");
    let mut c = Chain::files(&[a, gone, b]).unwrap();
    assert_eq!(c.len(), 12);
    assert_eq!(
        tail(&mut c, 3, usize::MAX).unwrap().lines,
        ["a2", "b1", "b2"]
    );
    let p = page(&mut c, 3, 2, usize::MAX).unwrap();
    assert_eq!(
        (p.lines, p.end),
        (vec!["a2".to_owned(), "b1".to_owned()], 9)
    );
}

#[test]
fn tails_before_a_start_page_backwards_to_the_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.log");
    let text: String = (0..25).map(|i| format!("l{i}\n")).collect();
    std::fs::write(&a, text).unwrap();
    let open = || Chain::files(std::slice::from_ref(&a)).unwrap();
    let mut end = open().len();
    let mut all = Vec::new();
    while end > 0 {
        let t = tail_before(open(), end, 10, usize::MAX).unwrap();
        assert_eq!(t.end, end);
        end = t.start;
        all.splice(0..0, t.lines);
    }
    let want: Vec<String> = (0..25).map(|i| format!("l{i}")).collect();
    assert_eq!(all, want);
    for bad in [1, 10_000] {
        let e = tail_before(open(), bad, 10, usize::MAX).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad}");
    }
}
