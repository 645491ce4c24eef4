//! Hostile values through `wfc run` into real `python` and `node` steps:
//! each arrives exactly, in code and inside every common string literal,
//! and none changes the script (a value that would run code if it were
//! spliced leaves no file behind).

use super::outputs;
use crate::workflow;
use serde_json::{json, Value};

const WORKFLOW: &str = r#"workflow w {
  param vs: list<string>
  param ints: list<int> = [-9223372036854775807 - 1, 9223372036854775807, -1, 0]
  for each v in vs {
    step py: python {
      script """
        import json, os
        code = ${v}
        dq = "${v}"
        sq = '${v}'
        fs = f"{1 + 1}:${v}"
        ints = ${ints}
        with open(os.environ["WF_RESULT"], "w") as f:
            json.dump({"code": code, "dq": dq, "sq": sq, "f": fs, "ints": [str(i) for i in ints]}, f)
      """
    }
    step js: node {
      script """
        const code = ${v};
        const dq = "${v}";
        const sq = '${v}';
        const tpl = `\${1 + 1}:${v}`;
        const ints = ${ints};
        require("fs").writeFileSync(process.env.WF_RESULT,
          JSON.stringify({ code, dq, sq, tpl, ints: ints.map(String) }));
      """
    }
  }
}
"#;

const HOSTILE: &[&str] = &[
    "it's",
    "say \"hi\"",
    "back\\slash \\n \\x41 \\u0041",
    "'''",
    "\"\"\"",
    "`backtick` ${x} \\${y} {z} {{w}} }",
    "line one\nline two\r\nthree",
    "tab\there # not a comment // nor this /* or this */",
    "ünïcödé ✓ 🚀 \u{2028}\u{2029} \u{FEFF}",
    "\"); open(\"pwned\", \"w\"); (\"",
    "'); require('fs').writeFileSync('pwned', ''); ('",
    "`); require(\"fs\").writeFileSync(\"pwned\", \"\"); (`",
    "\\",
    "",
];

#[test]
fn hostile_strings_and_extreme_ints_arrive_exactly_in_python_and_node() {
    let c = workflow(WORKFLOW);
    let r = c.run(&[
        "--param",
        &format!("vs={}", json!(HOSTILE)),
        "-o",
        "report.json",
    ]);
    assert_eq!(r.code, 0, "{r}");
    let ints = json!([i64::MIN.to_string(), i64::MAX.to_string(), "-1", "0"]);
    // Loop instances of values like these are named by index: `py[3]`.
    for (i, v) in HOSTILE.iter().enumerate() {
        let py = &outputs(&c, &format!("py[{i}]"))["result"];
        let want: Value = json!({
            "code": v, "dq": v, "sq": v, "f": format!("2:{v}"), "ints": ints,
        });
        assert_eq!(py, &want, "python, value {v:?}");
        let js = &outputs(&c, &format!("js[{i}]"))["result"];
        let want: Value = json!({
            "code": v, "dq": v, "sq": v, "tpl": format!("2:{v}"), "ints": ints,
        });
        assert_eq!(js, &want, "node, value {v:?}");
    }
    assert!(!c.path("pwned").exists(), "a value ran as code");
}

/// A Python script that declares UTF-7 (PEP 263) would read a value's
/// `+ACI-` as `"`: wfc refuses it at check (E0272), so nothing runs.
#[test]
fn a_python_encoding_that_values_cannot_follow_is_refused() {
    let payload = "+ACIAKw-open(+ACI-PWNED+ACI-,+ACI-w+ACI-).close().__str__()+ACsAIg-";
    // The payload is live: as wfc would write it, Python runs it.
    let control = crate::case();
    control.write(
        "s.py",
        &format!("# -*- coding: utf-7 -*-\nt = \"{payload}\"\nprint(t)\n"),
    );
    let py = std::process::Command::new("python3")
        .arg("s.py")
        .current_dir(control.dir())
        .status();
    if py.is_err() {
        return wfc_testkit::skip("no python3");
    }
    assert!(
        control.path("PWNED").exists(),
        "UTF-7 no longer decodes `+ACI-` as `\"`"
    );

    let script = "# -*- coding: utf-7 -*-\nt = \"${x}\"\nprint(t)\n";
    let c = workflow(&format!(
        "workflow w {{\n  param x: string\n  step a: python {{\n    script \"\"\"\n{script}\"\"\"\n  }}\n}}\n"
    ));
    let r = c.run(&["--param", &format!("x={payload}")]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("E0272"), "{r}");
    assert!(!c.path("PWNED").exists(), "the value ran");
    // Without the declaration the same value is a string.
    let c = workflow(
        "workflow w {\n  param x: string\n  step a: python {\n    script \"\"\"\nt = \"${x}\"\nopen(\"out\", \"w\").write(t)\n\"\"\"\n  }\n}\n"
    );
    let r = c.run(&["--param", &format!("x={payload}")]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.read("out"), payload);
    assert!(!c.path("PWNED").exists(), "the value ran");
}
