//! A screenful redrawn in place on a terminal: what `wfc status --watch`
//! and `wfc top` share. A frame is written at once from the top-left
//! corner, each line cut to the terminal's width and as many lines as fit
//! (the last saying how many more there are), erasing what the previous
//! frame left; nothing is scrolled.

use std::io::{IsTerminal, Write};

/// Whether standard output is a terminal (else: print once, plainly).
pub fn is_tty() -> bool {
    std::io::stdout().is_terminal()
}

/// The terminal's (columns, rows); 80×24 when it does not say (a new
/// pseudo-terminal may say 0×0).
pub fn size() -> (usize, usize) {
    match crossterm::terminal::size() {
        Ok((c, r)) if c > 0 && r > 0 => (usize::from(c.max(20)), usize::from(r.max(5))),
        _ => (80, 24),
    }
}

/// `text` fitted to `cols` × `rows`: lines cut to the width (`…` where
/// cut), and past the last row a line saying how many more there are.
pub fn fit(text: &str, cols: usize, rows: usize) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let cut = |l: &str| -> String {
        if l.chars().count() <= cols {
            l.to_owned()
        } else {
            let mut s: String = l.chars().take(cols.saturating_sub(1)).collect();
            s.push('…');
            s
        }
    };
    if lines.len() <= rows {
        return lines.into_iter().map(cut).collect();
    }
    let shown = rows.saturating_sub(1);
    let mut out: Vec<String> = lines[..shown].iter().map(|l| cut(l)).collect();
    out.push(cut(&format!("… {} more lines", lines.len() - shown)));
    out
}

/// Draws `lines` over the previous frame. `raw`: the terminal is in raw
/// mode, where a line feed does not return the carriage.
pub fn draw(lines: &[String], raw: bool) {
    let mut frame = String::from("\x1b[H");
    for line in lines {
        frame.push_str(line);
        frame.push_str("\x1b[K");
        frame.push_str(if raw { "\r\n" } else { "\n" });
    }
    frame.push_str("\x1b[J");
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(frame.as_bytes());
    let _ = out.flush();
}

/// Clears the screen (before the first frame, and before a last plain print).
pub fn clear() {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(b"\x1b[H\x1b[2J");
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn a_frame_fits_the_terminal_and_says_what_it_left_out() {
        let text = "short\na line that is too long\nthree\nfour\nfive\n";
        assert_eq!(
            fit(text, 10, 10),
            ["short", "a line th…", "three", "four", "five"]
        );
        assert_eq!(
            fit(text, 40, 3),
            ["short", "a line that is too long", "… 3 more lines"]
        );
    }
}
