//! An `if`, a `for each` list, a `parallel` count, a `timeout` or a `retry`
//! that reads a secret is never folded into an export (#51): the exporting
//! machine's secret would pick the branch (or the iterations, or the matrix
//! items) and the file would tell which, or hold the value itself. Both
//! engines refuse it at the condition (E0728 Argo, E0740 GitHub Actions)
//! unless it is an `if` they decide at run time (`export_secret_if.rs`),
//! and the refusal is the same bytes whatever the secret's value; a secret
//! decision the plan never reached refuses nothing, and the export of that
//! still lints.

use crate::case;

/// A secret decides the branch through a `let`, a loop's list, a
/// `parallel` count, and a step's `timeout` and `retry`.
const DECIDED: &str = r#"workflow deploy {
  secret token: string = env("DEPLOY_TOKEN")
  secret regions: list<string> = split(env("DEPLOY_REGIONS"), ",")
  secret width: int = int(env("DEPLOY_WIDTH"))
  secret patience: duration = env("DEPLOY_PATIENCE") == "" ? 1h : 2h
  let is_prod = starts_with(token, "prod-")

  if is_prod {
    step ship_prod: shell { run "echo prod" }
  } else {
    step ship_other: shell { run "echo other" }
  }
  for each r in regions {
    step probe: shell { run "echo probe" }
  }
  for each n in [1, 2, 3] parallel width {
    step warm: shell { run "echo warm" }
  }
  step wait: shell {
    run "echo wait"
    timeout patience
    retry width
  }
}
"#;

/// The engines' commands, each with the code it refuses with.
const ENGINES: [(&[&str], &str); 2] = [
    (
        &["export", "argo", "w.wf", "--image", "alpine:3.20"],
        "E0728",
    ),
    (&["export", "github-actions", "w.wf"], "E0740"),
];

/// Secrets that take each branch, loop over different items and give
/// different counts.
const SECRETS: [[(&str, &str); 4]; 2] = [
    [
        ("DEPLOY_TOKEN", "prod-7f3a9c"),
        ("DEPLOY_REGIONS", "eu-9q2w,us-9q2w"),
        ("DEPLOY_WIDTH", "9137"),
        ("DEPLOY_PATIENCE", ""),
    ],
    [
        ("DEPLOY_TOKEN", "dev-4b8e1d"),
        ("DEPLOY_REGIONS", "ap-9q2w"),
        ("DEPLOY_WIDTH", "5281"),
        ("DEPLOY_PATIENCE", "lengthy-3k8z"),
    ],
];

#[test]
fn a_condition_on_a_secret_is_refused_whatever_its_value() {
    let c = case().workflow(DECIDED);
    for (args, code) in ENGINES {
        let mut reports = Vec::new();
        for secrets in SECRETS {
            let args: Vec<&str> = args.iter().copied().chain(["-o", "out.yaml"]).collect();
            let out = c.wfc(&args).envs(secrets).status(3).output();
            assert!(!c.path("out.yaml").exists(), "nothing is written");
            assert!(out.stdout.is_empty(), "{out}");
            // The refusal names each place and the secret it reads...
            let found = super::export_github::reported(&out.stderr, "w.wf");
            for line in [8, 13, 16, 21, 22] {
                assert!(
                    found.iter().any(|(c, l)| c == code && *l == line),
                    "{code} at line {line}: {found:?}\n{out}"
                );
            }
            for secret in ["`token`", "`regions`", "`width`", "`patience`"] {
                assert!(out.stderr.contains(secret), "{secret}\n{out}");
            }
            // ...never a value (nor which way it went: below).
            for (_, value) in secrets {
                for part in value.split(',').filter(|p| !p.is_empty()) {
                    assert!(!out.stderr.contains(part), "{part} leaked:\n{out}");
                }
            }
            reports.push(out.stderr);
        }
        assert_eq!(reports[0], reports[1], "the refusal depends on the secret");
    }
}

/// A secret `if` inside a branch left out by a plain param decides nothing;
/// a plain `if` beside a secret passed in `env` exports, and lints.
#[test]
fn a_secret_decision_the_plan_never_reached_refuses_nothing() {
    let c = case().workflow(
        r#"workflow deploy {
  param target: string = "staging"
  secret token: string = env("DEPLOY_TOKEN")

  if target == "prod" {
    if starts_with(token, "prod-") {
      step ship_prod: shell { run "echo prod" }
    }
  } else {
    step ship: shell {
      run "./ship.sh"
      env { TOKEN = token }
    }
  }
}
"#,
    );
    c.wfc([
        "export",
        "argo",
        "w.wf",
        "--image",
        "alpine:3.20",
        "-o",
        "w.yaml",
    ])
    .env("DEPLOY_TOKEN", "prod-7f3a9c")
    .success()
    .output();
    c.wfc(["export", "github-actions", "w.wf", "-o", "w.yml"])
        .env("DEPLOY_TOKEN", "prod-7f3a9c")
        .success()
        .output();
    for f in ["w.yaml", "w.yml"] {
        let text = c.read(f);
        assert!(!text.contains("prod-7f3a9c"), "{f}:\n{text}");
        assert!(
            text.contains("ship") && !text.contains("ship_prod"),
            "{f}:\n{text}"
        );
    }
    super::export_argo::validate(&c, &["w.yaml"]);
    super::export_github::lint(&[c.path("w.yml")]);
    // The same secret `if` where the plan reaches it is refused.
    c.wfc(["export", "github-actions", "w.wf", "-p", "target=prod"])
        .env("DEPLOY_TOKEN", "prod-7f3a9c")
        .status(3)
        .stderr_has("E0740")
        .output();
}
