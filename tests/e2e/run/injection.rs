//! The injection corpus: hostile values through `${…}` in `run` commands, in
//! every quoting context, reach the command as exactly their own text, and
//! nothing they contain runs.

use super::fixture;

const CORPUS: &[&str] = &[
    "$(touch pwned)",
    "`touch pwned`",
    "a'b",
    "a\"b",
    "'; touch pwned; '",
    "\"; touch pwned; \"",
    "x; touch pwned",
    "x && touch pwned",
    "x | touch pwned",
    "line1\ntouch pwned",
    "*",
    "/*",
    "-n",
    "--help",
    "$HOME",
    "${HOME}",
    "\\",
    "a\\'b",
    "back\\slash\\",
    "<(touch pwned)",
    "> pwned",
    "#comment",
    "~",
    "  spaced  out  ",
    "",
    "é ☃ 🚀",
    "$'\\x41'",
    "!!",
];

#[test]
fn hostile_values_stay_one_argument_in_every_context() {
    for v in CORPUS {
        let c = fixture("injection.wf");
        let r = c.run(&["--param", &format!("v={v}")]);
        assert_eq!(r.code, 0, "value {v:?}: {r}");
        let want = format!("<{v}>");
        assert_eq!(c.read("bare.out"), want, "bare word, value {v:?}");
        assert_eq!(c.read("dq.out"), want, "double quotes, value {v:?}");
        assert_eq!(c.read("sq.out"), want, "single quotes, value {v:?}");
        assert_eq!(
            c.read("mixed.out"),
            format!("<pre-{v}-post><x {v} y>"),
            "value {v:?}"
        );
        assert_eq!(c.read("chosen.out"), want, "a chosen command, value {v:?}");
        assert_eq!(c.read("late.out"), want, "chosen at run time, value {v:?}");
        assert_eq!(
            c.read("list.out"),
            format!("<{v}><b c>"),
            "a list's item, value {v:?}"
        );
        if !v.ends_with('\n') {
            assert_eq!(c.read("output.out"), want, "a step output, value {v:?}");
        }
        assert!(!c.path("pwned").exists(), "value {v:?} ran a command");
        assert_eq!(c.read("raw.out"), "spliced\n", "raw() splices shell text");
    }
}

/// A value that runs `touch PWNED` wherever bash evaluates it as
/// arithmetic or as a variable's name, quoted or not.
const SUBSCRIPT: &str = "x=a[$(touch PWNED)]";

/// bash evaluates these places although wfc quotes the value (`[[ -eq ]]`,
/// `declare -i`, `let`, `printf -v`, an `env` or shell variable in `$((…))`), and
/// any shell expands quotes inside `${…}` again: each is refused before
/// anything runs, under `shell "bash"` and the default `sh` alike.
#[test]
fn values_bash_would_evaluate_are_refused_before_anything_runs() {
    // The payload is live: bash runs it in the first of these places.
    let control = crate::case();
    std::process::Command::new("bash")
        .args(["-c", "[[ \"$1\" -eq 1 ]] || true", "_", "a[$(touch PWNED)]"])
        .current_dir(control.dir())
        .status()
        .unwrap();
    let bash_ran = control.path("PWNED").exists();
    let commands = [
        ("bash", r#"[[ \"${x}\" -eq 1 ]] || true"#, "E0168"),
        ("bash", r#"declare -i n=${x}"#, "E0168"),
        ("bash", r#"let n=${x} || true"#, "E0168"),
        ("bash", r#"printf -v ${x} %s 1"#, "E0168"),
        ("sh", r#"echo $(( N + 1 ))"#, "E0168"),
        ("bash", r#"n=${x}; echo $(( n + 1 ))"#, "E0168"),
        ("sh", r#"echo \"\${GREETING:-'${x}'}\""#, "E0166"),
        ("bash", r#"declare -i n; read n <<< ${x}"#, "E0168"),
        (
            "bash",
            r#"declare -i n; for n in ${x}; do :; done"#,
            "E0168",
        ),
        ("bash", r#"declare -i n; printf -v n %s ${x}"#, "E0168"),
        ("bash", r#"declare -i n; mapfile -t n <<< ${x}"#, "E0168"),
        ("bash", r#"declare -i n=(${x})"#, "E0168"),
        ("bash", r#"f(){ local -i n=$1; }; f ${x}"#, "E0168"),
        ("bash", r#"f(){ local -n r=$1; echo $r; }; f ${x}"#, "E0168"),
        ("bash", r#"n=${x}; declare -n r=n; echo $((r))"#, "E0168"),
        ("sh", r#"PS4=${x}; set -x; true"#, "E0168"),
    ];
    for (shell, run, code) in commands {
        let c = crate::workflow(&format!(
            "workflow t {{\n  param x: string\n  step a: shell {{\n    shell \"{shell}\"\n    \
             run \"{run}\"\n    env {{ N = x }}\n  }}\n}}\n"
        ));
        let r = c.run(&["--param", SUBSCRIPT]);
        assert_eq!(r.code, 3, "{run}: {r}");
        assert!(r.stderr.contains(code), "{run}: {r}");
        assert!(!c.path("PWNED").exists(), "{run}: the value ran");
    }
    // An exported PS4 reaches the bash a step starts, whatever its shell.
    let c = crate::workflow(
        "workflow t {\n  param x: string\n  step a: shell {\n    shell \"dash\"\n    \
         run \"bash -xc true\"\n    env { PS4 = x }\n  }\n}\n",
    );
    let r = c.run(&["--param", SUBSCRIPT]);
    assert_eq!(r.code, 3, "{r}");
    assert!(r.stderr.contains("E0168"), "{r}");
    assert!(!c.path("PWNED").exists(), "the value ran");
    assert!(
        bash_ran,
        "bash no longer evaluates `[[ … -eq … ]]` operands"
    );
}

/// An `int` is digits in bash's arithmetic: `int(…)` turns text into one,
/// and text that is no number fails the step before the command runs.
#[test]
fn int_values_reach_bash_arithmetic() {
    let c = crate::workflow(
        "workflow t {\n  param x: string\n  step a: shell {\n    shell \"bash\"\n    \
         run \"[[ ${int(x)} -eq 41 ]] && let m=N+1 && echo $(( m )) > out\"\n    \
         env { N = int(x) }\n  }\n}\n",
    );
    let r = c.run(&["--param", "x=41"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.read("out"), "42\n");
    let r = c.run(&["--param", SUBSCRIPT]);
    assert_ne!(r.code, 0, "{r}");
    assert!(!c.path("PWNED").exists(), "the value ran");
}
