//! The characters of one line that the layout counts: braces outside
//! strings and comments, and where a string or comment takes the rest.

/// The word a line's text starts with.
pub(super) fn first_word(rest: &str) -> &str {
    rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .next()
        .unwrap_or("")
}

pub(super) struct LineScan {
    pub braces: i64,
    pub open_string: bool,
    pub comment: bool,
    /// Where a `"""` string opened on the line ends, if past the line.
    pub inside_until: usize,
}

/// Braces, a trailing comment, and a `"""` string running past the line,
/// in `b[from..end]`.
pub(super) fn scan_line(b: &[u8], from: usize, end: usize) -> LineScan {
    let mut out = LineScan {
        braces: 0,
        open_string: false,
        comment: false,
        inside_until: 0,
    };
    if from >= end {
        return out;
    }
    let stop = walk(b, from, end, |_, c| match c {
        b'{' => out.braces += 1,
        b'}' => out.braces -= 1,
        _ => {}
    });
    match stop {
        Walk::Comment => out.comment = true,
        Walk::Triple(until) => out.inside_until = until,
        Walk::OpenString => out.open_string = true,
        Walk::End => {}
    }
    out
}

pub(super) fn for_each_brace(b: &[u8], from: usize, end: usize, mut f: impl FnMut(usize, u8)) {
    walk(b, from, end, |at, c| {
        if c == b'{' || c == b'}' {
            f(at, c)
        }
    });
}

enum Walk {
    End,
    /// A one-line string that runs to the end of the line.
    OpenString,
    Comment,
    /// A `"""` string that ends at this offset, after the line.
    Triple(usize),
}

/// Calls `f` on each character of `b[i..end]` outside strings and comments.
fn walk(b: &[u8], mut i: usize, end: usize, mut f: impl FnMut(usize, u8)) -> Walk {
    while i < end {
        match b[i] {
            b'#' => return Walk::Comment,
            b'"' if b[i..].starts_with(b"\"\"\"") => {
                let close = find(b, i + 3, b"\"\"\"");
                match close {
                    Some(c) if c + 3 > end => return Walk::Triple(c + 3),
                    Some(c) => i = c + 3,
                    // Never closed: read as ending on its line.
                    None => return Walk::End,
                }
            }
            b'"' => {
                i += 1;
                while i < end && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                if i >= end {
                    return Walk::OpenString;
                }
                i += 1;
            }
            c => {
                f(i, c);
                i += 1;
            }
        }
    }
    Walk::End
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}
