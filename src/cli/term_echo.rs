//! The terminal's echo of Ctrl-C (`^C`), off while the live display draws.
//! The echo is written where the cursor is, at the end of the display's
//! last line, which is as wide as the terminal: it wraps, every line moves
//! down one, and the display's redraw (so many lines up) misses its top
//! line, which stays on the screen. The setting is put back when the
//! display ends, and before wfc exits at a third Ctrl-C.

use nix::sys::termios::{self, LocalFlags, SetArg, Termios};
use std::sync::Mutex;

/// The terminal's settings before ECHOCTL was turned off.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

/// Turns the echo of control characters off on stdout's terminal.
pub fn off() {
    let out = std::io::stdout();
    let Ok(mut t) = termios::tcgetattr(&out) else {
        return;
    };
    if !t.local_flags.contains(LocalFlags::ECHOCTL) {
        return;
    }
    let saved = t.clone();
    t.local_flags.remove(LocalFlags::ECHOCTL);
    if termios::tcsetattr(&out, SetArg::TCSANOW, &t).is_ok() {
        if let Ok(mut s) = SAVED.lock() {
            *s = Some(saved);
        }
    }
}

/// Puts the terminal's settings back, if [`off`] changed them.
pub fn restore() {
    let saved = SAVED.lock().ok().and_then(|mut s| s.take());
    if let Some(t) = saved {
        let _ = termios::tcsetattr(std::io::stdout(), SetArg::TCSANOW, &t);
    }
}
