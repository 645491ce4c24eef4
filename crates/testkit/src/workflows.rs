//! Generated workflows of any size, shared by the benchmarks and the scale
//! tests, and [`time_runs`] for the benchmarks.

use std::fmt::Write;
use std::time::{Duration, Instant};

/// A workflow of about `steps` steps (≈5 lines each) that checks clean and
/// mixes what real workflows hold: chains, fan-outs with joins, `for each`
/// loops, `if` blocks on params and on step outputs, and parallel blocks.
pub fn large_workflow(steps: usize) -> String {
    let mut out = String::with_capacity(steps * 120);
    out.push_str("workflow generated {\n  description \"generated for benchmarks\"\n");
    out.push_str("  param env: string in [\"dev\", \"prod\"] = \"dev\"\n");
    out.push_str("  param regions: list<string> = [\"eu\", \"us\", \"ap\"]\n");
    out.push_str("  param fast: bool = true\n\n");
    let mut made = 0;
    let mut group = 0;
    while made < steps {
        let g = group;
        group += 1;
        match g % 5 {
            // A chain of 10 steps.
            0 => {
                for i in 0..10 {
                    let _ = writeln!(out, "  step c{g}_{i}: shell {{");
                    let _ = writeln!(out, "    run \"echo chain {g} ${{env}} {i}\"");
                    let _ = writeln!(out, "    estimate 2s");
                    if i > 0 {
                        let _ = writeln!(out, "    depends on c{g}_{}", i - 1);
                    }
                    out.push_str("  }\n");
                }
                made += 10;
            }
            // A fan-out of 8 with a join that reads one output.
            1 => {
                for i in 0..8 {
                    let _ = writeln!(out, "  step f{g}_{i}: shell {{");
                    let _ = writeln!(out, "    run \"echo fan {i}\"");
                    let _ = writeln!(out, "    outputs {{ n: int }}");
                    out.push_str("  }\n");
                }
                let _ = writeln!(out, "  step f{g}_join: shell {{");
                let _ = writeln!(out, "    run \"echo ${{f{g}_0.outputs.n}}\"");
                let deps: Vec<String> = (1..8).map(|i| format!("f{g}_{i}")).collect();
                let _ = writeln!(out, "    depends on {}", deps.join(", "));
                out.push_str("  }\n");
                made += 9;
            }
            // A loop over a param list.
            2 => {
                out.push_str("  for each region in regions parallel 2 {\n");
                let _ = writeln!(out, "    step l{g}: shell {{");
                let _ = writeln!(out, "      run \"deploy --region ${{region}}\"");
                out.push_str("      retry 2 backoff 1s exponential max 10s\n    }\n  }\n");
                made += 1;
            }
            // A plan-time condition and a run-time condition.
            3 => {
                let _ = writeln!(out, "  step i{g}_probe: shell {{");
                let _ = writeln!(
                    out,
                    "    run \"echo probe\"\n    outputs {{ ok: bool }}\n  }}"
                );
                let _ = writeln!(out, "  if env == \"prod\" && fast {{");
                let _ = writeln!(
                    out,
                    "    step i{g}_prod: shell {{ run \"echo prod\" }}\n  }} else {{"
                );
                let _ = writeln!(out, "    step i{g}_dev: shell {{ run \"echo dev\" }}\n  }}");
                let _ = writeln!(out, "  if i{g}_probe.outputs.ok {{");
                let _ = writeln!(out, "    step i{g}_ok: shell {{ run \"echo ok\" }}\n  }}");
                made += 4;
            }
            // A parallel block, waited on by a follower.
            _ => {
                let _ = writeln!(out, "  parallel p{g} wait all {{");
                for i in 0..4 {
                    let _ = writeln!(out, "    step p{g}_{i}: http {{");
                    let _ = writeln!(out, "      get \"http://localhost:8080/{i}\"");
                    out.push_str("      expect [200, 204]\n    }\n");
                }
                out.push_str("  }\n");
                let _ = writeln!(out, "  step p{g}_after: shell {{");
                let _ = writeln!(out, "    run \"echo after\"\n    depends on p{g}\n  }}");
                made += 5;
            }
        }
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

/// `levels` nested sequential loops over two items each around two steps
/// (`s` reads a step before the loops, `t` reads `s`), and a step after them
/// reading every `t`: 2^levels iterations, the shape that made plan
/// compilation quadratic.
pub fn nested_loops(levels: usize) -> String {
    let mut out = String::from("workflow nested {\n  step pre: shell { run \"true\" }\n");
    for i in 0..levels {
        let _ = writeln!(
            out,
            "{:w$}for each x{i} in [\"a\", \"b\"] {{",
            "",
            w = 2 * (i + 1)
        );
    }
    let w = 2 * (levels + 1);
    let _ = writeln!(
        out,
        "{:w$}step s: shell {{ run \"echo ${{pre.stdout}}\" }}",
        ""
    );
    let _ = writeln!(
        out,
        "{:w$}step t: shell {{ run \"echo ${{s.stdout}}\" }}",
        ""
    );
    for i in (0..levels).rev() {
        let _ = writeln!(out, "{:w$}}}", "", w = 2 * (i + 1));
    }
    out.push_str("  step post: shell { run \"echo ${len(t.stdout)}\" }\n}\n");
    out
}

/// Runs `f` `runs` times (at least once) and returns the median and the
/// fastest wall time, for the benchmarks.
pub fn time_runs<F: FnMut()>(runs: usize, mut f: F) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[0])
}

