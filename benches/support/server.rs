//! What the server benchmarks share (`#[path = "support/server.rs"] mod
//! server;`): the `wfc` binary to time, an API key, and a real `wfc serve`
//! on a loopback port, killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The `wfc` of this build, or `$WFC_BENCH_BIN` to time another build of
/// it (say, one built with another profile) with the same client.
pub fn wfc() -> PathBuf {
    std::env::var_os("WFC_BENCH_BIN")
        .filter(|b| !b.is_empty())
        .map(Into::into)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_wfc").into())
}

/// A running `wfc serve` and its base URL (`http://127.0.0.1:PORT`).
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new operator key in `state`, made by `bin`.
#[allow(dead_code)] // not every benchmark needs a key
pub fn add_key(bin: &Path, state: &Path) -> String {
    let out = Command::new(bin)
        .args(["keys", "add", "bench", "--role", "operator", "--state-dir"])
        .arg(state)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Starts `bin serve` on a free loopback port with `state` and `args` (the
/// flags and folders after them), and waits until it listens. Its error
/// lines are shown.
pub fn serve(bin: &Path, state: &Path, args: &[&std::ffi::OsStr]) -> Server {
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(state)
        .args(args)
        .env_remove("RUST_LOG")
        .env("WFC_LOG_FORMAT", "text")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let addr = line[at + "listening on ".len()..].split(' ').next();
                let _ = tx.send(addr.unwrap_or_default().to_owned());
            } else if line.contains("ERROR") {
                eprintln!("server: {line}");
            }
        }
    });
    // Killed on drop even if it never says it listens.
    let mut server = Server {
        child,
        base: String::new(),
    };
    server.base = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the server starts");
    server
}
