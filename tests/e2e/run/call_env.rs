//! A called workflow's own `env { }` reaches the same kinds of step as the
//! top workflow's (#51): its `python` and `node` steps too, not only its
//! `shell` and `docker` ones.

/// Each step writes the variables it sees to a file of its own.
const CALL: &str = r#"workflow main {
  env { TOP = "top" }
  step c: call lib {}
}
workflow lib {
  env { GREETING = "hi" }
  step sh: shell { run "echo \"$TOP $GREETING\" > sh.out" }
  step py: python {
    script "import os; open('py.out', 'w').write(os.environ.get('TOP', '-') + ' ' + os.environ.get('GREETING', 'unset'))"
  }
  step js: node {
    script "require('fs').writeFileSync('js.out', (process.env.TOP ?? '-') + ' ' + (process.env.GREETING ?? 'unset'))"
  }
  step pinned: python {
    script "import os; open('pinned.out', 'w').write(os.environ['GREETING'])"
    env { GREETING = "own" }
  }
}
"#;

#[test]
fn a_callees_env_reaches_its_python_and_node_steps() {
    let case = crate::workflow(CALL);
    let run = case.wfc(["run", "w.wf", "--plain"]).output();
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(case.read("sh.out"), "top hi\n");
    assert_eq!(case.read("py.out"), "top hi");
    assert_eq!(case.read("js.out"), "top hi");
    // The step's own `env` wins over its workflow's, as for a shell step.
    assert_eq!(case.read("pinned.out"), "own");
}