/// The shapes `scripts/bench-run` times: `steps` trivial shell steps
/// (`: > out/NAME`) as a chain, a fan-out with a join, or layers of 20 that
/// each depend on the whole previous layer.
pub fn shell_dag(shape: &str, steps: usize) -> String {
    const LAYER: usize = 20;
    let mut out = String::with_capacity(steps * 80);
    out.push_str("workflow bench {\n");
    let mut step = |name: &str, deps: &[String]| {
        let _ = writeln!(out, "  step {name}: shell {{\n    run \": > out/{name}\"");
        if !deps.is_empty() {
            let _ = writeln!(out, "    depends on {}", deps.join(", "));
        }
        out.push_str("  }\n");
    };
    match shape {
        "chain" => {
            for i in 0..steps {
                let deps: Vec<String> =
                    (i > 0).then(|| format!("s{}", i - 1)).into_iter().collect();
                step(&format!("s{i}"), &deps);
            }
        }
        "fanout" => {
            step("root", &[]);
            let n = steps.saturating_sub(2);
            for i in 0..n {
                step(&format!("s{i}"), &["root".to_owned()]);
            }
            step("join", &(0..n).map(|i| format!("s{i}")).collect::<Vec<_>>());
        }
        "layers" => {
            for i in 0..steps {
                let (layer, pos) = (i / LAYER, i % LAYER);
                let deps: Vec<String> = if layer == 0 {
                    Vec::new()
                } else {
                    (0..LAYER).map(|j| format!("l{}_{j}", layer - 1)).collect()
                };
                step(&format!("l{layer}_{pos}"), &deps);
            }
        }
        other => panic!("unknown shape `{other}` (chain, fanout, layers)"),
    }
    out.push_str("}\n");
    out
}

/// Workflows `w0` … `w{depth-1}` of one file, each calling the next `fan`
/// times (steps `c0`, `c1`, …); the last runs one shell step: the shapes of
/// the bounds on call nesting (E0236) and inlined steps (E0237).
pub fn nested_calls(depth: usize, fan: usize) -> String {
    let mut text = String::new();
    for i in 0..depth {
        text.push_str(&format!("workflow w{i} {{\n"));
        if i + 1 < depth {
            for c in 0..fan {
                text.push_str(&format!("  step c{c}: call w{} {{ }}\n", i + 1));
            }
        } else {
            text.push_str("  step s: shell { run \"true\"  estimate 1s }\n");
        }
        text.push_str("}\n\n");
    }
    text
}
