//! Masking benchmark: what hiding secrets costs per byte of step output.
//!
//! `cargo bench --bench mask` masks a build log of 20,000 lines (1.6 MB,
//! with URLs, percent signs and JSON, and a secret on one line in 50) for
//! a run with 5 secrets, line by line as the terminal and the report do
//! (`Masker::mask`) and in 4 KiB chunks as a step's output arrives
//! (`StreamMasker`), and prints the median throughput of 7 rounds. Under
//! `cargo test` it masks 200 lines once.

use std::time::{Duration, Instant};
use wfc_run::mask::Masker;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (lines, rounds) = if full { (20_000, 7) } else { (200, 1) };
    let secrets = [
        "ghp_7Yf3kQ9zLm2Xw8Rt5Vb1Nc4Hd6Ju0Pa",
        "postgres://app:Sup3r s3cret!@db.internal:5432/prod",
        "xoxb-2841-8842-AbCdEfGhIjKl",
        "AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END KEY-----",
    ];
    let masker = Masker::new(secrets);
    let text = log(lines, secrets[0]);
    let mut line_times = Vec::new();
    let mut stream_times = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        let mut masked = 0;
        for line in text.lines() {
            masked += masker.mask(line).len();
        }
        line_times.push(start.elapsed());
        std::hint::black_box(masked);
        let start = Instant::now();
        let mut stream = masker.stream();
        let mut out = 0;
        for chunk in text.as_bytes().chunks(4096) {
            out += stream.push(chunk).len();
        }
        out += stream.finish().len();
        stream_times.push(start.elapsed());
        std::hint::black_box(out);
    }
    let mb = text.len() as f64 / 1e6;
    println!("{:<28} {:>10} {:>12}", "masking", "MB", "MB/s (median)");
    for (what, times) in [("line by line", line_times), ("4 KiB chunks", stream_times)] {
        println!(
            "{what:<28} {mb:>10.2} {:>12.1}",
            mb / median(times).as_secs_f64()
        );
    }
}

/// A build log of `n` lines, `secret` on one line in 50.
fn log(n: usize, secret: &str) -> String {
    let mut out = String::new();
    for i in 0..n {
        let line = match i % 10 {
            0 => format!("   Compiling crate-{i} v0.{i}.0 (/src/crates/crate-{i})"),
            1 => format!(
                "GET https://registry.example.com/api/v1/crates/crate-{i}/0.{i}.0/download 200 OK"
            ),
            2 => format!(
                "[{:>3}%] Building CXX object src/CMakeFiles/lib.dir/file_{i}.cpp.o",
                i % 100
            ),
            3 => format!("{{\"level\":\"info\",\"msg\":\"step {i} done\",\"elapsed_ms\":{i}}}"),
            4 if i % 50 == 4 => format!("export TOKEN={secret} # step {i}"),
            5 => format!("test tests::case_{i} ... ok"),
            6 => format!("warning: unused variable `x{i}` at crates/language/src/lib.rs:{i}:9"),
            7 => format!("curl -s 'https://api.example.com/q?name=a%20b&page={i}&size=100'"),
            _ => format!("Downloaded dependency-{i} v1.{i}.{i} ({i} KB) in {i}ms"),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
