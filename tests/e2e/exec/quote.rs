//! Injection tests for `wfc_run::quote`: hostile values are interpolated in
//! every supported quoting context, the command is executed with `sh -c`
//! (dash on Debian) and `bash -c`, and the program must receive exactly the
//! original bytes — and nothing else may run.

use proptest::prelude::*;
use std::path::Path;
use std::process::Command;
use wfc_run::quote::{render, Segment};

/// A template with `@` standing for the value, and what `printf` prints.
struct Case {
    template: &'static str,
    expected: fn(&str) -> String,
}

fn same(v: &str) -> String {
    v.to_owned()
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            template: "printf '[%s]' @",
            expected: |v| format!("[{v}]"),
        },
        Case {
            template: "printf '[%s]' pre@post",
            expected: |v| format!("[pre{v}post]"),
        },
        Case {
            template: "printf '[%s]' \"a @ b\"",
            expected: |v| format!("[a {v} b]"),
        },
        Case {
            template: "printf '[%s]' 'a @ b'",
            expected: |v| format!("[a {v} b]"),
        },
        Case {
            template: "printf '[%s]' \"$(printf '%s' \"@\")\"",
            expected: |v| format!("[{}]", v.trim_end_matches('\n')),
        },
        Case {
            template: "printf '[%s]' \"$(printf '%s' @)\"",
            expected: |v| format!("[{}]", v.trim_end_matches('\n')),
        },
        Case {
            template: "printf '[%s]' \"$(printf '%s' 'x' && printf '[%s]' @)\"",
            expected: |v| format!("[x[{v}]]"),
        },
        Case {
            template: "V=@; printf '[%s]' \"$V\"",
            expected: |v| format!("[{v}]"),
        },
        Case {
            template: "printf '[%s]' $@",
            expected: |v| format!("[${v}]"),
        },
        Case {
            template: "printf '[%s]' \"$@\"",
            expected: |v| format!("[${v}]"),
        },
        Case {
            template: "printf '%s' @ \"@\" '@'",
            expected: |v| format!("{v}{v}{v}"),
        },
        Case {
            template: "printf ok # a comment with @ in it\n",
            expected: |_| "ok".to_owned(),
        },
        Case {
            template: "cat <<EOF\nliteral\nEOF\nprintf '%s' @",
            expected: |v| format!("literal\n{v}"),
        },
        Case {
            template: "printf '%s' @",
            expected: same,
        },
    ]
}

fn render_case(template: &str, value: &str) -> String {
    let parts: Vec<&str> = template.split('@').collect();
    let mut segs = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            segs.push(Segment::Value(value));
        }
        segs.push(Segment::Text(p));
    }
    render(&segs).unwrap_or_else(|e| panic!("{template:?} with {value:?}: {e}"))
}

/// Runs `cmd` with `shell -c` in `dir`; returns stdout, asserting success.
fn run(shell: &str, cmd: &str, dir: &Path) -> String {
    let out = Command::new(shell)
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .env("HOME", dir)
        .env("WFC_CANARY", "canary-value")
        .output()
        .expect("the shell runs");
    assert!(
        out.status.success(),
        "{shell} -c {cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn check_value(value: &str, dir: &Path, shells: &[&str]) {
    for case in cases() {
        let cmd = render_case(case.template, value);
        for shell in shells {
            let got = run(shell, &cmd, dir);
            let want = (case.expected)(value);
            assert_eq!(
                got, want,
                "{shell}: template {:?} value {value:?} rendered as {cmd:?}",
                case.template
            );
            let pwned = dir.join("PWNED");
            assert!(!pwned.exists(), "{shell}: {cmd:?} ran an injected command");
        }
    }
}

const HOSTILE: &[&str] = &[
    "",
    " ",
    "plain",
    "a b",
    "  two  spaces  ",
    "$(touch PWNED)",
    "`touch PWNED`",
    "'",
    "\"",
    "''",
    "'\"'\"",
    "; touch PWNED",
    "&& touch PWNED",
    "|| touch PWNED",
    "| touch PWNED",
    "& touch PWNED",
    "a\nb",
    "\ntouch PWNED\n",
    "x\ntouch PWNED #",
    "*",
    "?",
    "[a]",
    "*.txt",
    "-n",
    "--help",
    "-e \\x41",
    "~",
    "~root",
    "~/x",
    "\\",
    "\\\\n",
    "\\'",
    "a\\",
    "$HOME",
    "${HOME}",
    "$WFC_CANARY",
    "$((1+1))",
    "$1",
    "$$",
    "!",
    "!!",
    "#",
    "# c",
    "a#b",
    "}",
    "{a,b}",
    "\t",
    "\r\n",
    "émoji 🦀",
    "日本語",
    "%s %d %%",
    "EOF",
    ")",
    "(",
    "\n)",
    "\"'$`\\",
    "'; touch PWNED; '",
    "\"; touch PWNED; \"",
    "'\"; touch PWNED; \"'",
    "$'\\x41'",
    "\u{1}\u{7f}",
    "a=b",
    "> PWNED",
    "< /etc/passwd",
    "<<EOF",
];

fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for f in ["a", "b", "x.txt", "y.txt"] {
        std::fs::write(dir.path().join(f), "").unwrap();
    }
    dir
}

#[test]
fn hostile_corpus_reaches_the_program_unchanged_in_every_context() {
    let dir = workdir();
    for v in HOSTILE {
        check_value(v, dir.path(), &["sh", "bash"]);
    }
}

#[test]
fn raw_splices_shell_text() {
    let dir = workdir();
    let cmd = render(&[
        Segment::Text("printf '%s|' "),
        Segment::Raw("$WFC_CANARY *.txt"),
        Segment::Text(" "),
        Segment::Value("*.txt"),
    ])
    .unwrap();
    assert_eq!(
        run("sh", &cmd, dir.path()),
        "canary-value|x.txt|y.txt|*.txt|"
    );
}

#[test]
fn unsafe_contexts_are_refused_not_guessed() {
    for t in [
        "echo `echo @`",
        "echo ${X:-@}",
        "cat <<EOF\n@\nEOF",
        "cat <<@",
        "echo $'@'",
        "echo \\@",
    ] {
        let parts: Vec<&str> = t.split('@').collect();
        let segs = [
            Segment::Text(parts[0]),
            Segment::Value("v"),
            Segment::Text(parts[1]),
        ];
        let err = render(&segs).expect_err(t);
        assert_eq!(err.index, 1, "{t}");
    }
}

fn hostile_string() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("'".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("$".to_owned()),
        Just("`".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just(";".to_owned()),
        Just("&".to_owned()),
        Just("|".to_owned()),
        Just("\n".to_owned()),
        Just(" ".to_owned()),
        Just("*".to_owned()),
        Just("#".to_owned()),
        Just("~".to_owned()),
        Just("-".to_owned()),
        Just("touch PWNED".to_owned()),
        "[a-z]{1,3}",
        "\\PC",
    ];
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_hostile_values_are_inert(value in hostile_string()) {
        let dir = workdir();
        check_value(&value, dir.path(), &["sh"]);
    }
}
