//! A run is owned by the server from its admission to its end, whatever
//! the client that started it does: clients that reset their connection
//! (RST) at every moment of a start leave no run untracked — each run that
//! was created keeps its `lock` and its `--max-runs` slot until it ends,
//! ends recorded as what it was, with its `finally`, and a SIGTERM with a
//! long `--grace` lets the ones in flight finish (those waiting for the
//! key park, and the next start finishes them).

use super::serve::{get, Server};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// One locked step that writes when it ran (ns), and a `finally`.
const LOCKED: &str = r#"
workflow locked {
  lock "the-key"
  step work: shell {
    run "s=$(date +%s%N); sleep 0.2; echo locked $s $(date +%s%N) >> @DIR/spans.txt"
  }
  finally {
    step done: shell { run "echo ${run.id} >> @DIR/finally.txt" }
  }
}
"#;

/// The same without a lock: only `--max-runs` keeps these apart.
const FREE: &str = r#"
workflow free {
  step work: shell {
    run "s=$(date +%s%N); sleep 0.2; echo free $s $(date +%s%N) >> @DIR/spans.txt"
  }
  finally {
    step done: shell { run "echo ${run.id} >> @DIR/finally.txt" }
  }
}
"#;

/// Sends a start of `workflow` and resets the connection (RST, not FIN)
/// `after` later, whatever the server has answered by then.
fn start_and_reset(addr: &str, key: &str, workflow: &str, after: Duration) {
    let mut s = TcpStream::connect(addr).unwrap();
    let request = format!(
        "POST /api/v1/workflows/{workflow}/runs HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {key}\r\nContent-Type: application/json\r\n\
         Content-Length: 2\r\n\r\n{{}}"
    );
    s.write_all(request.as_bytes()).unwrap();
    std::thread::sleep(after);
    // A zero linger makes close send a reset.
    let linger = nix::libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    nix::sys::socket::setsockopt(&s, nix::sys::socket::sockopt::Linger, &linger).unwrap();
    drop(s);
}

/// How long a start takes to be answered here: the median of `n` starts
/// of `free` read to their answer.
fn start_latency(addr: &str, key: &str, n: usize) -> Duration {
    let mut took: Vec<Duration> = (0..n)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            let request = format!(
                "POST /api/v1/workflows/free/runs HTTP/1.1\r\nHost: {addr}\r\n\
                 Authorization: Bearer {key}\r\nContent-Type: application/json\r\n\
                 Content-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            );
            let t = Instant::now();
            s.write_all(request.as_bytes()).unwrap();
            let mut first = [0u8; 1];
            std::io::Read::read_exact(&mut s, &mut first).unwrap();
            t.elapsed()
        })
        .collect();
    took.sort();
    took[n / 2]
}

/// `n` starts, alternately of `locked` and `free`, in waves of
/// [`MAX_RUNS`] at once (each wave finds the slots free, so its starts are
/// admitted at once), each reset at its own moment between 0.5 and 1.3
/// times a start's usual answer time `latency`: around the moment the run
/// is created and its start recorded, just before the answer.
async fn reset_starts(server: &Server, http: &reqwest::Client, n: usize, latency: Duration) {
    let addr = server.base.trim_start_matches("http://").to_owned();
    for wave in (0..n).collect::<Vec<_>>().chunks(MAX_RUNS) {
        std::thread::scope(|scope| {
            for &i in wave {
                let (addr, key) = (addr.clone(), server.operator.clone());
                scope.spawn(move || {
                    let wf = if i % 2 == 0 { "locked" } else { "free" };
                    let share = 0.5 + 0.8 * ((i * 37) % n) as f64 / n as f64;
                    start_and_reset(&addr, &key, wf, latency.mul_f64(share));
                });
            }
        });
        settled(server, http).await;
    }
}

/// `(workflow, start, end)` of every span the steps wrote.
fn spans(path: &Path) -> Vec<(String, u128, u128)> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(|l| {
            let p: Vec<&str> = l.split(' ').collect();
            (
                p[0].to_owned(),
                p[1].parse().unwrap(),
                p[2].parse().unwrap(),
            )
        })
        .collect()
}

