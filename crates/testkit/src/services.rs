//! Servers the tests talk to, started by the repository's scripts: a
//! Docker-API engine (`scripts/start-docker-api`, Podman), shared by every
//! test of a process, and SMTP sinks (`scripts/start-smtp-sink`), one per
//! test. Each start returns why it cannot run here instead of failing, for
//! [`crate::skip`].

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The repository's root.
pub fn repo() -> &'static Path {
    // This crate is crates/testkit.
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A free TCP port on 127.0.0.1 (free when asked: a server should bind it soon).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A Docker-API engine with the test image.
pub struct DockerEngine {
    /// Its `DOCKER_HOST` (`unix:///…`).
    pub host: String,
    /// The test image (busybox), `WFC_TEST_IMAGE` or `localhost/wfc-test:latest`.
    pub image: String,
    /// The `CONTAINERS_CONF` a `podman` CLI needs to run containers like
    /// the service does (its ulimits), when the service was started here;
    /// else the environment's.
    pub containers_conf: Option<String>,
}

/// The engine at `DOCKER_HOST` if that is set, else a Podman API service
/// started once per process (the tests of one binary share it: two starts at
/// once would race on its socket and image).
pub fn docker_engine() -> Result<&'static DockerEngine, String> {
    static ENGINE: OnceLock<Result<DockerEngine, String>> = OnceLock::new();
    ENGINE
        .get_or_init(start_docker_engine)
        .as_ref()
        .map_err(Clone::clone)
}

fn start_docker_engine() -> Result<DockerEngine, String> {
    let image =
        std::env::var("WFC_TEST_IMAGE").unwrap_or_else(|_| "localhost/wfc-test:latest".into());
    if let Ok(host) = std::env::var("DOCKER_HOST") {
        let containers_conf = std::env::var("CONTAINERS_CONF").ok();
        return Ok(DockerEngine {
            host,
            image,
            containers_conf,
        });
    }
    let text = start_script("scripts/start-docker-api")?;
    let host = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("DOCKER_HOST="))
        .ok_or_else(|| format!("unexpected output from start-docker-api: {text}"))?;
    let containers_conf = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("CONTAINERS_CONF="))
        .map(str::to_owned);
    Ok(DockerEngine {
        host: host.to_owned(),
        image,
        containers_conf,
    })
}

/// A running SMTP sink (`scripts/smtp_sink.py`) that stores each message it
/// receives in its own folder; killed on drop.
pub struct SmtpSink {
    pid: i32,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts a sink on a free port, with `args` for the script (`--tls`,
    /// `--auth`, …), or explains why it cannot run here.
    pub fn start(args: &[&str]) -> Result<SmtpSink, String> {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let out = Command::new(repo().join("scripts/start-smtp-sink"))
            .arg(port.to_string())
            .arg(dir.path())
            .args(args)
            .output()
            .map_err(|e| format!("cannot run scripts/start-smtp-sink: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "scripts/start-smtp-sink failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let pid = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("SMTP_SINK_PID="))
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("unexpected output from start-smtp-sink: {text}"))?;
        Ok(SmtpSink { pid, port, dir })
    }

    /// The envelopes (JSON) and raw messages received so far, oldest first.
    pub fn messages(&self) -> Vec<(serde_json::Value, String)> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|json| {
                let env = serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
                let eml = std::fs::read_to_string(json.with_extension("eml")).unwrap();
                (env, eml)
            })
            .collect()
    }

    /// The messages once there are `n` (or all there are after 5 s).
    pub fn wait_messages(&self, n: usize) -> Vec<(serde_json::Value, String)> {
        let start = Instant::now();
        loop {
            let m = self.messages();
            if m.len() >= n || start.elapsed() > Duration::from_secs(5) {
                return m;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.pid.to_string()).status();
    }
}

/// A single-node Slurm cluster (`scripts/start-slurm`), started once per
/// process and reused by every test of it (and across processes: the
/// script reuses a running cluster). `Err` says why there is none.
pub fn slurm_cluster() -> Result<(), String> {
    static CLUSTER: OnceLock<Result<(), String>> = OnceLock::new();
    CLUSTER.get_or_init(start_slurm).clone()
}

