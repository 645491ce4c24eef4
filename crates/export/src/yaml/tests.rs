use super::{ambiguous, to_string};
use serde_json::{json, Value as Json};

/// Strings a YAML 1.1 or 1.2 parser would read as something else, or that
/// a careless writer would break.
const HOSTILE: &[&str] = &[
    "2024-01-01",
    "2024-1-1",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10 -5",
    "yes",
    "Yes",
    "YES",
    "no",
    "No",
    "y",
    "Y",
    "n",
    "N",
    "on",
    "On",
    "ON",
    "off",
    "OFF",
    "true",
    "False",
    "TRUE",
    "null",
    "Null",
    "NULL",
    "~",
    "",
    "=",
    "<<",
    "0",
    "-0",
    "+1",
    "1.5",
    "-1.5e3",
    "1e3",
    "0755",
    "0o755",
    "0x1F",
    "0b101",
    "1_000",
    "1:30",
    "190:20:30",
    "1:30.5",
    ".5",
    "-.5",
    ".inf",
    "-.Inf",
    "+.INF",
    ".nan",
    ".NaN",
    "1.2.3",
    "3.20",
    "- item",
    "-",
    "---",
    "...",
    "--- x",
    "? x",
    "?",
    ":",
    ": x",
    "key: value",
    "a #b",
    "#c",
    "!tag",
    "&anchor",
    "*alias",
    "|",
    ">",
    "'q'",
    "\"d\"",
    "%TAG",
    "@at",
    "`tick",
    "{a: 1}",
    "[1, 2]",
    ",",
    "a,b",
    "ends with colon:",
    " leading",
    "trailing ",
    "tab\there",
    "a\tb",
    "bell\u{7}",
    "nul\0",
    "esc\u{1b}[31m",
    "cr\rlf",
    "nel\u{85}x",
    "ls\u{2028}x",
    "bom\u{feff}",
    "c1\u{9b}",
    "quote'inside",
    "back\\slash",
    "\"",
    "{{workflow.name}}",
    "${{ secrets.X }}",
    "é ü 漢字 🎉",
    "line\nbreak",
    "trailing\n",
    "two\n\n",
    "\n",
    "\nfirst empty",
    " indented\nsecond",
    "space before \nbreak",
    "ends in space\nx ",
    "tab\tline\nx",
    "a\n\n\nb",
];

/// Every hostile string, as a value, a key and a list item, reads back the
/// same through serde_norway (YAML 1.2).
#[test]
fn hostile_strings_read_back_the_same() {
    for s in HOSTILE {
        let doc = json!({ "value": s, "list": [s, [s]], "map": { *s: s }, "nested": [{ "k": s }] });
        let yaml = to_string(&doc, &[]);
        let back: Json =
            serde_norway::from_str(&yaml).unwrap_or_else(|e| panic!("{s:?}: {e}\n{yaml}"));
        assert_eq!(back, doc, "{s:?} in:\n{yaml}");
    }
}

#[test]
fn ambiguous_strings_are_quoted() {
    for s in [
        "2024-01-01",
        "yes",
        "on",
        "Off",
        "y",
        "~",
        "0755",
        "1:30",
        "1_000",
        ".inf",
        "0x1F",
        "1e3",
        "3.20",
        "",
    ] {
        assert!(ambiguous(s), "{s}");
        let yaml = to_string(&json!({ "value": s }), &[]);
        assert_eq!(yaml, format!("value: '{s}'\n"));
    }
    for s in [
        "eu-west",
        "alpine:3.20",
        "30s",
        "-c",
        "echo hi",
        "v1.2.3",
        "wf-value-1",
    ] {
        assert!(!ambiguous(s), "{s}");
        assert_eq!(
            to_string(&json!({ "value": s }), &[]),
            format!("value: {s}\n")
        );
    }
}

#[test]
fn layout_is_libyamls() {
    let doc = json!({
        "a": { "b": [1, "x", { "c": true, "d": null }], "e": {} },
        "f": [[{ "g": "h", "i": "j" }], []],
        "run": "echo 1\necho 2",
        "keep": "x\n\n",
        "lead": " x\ny\n",
        "on": { "push": {} },
    });
    let yaml = to_string(&doc, &["on"]);
    assert_eq!(
        yaml,
        "a:\n  b:\n  - 1\n  - x\n  - c: true\n    d: null\n  e: {}\n\
         f:\n- - g: h\n    i: j\n- []\n\
         keep: |+\n  x\n\n\
         lead: |2\n   x\n  y\n\
         on:\n  push: {}\n\
         run: |-\n  echo 1\n  echo 2\n"
    );
    let back: Json = serde_norway::from_str(&yaml).unwrap();
    assert_eq!(back, doc);
}

#[test]
fn special_characters_are_escaped_in_double_quotes() {
    assert_eq!(
        to_string(&json!("a\tb\u{7}\"\\\u{2028}\u{feff}\u{1F}\n"), &[]),
        "\"a\\tb\\a\\\"\\\\\\L\\uFEFF\\x1F\\n\"\n"
    );
}
