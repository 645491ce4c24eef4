//! Habits from other languages in a file that also holds valid `"""`
//! scripts (issue 69): every slip is reported in one `wfc check` round, at
//! its own line, with a hint that names the `.wf` form — and nothing is
//! reported at a valid line, least of all inside a script whose text reads
//! like the slips (`for t in`, `if a and b:`, `needs:`).

use wfc_language::analysis::analyze;

/// A workflow with valid `"""` scripts around the slips; each slip's line
/// holds a text found once in the file, listed in [`SLIPS`].
const FILE: &str = r#"workflow probe {
  param targets: list<string> = ["a", "b"]
  param fast: bool = True
  param verbose: bool = false
  param label: str = "x"
  param note: string? = None

  step build: python {
    script """
      import os
      for t in ["a", "b"]:
          if t and os.environ and not False:
              print(t)
      needs: "this is Python's text, not a field"
    """
  }

  for t in targets {
    step ship: shell {
      run """
        for f in a b; do echo "$f and ${t}"; done
      """
      needs: build
    }
  }

  if fast and verbose {
    step note_it: shell { run "echo ${str(len(targets))}" }
  } else if fast or verbose {
    step other: shell { run "echo ${default(note, label)}" }
  }

  step last: shell {
    run """
      if [ -n "$X" ] && [ -n "$Y" ]; then echo done; fi
    """
    retry 2
  }
}
"#;

/// Each slip: a text on its line, the code reported there, and a word its
/// help must hold.
const SLIPS: &[(&str, &str, &str)] = &[
    ("= True", "E0140", "`true`"),
    ("label: str", "E0123", "`string`"),
    ("= None", "E0140", "there is no null"),
    ("for t in targets", "E0016", "`for each t in"),
    ("needs: build", "E0303", "`depends on build`"),
    ("fast and verbose", "E0015", "`&&`"),
    ("str(len", "E0146", "`string(x)`"),
    ("fast or verbose", "E0015", "`&&`, `||`"),
];

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

#[test]
fn every_slip_is_reported_once_at_its_line_and_nothing_else() {
    let mut expected: Vec<(usize, &str)> = SLIPS
        .iter()
        .map(|(needle, code, _)| {
            assert_eq!(FILE.matches(needle).count(), 1, "{needle} is not unique");
            (line_of(FILE, FILE.find(needle).unwrap()), *code)
        })
        .collect();
    expected.sort();
    let analysis = analyze("probe.wf", FILE);
    let errors: Vec<_> = analysis
        .diagnostics()
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    let got: Vec<(usize, &str)> = errors
        .iter()
        .map(|d| {
            (
                line_of(FILE, d.primary_span().unwrap().start as usize),
                d.code,
            )
        })
        .collect();
    assert_eq!(got, expected, "{errors:#?}");
    for (needle, code, hint) in SLIPS {
        let line = line_of(FILE, FILE.find(needle).unwrap());
        let d = errors
            .iter()
            .find(|d| line_of(FILE, d.primary_span().unwrap().start as usize) == line)
            .unwrap();
        let help = d.help.as_deref().unwrap_or_default();
        assert!(help.contains(hint), "{code} at {needle}: {help}");
        for misleading in ["param True", "param None", "`sort`", "needs \""] {
            assert!(!help.contains(misleading), "{code} at {needle}: {help}");
        }
    }
}

/// Laid out flat, a block's end is not in the indentation: it is found in
/// the tree that parses. A step read after the block is no error (it was
/// one, E0153, when the guessed end left the block in the checker's tree
/// as an `if`), and the block's own slip is still reported.
#[test]
fn a_flat_block_with_a_broken_header_is_left_out_whole() {
    let text = r#"workflow flat {
param xs: list<string> = ["a"]
for t in xs {
step a: shell { run "echo ${t} ${True}" }
}
step z: shell { run "echo ${a.stdout}" }
}
"#;
    let analysis = analyze("flat.wf", text);
    let got: Vec<(usize, &str)> = analysis
        .diagnostics()
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            (
                line_of(text, d.primary_span().unwrap().start as usize),
                d.code,
            )
        })
        .collect();
    assert_eq!(got, [(3, "E0016"), (4, "E0140")]);
}