/// The most spans that overlap at one instant.
fn most_at_once(spans: &[(String, u128, u128)]) -> usize {
    let mut edges: Vec<(u128, i32)> = spans.iter().flat_map(|s| [(s.1, 1), (s.2, -1)]).collect();
    // An end before a start at the same instant.
    edges.sort();
    let (mut now, mut most) = (0, 0);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most as usize
}

/// Every recorded run, by the read key.
async fn all_runs(server: &Server, http: &reqwest::Client) -> Vec<Value> {
    let (status, page) = get(http, &server.url("/runs?limit=500"), &server.reader).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["runs"].as_array().unwrap().clone()
}

/// Waits (at most 60 s) until no recorded run is running.
async fn settled(server: &Server, http: &reqwest::Client) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runs = all_runs(server, http).await;
        if runs.iter().all(|r| r["status"] != "running") {
            return runs;
        }
        assert!(Instant::now() < deadline, "runs still running: {runs:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The server's `--max-runs`.
const MAX_RUNS: usize = 3;

/// Each run that was created ran its step once, ended succeeded with its
/// `finally`, and the steps kept the lock and the slots.
fn check_runs(server: &Server, runs: &[Value]) {
    let of = |wf: &str| runs.iter().filter(|r| r["workflow"] == wf).count();
    let spans = spans(&server.path("spans.txt"));
    let ran = |wf: &str| spans.iter().filter(|s| s.0 == wf).count();
    assert!(!runs.is_empty(), "no start got through at all");
    for r in runs {
        assert_eq!(r["status"], "succeeded", "{r}");
    }
    assert_eq!(ran("locked"), of("locked"), "{runs:?} {spans:?}");
    assert_eq!(ran("free"), of("free"), "{runs:?} {spans:?}");
    let mut finals = lines(&server.path("finally.txt"));
    finals.sort();
    let mut ids: Vec<String> = runs
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    assert_eq!(finals, ids, "every run's finally ran, once");
    let locked: Vec<_> = spans.iter().filter(|s| s.0 == "locked").cloned().collect();
    assert_eq!(most_at_once(&locked), 1, "the lock was shared: {locked:?}");
    assert!(
        most_at_once(&spans) <= MAX_RUNS,
        "more than --max-runs {MAX_RUNS} at once: {spans:?}"
    );
}

#[tokio::test]
async fn clients_that_reset_mid_start_leave_every_run_owned_to_its_end() {
    let mut server = Server::start(
        &[("locked.wf", LOCKED), ("free.wf", FREE)],
        &[
            "--max-runs",
            &MAX_RUNS.to_string(),
            "--grace",
            "60",
            "--rate-limit",
            "1000",
            "--rate-burst",
            "1000",
        ],
    );
    let http = reqwest::Client::new();
    let addr = server.base.trim_start_matches("http://").to_owned();
    let latency = start_latency(&addr, &server.operator, 5);
    settled(&server, &http).await;
    let calibrated = all_runs(&server, &http).await.len();
    reset_starts(&server, &http, 90, latency).await;
    let runs = settled(&server, &http).await;
    eprintln!(
        "{} of 90 reset starts made a run (a start answers in {latency:?})",
        runs.len() - calibrated
    );
    check_runs(&server, &runs);

    // The lock and the slots were all given back: two runs start at once
    // and end in time (not refused busy, not waiting for a lock forever).
    let wait = |wf: &'static str| {
        let (http, url, key) = (
            http.clone(),
            server.url(&format!("/workflows/{wf}/runs?wait=20s")),
            server.operator.clone(),
        );
        async move {
            let r = http
                .post(url)
                .bearer_auth(key)
                .json(&serde_json::json!({}))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (a, b) = tokio::join!(wait("locked"), wait("free"));
    for (status, body) in [a, b] {
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "succeeded", "{body}");
    }

    // Starts reset while the server is stopped with a long grace: the runs
    // in flight finish, with their `finally`, before it exits.
    let before = all_runs(&server, &http).await.len();
    std::thread::scope(|scope| {
        for i in 0..MAX_RUNS {
            let (addr, key) = (addr.clone(), server.operator.clone());
            scope.spawn(move || {
                let after = latency.mul_f64(0.6 + 0.3 * i as f64);
                start_and_reset(&addr, &key, "locked", after);
            });
        }
    });
    server.signal(nix::sys::signal::Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = server.log.lock().unwrap().clone();
    assert!(!log.contains("grace period over"), "{log}");
    // Read back by the CLI, from the store the server left.
    let out = server
        .wfc()
        .args([
            "history",
            "--format",
            "json",
            "--limit",
            "500",
            "--state-dir",
        ])
        .arg(server.path("state"))
        .output()
        .unwrap();
    let runs: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    eprintln!(
        "{} of {MAX_RUNS} reset starts before SIGTERM made a run",
        runs.len() - before
    );
    assert!(runs.len() >= before, "{runs:?}");
    // A run still waiting for the key when the server stopped parked, and
    // holds nothing: it is still running, and the next start finishes it.
    let parked = super::serve_runs::parked(&server.path("state"));
    for r in runs.iter().filter(|r| r["status"] == "running") {
        let id = r["id"].as_str().unwrap().to_owned();
        assert!(parked.contains(&id), "left running, not parked: {r}");
    }
    let flows = server.path("flows");
    server.restart(&["--max-runs", &MAX_RUNS.to_string()], &flows);
    let runs = settled(&server, &http).await;
    check_runs(&server, &runs);
}

/// Counts its sessions' starts, then sleeps: the server is killed then.
const COUNTED: &str = r#"
workflow counted {
  step one: shell { run "echo one >> @DIR/count.txt; sleep 2" }
  step two: shell {
    run "echo two >> @DIR/two.txt"
    depends on one
  }
}
"#;

/// A process killed when the test is done with it, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `wfc serve` on `server`'s folder and state, its stderr read as it comes.
fn second_server(server: &Server) -> Killed {
    Killed(
        server
            .wfc()
            .args(["serve", "--listen", "127.0.0.1:0", "--state-dir"])
            .arg(server.path("state"))
            .arg(server.path("flows"))
            .current_dir(server.path(""))
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

/// What `child` printed on stderr up to `listening on` (it serves: `true`)
/// or its exit (it refused: `false`), within 20 s.
fn served_or_refused(child: &mut Killed) -> (bool, String) {
    use std::io::BufRead;
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            seen.push_str(&line);
            seen.push('\n');
            if line.contains("listening on http://") {
                let _ = tx.send((true, seen.clone()));
            }
        }
        let _ = tx.send((false, seen));
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("the server neither served nor exited")
}

#[tokio::test]
async fn one_server_per_state_folder_and_a_killed_one_s_is_taken_over() {
    let mut first = Server::start(&[("counted.wf", COUNTED)], &[]);
    let http = reqwest::Client::new();
    let (status, body) = super::serve::post(
        &http,
        &first.url("/workflows/counted/runs"),
        &first.operator,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let count = first.path("count.txt");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !count.exists() {
        assert!(Instant::now() < deadline, "the run's step never started");
        std::thread::sleep(Duration::from_millis(20));
    }

    // A second server on the folder refuses, naming the holder.
    let mut second = second_server(&first);
    let (served, said) = served_or_refused(&mut second);
    assert!(!served, "{said}");
    assert_eq!(second.0.wait().unwrap().code(), Some(2), "{said}");
    let pid = first.child.id();
    assert!(
        said.contains(&format!("is served by another `wfc serve` (pid {pid})")),
        "{said}"
    );

    // Killed: the lock goes with the process. Two servers started at once
    // on the folder: one serves, the other refuses, naming the first.
    first.signal(nix::sys::signal::Signal::SIGKILL);
    first.child.wait().unwrap();
    let mut b = second_server(&first);
    let mut c = second_server(&first);
    let (b_served, b_said) = served_or_refused(&mut b);
    let (c_served, c_said) = served_or_refused(&mut c);
    assert!(b_served != c_served, "{b_said}\n---\n{c_said}");
    let (serving, said, refused) = if b_served {
        (&b, c_said, &mut c)
    } else {
        (&c, b_said, &mut b)
    };
    assert_eq!(refused.0.wait().unwrap().code(), Some(2), "{said}");
    assert!(
        said.contains(&format!("(pid {})", serving.0.id())),
        "{said}"
    );
    // The interrupted run is resumed once, by the one that serves: its
    // first step ran twice in all (killed, then again), its second once.
    let two = first.path("two.txt");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !two.exists() {
        assert!(Instant::now() < deadline, "run {id} was not resumed");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(lines(&count), ["one", "one"]);
    assert_eq!(lines(&two), ["two"]);
}
