//! The plan cache end to end, through the real `wfc` binary: a second run of
//! an unchanged workflow starts from the cached plan, and a change to
//! anything the compile read (the file, a param, the params file, an
//! environment variable read by `env(…)`, `--jobs`) compiles it again and
//! runs what changed; secrets are never written; a damaged entry is
//! compiled over; a cached run is recorded as fully as a compiled one.

#[path = "store/env.rs"]
mod env;

use env::Env;
use std::path::PathBuf;
use std::process::Output;

/// A workflow whose one step writes what the compile folded in.
const FOLDS: &str = r#"workflow folds {
  param dir: string
  param word: string = "plain"
  param home: string = env("WFC_CACHE_TEST_VAR")
  step write: shell {
    run "echo ${word}-${home}-aaa > ${dir}/out.txt"
  }
}
"#;

/// `wfc run flow.wf -p dir=… ARGS` with the phase marks on, and
/// `WFC_CACHE_TEST_VAR=var`, `WFC_CACHE_TEST_KEY=k3y-var`; the run must succeed.
fn run(env: &Env, args: &[&str], var: &str) -> Output {
    run_with(env, args, var, &format!("k3y-{var}"))
}

fn run_with(env: &Env, args: &[&str], var: &str, key: &str) -> Output {
    let dir = format!("dir={}", env.path().display());
    let mut all = vec!["run", "flow.wf", "--plain", "-p", &dir];
    all.extend_from_slice(args);
    let out = env
        .cmd(&all)
        .env("WFC_TIMINGS", "1")
        .env("WFC_CACHE_TEST_VAR", var)
        .env("WFC_CACHE_TEST_KEY", key)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{all:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn hit(out: &Output) -> bool {
    String::from_utf8_lossy(&out.stderr).contains("plan cache read")
}

fn written(env: &Env) -> String {
    std::fs::read_to_string(env.path().join("out.txt")).unwrap()
}

/// The entries of the plan cache (not its key).
fn entries(env: &Env) -> Vec<PathBuf> {
    match std::fs::read_dir(env.path().join(".wfc/plans")) {
        Ok(d) => d
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "plan"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn an_unchanged_workflow_runs_from_its_cached_plan() {
    let env = Env::new(FOLDS);
    assert!(!hit(&run(&env, &[], "x")), "the first run compiles");
    assert_eq!(entries(&env).len(), 1);
    assert!(hit(&run(&env, &[], "x")));
    assert_eq!(written(&env), "plain-x-aaa\n");
    // `--no-cache` compiles, and writes the entry anew.
    assert!(!hit(&run(&env, &["--no-cache"], "x")));
    assert!(hit(&run(&env, &[], "x")));
    let h = env.json(&["history", "folds", "--format", "json"]);
    assert_eq!(h.as_array().unwrap().len(), 4);
}

#[test]
fn a_change_to_what_the_compile_read_compiles_again() {
    let env = Env::new(FOLDS);
    run(&env, &[], "x");
    // The file, at the same length.
    let flow = env.path().join("flow.wf");
    std::fs::write(&flow, FOLDS.replace("aaa", "bbb")).unwrap();
    assert!(!hit(&run(&env, &[], "x")));
    assert_eq!(written(&env), "plain-x-bbb\n");
    assert!(hit(&run(&env, &[], "x")));
    // A param.
    assert!(!hit(&run(&env, &["-p", "word=fancy"], "x")));
    assert_eq!(written(&env), "fancy-x-bbb\n");
    // An environment variable that `env(…)` read at plan time.
    assert!(!hit(&run(&env, &["-p", "word=fancy"], "y")));
    assert_eq!(written(&env), "fancy-y-bbb\n");
    assert!(hit(&run(&env, &["-p", "word=fancy"], "y")));
    // The workers.
    assert!(!hit(&run(&env, &["-p", "word=fancy", "-j", "3"], "y")));
    // The params file's text.
    let params = env.path().join("params.json");
    let file = params.display().to_string();
    std::fs::write(&params, r#"{"word": "one"}"#).unwrap();
    assert!(!hit(&run(&env, &["--params-file", &file], "y")));
    assert!(hit(&run(&env, &["--params-file", &file], "y")));
    std::fs::write(&params, r#"{"word": "two"}"#).unwrap();
    assert!(!hit(&run(&env, &["--params-file", &file], "y")));
    assert_eq!(written(&env), "two-y-bbb\n");
    // One entry for the file: the latest compile.
    assert_eq!(entries(&env).len(), 1);
}

#[test]
fn secrets_are_bound_again_never_written() {
    let wf = FOLDS.replace(
        "  step write: shell {\n",
        "  secret token: string\n  secret key: string = env(\"WFC_CACHE_TEST_KEY\")\n  step write: shell {\n    env { TOKEN = token, KEY = key }\n",
    ).replace("> ${dir}/out.txt", "> ${dir}/out.txt; echo $TOKEN-$KEY >> ${dir}/out.txt; echo said $TOKEN");
    let env = Env::new(&wf);
    assert!(!hit(&run(&env, &["-p", "token=s3cr3t-1"], "one")));
    let out = run(&env, &["-p", "token=s3cr3t-1"], "one");
    assert!(hit(&out));
    // Masked as in any run.
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("said ***") && !shown.contains("s3cr3t"),
        "{shown}"
    );
    assert_eq!(written(&env), "plain-one-aaa\ns3cr3t-1-k3y-one\n");
    // Another secret on the command line, or in the environment: compiled
    // again (a plan may depend on a secret), then bound again from the
    // new entry.
    assert!(!hit(&run(&env, &["-p", "token=s3cr3t-2"], "one")));
    assert!(hit(&run(&env, &["-p", "token=s3cr3t-2"], "one")));
    assert_eq!(written(&env), "plain-one-aaa\ns3cr3t-2-k3y-one\n");
    let key = |k| run_with(&env, &["-p", "token=s3cr3t-2"], "one", k);
    assert!(!hit(&key("k3y-new")));
    assert!(hit(&key("k3y-new")));
    assert_eq!(written(&env), "plain-one-aaa\ns3cr3t-2-k3y-new\n");
    // A variable a non-secret param read: compiled again.
    assert!(!hit(&run(&env, &["-p", "token=s3cr3t-2"], "two")));
    assert_eq!(written(&env), "plain-two-aaa\ns3cr3t-2-k3y-two\n");
    let entry = std::fs::read(entries(&env).pop().unwrap()).unwrap();
    let text = String::from_utf8_lossy(&entry);
    assert!(!text.contains("s3cr3t") && !text.contains("k3y"), "{text}");
    // Nor any hash of them: the CRC-32 of `--param token=…` is not there
    // (the FNV-1a beside it in a digest is not either, the same way).
    let crc = crc32fast::hash(b"token=s3cr3t-2").to_le_bytes();
    assert!(!entry.windows(4).any(|w| w == crc));
}

#[test]
fn secrets_from_a_params_file_or_with_a_set_of_values_are_not_cached() {
    let wf = FOLDS.replace(
        "  step write: shell {\n",
        "  secret token: string\n  step write: shell {\n    env { TOKEN = token }\n",
    );
    let env = Env::new(&wf);
    let params = env.path().join("params.json");
    std::fs::write(&params, r#"{"token": "s3cr3t"}"#).unwrap();
    let file = params.display().to_string();
    run(&env, &["--params-file", &file], "x");
    assert!(!hit(&run(&env, &["--params-file", &file], "x")));
    assert!(entries(&env).is_empty());
    let env = Env::new(&wf.replace(
        "secret token: string",
        "secret token: string in [\"a\", \"b\"]",
    ));
    run(&env, &["-p", "token=a"], "x");
    assert!(!hit(&run(&env, &["-p", "token=a"], "x")));
    assert!(entries(&env).is_empty());
}

/// A plan decided on a secret's value (here a branch it prunes) is planned
/// again when the secret changes: the entry's key holds a keyed hash of
/// each secret, never its value nor a plain hash of it, and the hash's key
/// is readable by its owner only.
#[test]
fn a_plan_decided_on_a_secret_is_planned_again_when_the_secret_changes() {
    let wf = r#"workflow tiers {
  param dir: string
  secret tier: string = env("WFC_CACHE_TEST_KEY")
  if tier == "k3y-gold" {
    step gold: shell { run "echo gold > ${dir}/out.txt" }
  } else {
    step plain: shell { run "echo plain > ${dir}/out.txt" }
  }
}
"#;
    let env = Env::new(wf);
    assert!(!hit(&run_with(&env, &[], "x", "k3y-gold")));
    assert_eq!(written(&env), "gold\n");
    assert!(hit(&run_with(&env, &[], "x", "k3y-gold")));
    assert!(!hit(&run_with(&env, &[], "x", "k3y-lead")));
    assert_eq!(written(&env), "plain\n");
    assert!(hit(&run_with(&env, &[], "x", "k3y-lead")));
    assert_eq!(written(&env), "plain\n");
    let entry = std::fs::read(entries(&env).pop().unwrap()).unwrap();
    let secret = b"k3y-lead";
    assert!(!entry.windows(secret.len()).any(|w| w == secret));
    let crc = crc32fast::hash(secret).to_le_bytes();
    let fnv = secret
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
        })
        .to_le_bytes();
    assert!(!entry.windows(4).any(|w| w == crc));
    assert!(!entry.windows(8).any(|w| w == fnv));
    use std::os::unix::fs::PermissionsExt;
    let key = std::fs::metadata(env.path().join(".wfc/plans/key")).unwrap();
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
}

#[test]
fn a_damaged_entry_is_compiled_over() {
    let env = Env::new(FOLDS);
    run(&env, &[], "x");
    let entry = entries(&env).pop().unwrap();
    let bytes = std::fs::read(&entry).unwrap();
    // A flipped byte in the middle, then a torn (truncated) file.
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x55;
    for damaged in [flipped, bytes[..bytes.len() / 3].to_vec()] {
        std::fs::write(&entry, damaged).unwrap();
        assert!(!hit(&run(&env, &[], "x")));
        assert_eq!(written(&env), "plain-x-aaa\n");
        assert_eq!(std::fs::read(&entry).unwrap(), bytes, "written anew");
    }
    assert!(hit(&run(&env, &[], "x")));
}

#[test]
fn a_cached_run_records_its_plan_for_resume() {
    let wf = r#"workflow fix {
  param dir: string
  step a: shell { run "echo a >> ${dir}/count/a" }
  step b: shell { run "echo b >> ${dir}/count/b; test ! -f ${dir}/fail"  depends on a }
}
"#;
    let env = Env::new(wf);
    assert!(env
        .spawn_run(&[])
        .wait_with_output()
        .unwrap()
        .status
        .success());
    // The second run, from the cache, fails at `b`.
    env.touch("fail");
    let dir = format!("dir={}", env.path().display());
    let out = env
        .cmd(&["run", "flow.wf", "--plain", "-p", &dir])
        .env("WFC_TIMINGS", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(hit(&out));
    let id = env.run_id();
    // Its plan's fingerprints were recorded: a resume of the changed file
    // says what the change takes in (without them it would refuse).
    std::fs::remove_file(env.path().join("fail")).unwrap();
    std::fs::write(
        env.path().join("flow.wf"),
        wf.replace("echo b >>", "echo B >>"),
    )
    .unwrap();
    let text = env.resume_ok_with(&id, &[]);
    assert!(text.contains("step `b` changed"), "{text}");
    assert_eq!((env.count("a"), env.count("b")), (2, 3));
}