fn start_slurm() -> Result<(), String> {
    start_script("scripts/start-slurm").map(drop)
}

/// Runs the repository's start script `path` without installing anything
/// (`WFC_NO_INSTALL=1`): what it printed, or why it failed.
fn start_script(path: &str) -> Result<String, String> {
    let script = repo().join(path);
    let out = Command::new(&script)
        .env("WFC_NO_INSTALL", "1")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{path} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A throwaway PostgreSQL server (`scripts/start-postgres`), stopped and
/// its directory removed when dropped.
pub struct Postgres {
    /// `postgres://postgres@127.0.0.1:PORT/wfc` (trust authentication).
    pub url: String,
    dir: String,
    /// With TLS ([`postgres_tls`]): the PEM file of the CA that signed the
    /// server's certificate (for `localhost` only).
    pub ca: Option<String>,
}

/// Starts a PostgreSQL server for one test, or explains why it cannot run
/// here (pass the reason to [`crate::skip`]).
pub fn postgres() -> Result<Postgres, String> {
    start_postgres(&[])
}

/// [`postgres`] taking only `n` connections (`start-postgres
/// --max-connections`; 3 of them kept for superusers).
pub fn postgres_with_connections(n: u32) -> Result<Postgres, String> {
    start_postgres(&["--max-connections", &n.to_string()])
}

/// [`postgres`], serving TLS too (`start-postgres --tls`).
pub fn postgres_tls() -> Result<Postgres, String> {
    start_postgres(&["--tls"])
}

fn start_postgres(args: &[&str]) -> Result<Postgres, String> {
    let out = Command::new(repo().join("scripts/start-postgres"))
        .args(args)
        .output()
        .map_err(|e| format!("cannot run scripts/start-postgres: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/start-postgres failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .map(str::to_owned)
            .ok_or_else(|| format!("unexpected output from start-postgres: {text}"))
    };
    Ok(Postgres {
        url: field("PG_URL=")?,
        dir: field("PG_DIR=")?,
        ca: field("PG_CA=").ok(),
    })
}

impl Postgres {
    /// A streaming standby of this server, to which it then commits
    /// synchronously (`start-postgres --standby-of`).
    pub fn standby(&self) -> Result<Postgres, String> {
        start_postgres(&["--standby-of", &self.dir])
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        let authority = self.url.split('@').nth(1).unwrap_or("");
        let host = authority.split('/').next().unwrap_or("");
        host.rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(5432)
    }

    /// Kills the server with SIGKILL, as a crash does (its children die
    /// with it: the postmaster is gone, they exit at their next look).
    pub fn kill(&self) -> Result<(), String> {
        let pid = std::fs::read_to_string(format!("{}/data/postmaster.pid", self.dir))
            .map_err(|e| format!("no postmaster.pid: {e}"))?;
        let pid = pid.lines().next().unwrap_or("").trim().to_owned();
        let ok = Command::new("kill").args(["-9", &pid]).status();
        ok.map_err(|e| e.to_string())?
            .success()
            .then_some(())
            .ok_or_else(|| format!("kill -9 {pid} failed"))
    }

    /// Promotes this standby to a primary, waiting until it takes writes.
    pub fn promote(&self) -> Result<(), String> {
        let data = format!("{}/data", self.dir);
        let ctl = "/usr/lib/postgresql/15/bin/pg_ctl";
        let mut cmd = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", ctl]);
            c
        } else {
            Command::new(ctl)
        };
        let out = cmd
            .args(["promote", "-w", "-D", &data])
            .output()
            .map_err(|e| e.to_string())?;
        out.status
            .success()
            .then_some(())
            .ok_or_else(|| String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Whether this process runs as root (`/proc/self` is its effective user's).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = Command::new(repo().join("scripts/start-postgres"))
            .args(["--stop", &self.dir])
            .status();
    }
}
