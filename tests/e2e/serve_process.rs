//! The `wfc serve` process of the e2e harness ([`super::serve::Server`]):
//! started, its log kept, killed (its log's tail printed when a test
//! failed).

use super::serve::Server;
use super::WFC;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// In a server's environment, the group id its process runs as.
pub(super) const GID_ENV: &str = "WFC_TEST_SERVE_GID";

/// `wfc serve` on `dir`'s state serving `served`: the process, its base
/// URL once it listens, and its log as it comes.
pub(super) fn spawn(
    dir: &Path,
    flags: &[&str],
    served: &Path,
    env: &[(String, String)],
) -> (Child, String, Arc<Mutex<String>>) {
    let mut cmd = Command::new(WFC);
    // A server in a group of its own, which a firewall rule can cut off
    // (`servers_partition.rs`).
    if let Some((_, gid)) = env.iter().find(|(k, _)| k == GID_ENV) {
        std::os::unix::process::CommandExt::gid(&mut cmd, gid.parse().unwrap());
    }
    let mut child = cmd
        .args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(dir.join("state"))
        .args(flags)
        .arg(served)
        .current_dir(dir)
        .env("WFC_LOG_FORMAT", "text")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let addr = line[at + "listening on ".len()..]
                    .split(' ')
                    .next()
                    .unwrap();
                let _ = tx.send(addr.to_owned());
            }
            kept.lock().unwrap().push_str(&(line + "\n"));
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("the server did not start: {}", log.lock().unwrap()));
    (child, base, log)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // A failed test says what the server logged: a failure seen only
        // on a loaded CI machine is then diagnosed from its output.
        if std::thread::panicking() {
            let log = self.log.lock().map(|l| l.clone()).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(80)..];
            eprintln!(
                "--- the server's log (last {} lines):\n{}",
                tail.len(),
                tail.join("\n")
            );
        }
    }
}
