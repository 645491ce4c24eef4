//! Hover on `executor` and `resources`: the step fields themselves, the
//! executor names and the blocks' fields, snapshotted with insta
//! (`tests/frontend/snapshots/`), also while the text does not parse.

use wfc_language::ide::Doc;

const TRAIN: &str = r#"workflow train {
  defaults { executor slurm { account "ml" } }
  step prep: shell { run "make data"  executor local }
  step fit: shell {
    run "python train.py"
    executor slurm { partition "gpu" }
    resources {
      cpus 8
      memory 32GB
      gpus 1
      time 2h
    }
  }
}
"#;

/// The hover at the `n`th `needle` of `src`, `shift` bytes in: the
/// hovered span (`line:col text`) and the markdown.
fn hover_in(src: &str, needle: &str, n: usize, shift: usize) -> String {
    let at = src.match_indices(needle).nth(n).expect(needle).0 + shift;
    let d = Doc::analyze("test.wf", src);
    match d.hover(at) {
        Some(h) => {
            let line = src[..h.span.start].matches('\n').count() + 1;
            let col = h.span.start - src[..h.span.start].rfind('\n').map_or(0, |i| i + 1) + 1;
            format!(
                "{line}:{col} `{}`\n---\n{}",
                &src[h.span.clone()],
                h.markdown
            )
        }
        None => "(no hover)".into(),
    }
}

fn hover(needle: &str, n: usize, shift: usize) -> String {
    hover_in(TRAIN, needle, n, shift)
}

#[test]
fn hover_the_executor_and_resources_fields() {
    insta::assert_snapshot!("hover_executor_field", hover("executor slurm {", 1, 2));
    insta::assert_snapshot!("hover_resources_field", hover("resources", 0, 2));
}

#[test]
fn hover_the_executor_names() {
    insta::assert_snapshot!("hover_executor_slurm", hover("slurm", 1, 1));
    insta::assert_snapshot!("hover_executor_local", hover("local", 0, 1));
}

#[test]
fn hover_the_slurm_fields() {
    insta::assert_snapshot!("hover_slurm_partition", hover("partition", 0, 2));
    insta::assert_snapshot!("hover_slurm_account", hover("account", 0, 2));
}

#[test]
fn hover_the_resources() {
    insta::assert_snapshot!("hover_resource_cpus", hover("cpus", 0, 1));
    insta::assert_snapshot!("hover_resource_memory", hover("memory", 0, 1));
    insta::assert_snapshot!("hover_resource_gpus", hover("gpus", 0, 1));
    insta::assert_snapshot!("hover_resource_time", hover("time", 0, 1));
}

#[test]
fn hover_answers_in_broken_text_and_only_in_the_blocks() {
    // Unclosed braces: the lexer's frames still say which block it is.
    let broken = "workflow w {\n  step s: shell {\n    run \"x\"\n    resources {\n      cpus 4\n";
    assert!(hover_in(broken, "cpus", 0, 1).contains("--cpus-per-task"));
    // `time` and `account` outside the blocks are not these fields.
    let elsewhere = "workflow w {\n  param account: string = \"a\"\n  step s: shell { run \"echo ${account}\" }\n}\n";
    assert!(!hover_in(elsewhere, "account}", 0, 1).contains("sbatch"));
}
