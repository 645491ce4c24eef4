//! Hostile values through `wfc_plan::script::render` and the REAL `python3`
//! and `node`: each value, in code and inside every kind of string literal,
//! must arrive as exactly itself, and the script must do nothing else.
//!
//! Each script prints a canonical text of what it received (floats by their
//! bits, strings by their code points, map entries sorted), and `END`; the
//! test computes the same text from the value and compares.

use std::path::Path;
use std::process::Command;
use wfc_plan::script::{render, Piece, RenderedScript, ScriptLang};
use wfc_plan::Value;

const PY_CANON: &str = r#"import struct
def canon(v):
    if v is None: return "null"
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, int): return "i:%d" % v
    if isinstance(v, float): return "nan" if v != v else "f:" + struct.pack(">d", v).hex()
    if isinstance(v, str): return "s:" + ",".join(str(ord(c)) for c in v)
    if isinstance(v, list): return "[" + ",".join(canon(x) for x in v) + "]"
    if isinstance(v, dict): return "{" + ",".join(sorted(canon(k) + "=" + canon(x) for k, x in v.items())) + "}"
    return "?" + type(v).__name__
"#;

const JS_CANON: &str = r#"function canon(v) {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return "i:" + v.toString();
  if (typeof v === "number") {
    if (v !== v) return "nan";
    const b = Buffer.alloc(8); b.writeDoubleBE(v); return "f:" + b.toString("hex");
  }
  if (typeof v === "string") return "s:" + Array.from(v).map(c => c.codePointAt(0)).join(",");
  if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]";
  if (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype)
    return "{" + Object.keys(v).map(k => canon(k) + "=" + canon(v[k])).sort().join(",") + "}";
  return "?" + typeof v;
}
"#;

fn s(x: &str) -> Value {
    Value::Str(x.into())
}

/// Values meant to break out of whatever they land in.
fn corpus() -> Vec<Value> {
    let strings = [
        "",
        "'",
        "\"",
        "'''",
        "\"\"\"",
        "`",
        "\\",
        "a\\",
        "\\'",
        "\\\"",
        "\n",
        "\r\n",
        "\t",
        "${x}",
        "\\${x}",
        "${",
        "#{x}",
        "{x}",
        "{{",
        "}}",
        "{",
        "}",
        "*/",
        "//",
        "# c",
        "/x/",
        "\0",
        "a\0b",
        "\x01\x1b\x7f",
        "\u{85}",
        "\u{2028}\u{2029}",
        "\u{feff}",
        "é",
        "😀",
        "'); import os; os._exit(3) #",
        "\"; process.exit(3); //",
        "`; process.exit(3); `",
        "\"\"\"; import os; os._exit(3); \"\"\"",
        "</script>",
        "<!--",
        "-->",
        "__proto__",
    ];
    let mut v: Vec<Value> = strings.iter().map(|x| s(x)).collect();
    v.extend(
        [
            0,
            1,
            -1,
            i64::MAX,
            i64::MIN,
            (1 << 53) - 1,
            1 << 53,
            -(1 << 53) + 1,
            -(1 << 53),
        ]
        .map(Value::Int),
    );
    v.extend(
        [
            0.1,
            0.0,
            -0.0,
            -2.5,
            1.0,
            1e300,
            -1e-300,
            5e-324,
            f64::MAX,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ]
        .map(Value::Float),
    );
    v.extend([Value::Bool(true), Value::Bool(false), Value::Null]);
    v.extend([Value::Duration(1500), Value::Duration(0)]);
    // A time arrives as its RFC 3339 text.
    v.extend([Value::Time(1_777_627_800_250), Value::Time(0)]);
    v.push(Value::List(vec![]));
    v.push(Value::Map(vec![]));
    v.push(Value::List(vec![
        s("'\""),
        Value::Int(-3),
        Value::List(vec![Value::Null]),
    ]));
    v.push(Value::Map(vec![
        (
            "__proto__".into(),
            Value::Map(vec![("polluted".into(), Value::Bool(true))]),
        ),
        ("constructor".into(), s("x")),
        ("".into(), Value::Int(1)),
        ("1".into(), Value::Float(-0.0)),
        ("\"}); process.exit(3); ({\"".into(), s("k")),
        (
            "nested".into(),
            Value::Map(vec![("a\nb".into(), Value::List(vec![s("${")]))]),
        ),
    ]));
    v
}

/// What `canon` prints for `v` received in `lang`.
fn canon(lang: ScriptLang, v: &Value) -> String {
    let float = |f: f64| {
        if f.is_nan() {
            "nan".to_string()
        } else {
            format!("f:{:016x}", f.to_bits())
        }
    };
    let js = lang == ScriptLang::Node;
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) if js && i.unsigned_abs() < (1 << 53) => float(*i as f64),
        Value::Int(i) => format!("i:{i}"),
        Value::Float(f) => float(*f),
        Value::Duration(ms) => float(*ms as f64 / 1000.0),
        Value::Str(x) => text(x),
        Value::Time(_) => text(&v.to_text()),
        Value::List(xs) => {
            let items: Vec<String> = xs.iter().map(|x| canon(lang, x)).collect();
            format!("[{}]", items.join(","))
        }
        Value::Map(m) => {
            let mut items: Vec<String> = m
                .iter()
                .map(|(k, x)| format!("{}={}", text(k), canon(lang, x)))
                .collect();
            items.sort();
            format!("{{{}}}", items.join(","))
        }
    }
}

fn text(x: &str) -> String {
    let points: Vec<String> = x.chars().map(|c| (c as u32).to_string()).collect();
    format!("s:{}", points.join(","))
}

/// Runs `script` with the real interpreter; None when it is not installed.
fn run(lang: ScriptLang, script: &RenderedScript, dir: &Path) -> Option<std::process::Output> {
    let (program, flags, file) = match lang {
        // `-W error`: an invalid escape's warning fails the script.
        ScriptLang::Python => ("python3", &["-W", "error"][..], "script.py"),
        ScriptLang::Node => ("node", &[][..], "script.js"),
    };
    let path = dir.join(file);
    std::fs::write(&path, &script.source).unwrap();
    match Command::new(program)
        .args(flags)
        .arg(&path)
        .envs(script.env.iter().cloned())
        .output()
    {
        Ok(out) => Some(out),
        Err(e) => {
            wfc_testkit::skip(&format!("{program} cannot start: {e}"));
            None
        }
    }
}

/// Renders one line per value (`head VALUE tail`), runs it, and compares.
fn check(
    lang: ScriptLang,
    head: &str,
    tail: &str,
    values: &[Value],
    expect: impl Fn(&Value) -> String,
) {
    let (prelude, print) = match lang {
        ScriptLang::Python => (PY_CANON, "print(canon("),
        ScriptLang::Node => (JS_CANON, "console.log(canon("),
    };
    let (end, done) = match lang {
        ScriptLang::Python => ("))\n", "print(\"END\")\n"),
        ScriptLang::Node => ("));\n", "console.log(\"END\");\n"),
    };
    let mut pieces = vec![Piece::Text(prelude)];
    let line_head = format!("{print}{head}");
    let line_tail = format!("{tail}{end}");
    for v in values {
        pieces.push(Piece::Text(&line_head));
        pieces.push(Piece::Value {
            value: v,
            secret: false,
        });
        pieces.push(Piece::Text(&line_tail));
    }
    pieces.push(Piece::Text(done));
    let script = render(lang, &pieces).unwrap_or_else(|e| panic!("{head}…{tail}: {e}"));
    let dir = tempfile::tempdir().unwrap();
    let Some(out) = run(lang, &script, dir.path()) else {
        return;
    };
    let mut want: String = values.iter().map(|v| expect(v) + "\n").collect();
    want.push_str("END\n");
    let got = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && got == want && stderr.is_empty(),
        "{lang:?} `{head}…{tail}`: {}\nstderr: {stderr}\nsource:\n{}\n{}",
        out.status,
        script.source,
        diff(&want, &got)
    );
}

fn diff(want: &str, got: &str) -> String {
    let mut out = String::new();
    for (k, (w, g)) in want.lines().zip(got.lines()).enumerate() {
        if w != g {
            out.push_str(&format!("line {k}: want {w}\n         got  {g}\n"));
        }
    }
    out + &format!(
        "({} lines wanted, {} got)",
        want.lines().count(),
        got.lines().count()
    )
}

#[test]
fn python_code_values_round_trip() {
    let py = ScriptLang::Python;
    check(py, "", "", &corpus(), |v| canon(py, v));
    // A negative number after `-` stays one operand: `0-(-1)`, not `0--1`.
    let numbers: Vec<Value> = corpus()
        .into_iter()
        .filter(|v| matches!(v, Value::Int(_) | Value::Float(_)))
        .collect();
    check(py, "0-", "", &numbers, |v| match v {
        Value::Int(i) => format!("i:{}", -(*i as i128)),
        Value::Float(f) => canon(py, &Value::Float(0.0 - f)),
        _ => unreachable!(),
    });
}

#[test]
fn node_code_values_round_trip() {
    let js = ScriptLang::Node;
    check(js, "", "", &corpus(), |v| canon(js, v));
    let numbers: Vec<Value> = corpus()
        .into_iter()
        .filter(|v| match v {
            Value::Int(i) => i.unsigned_abs() < (1 << 53),
            Value::Float(_) => true,
            _ => false,
        })
        .collect();
    check(js, "0-", "", &numbers, |v| match v {
        Value::Int(i) => canon(js, &Value::Float(0.0 - *i as f64)),
        Value::Float(f) => canon(js, &Value::Float(0.0 - f)),
        _ => unreachable!(),
    });
}

#[test]
fn python_string_values_round_trip() {
    for (head, tail, before, after) in [
        ("'", "'", "", ""),
        ("\"", "\"", "", ""),
        ("'''", "'''", "", ""),
        ("\"\"\"", "\"\"\"", "", ""),
        ("u'", "'", "", ""),
        ("f'", "'", "", ""),
        ("F\"\"\"", "\"\"\"", "", ""),
        ("f'{1+1}<", ">{3}'", "2<", ">3"),
        ("f\"{'x'!r}", "{3:>2}\"", "'x'", " 3"),
    ] {
        check(ScriptLang::Python, head, tail, &corpus(), |v| {
            text(&format!("{before}{}{after}", v.to_text()))
        });
    }
}

#[test]
fn node_string_values_round_trip() {
    for (head, tail, before, after) in [
        ("'", "'", "", ""),
        ("\"", "\"", "", ""),
        ("`", "`", "", ""),
        ("`${1+1}<", ">${`${3}`}`", "2<", ">3"),
        ("`$", "$`", "$", "$"),
    ] {
        check(ScriptLang::Node, head, tail, &corpus(), |v| {
            text(&format!("{before}{}{after}", v.to_text()))
        });
    }
}

#[test]
fn secrets_are_read_from_the_environment_in_code() {
    let secret = s("hunter2'\"\n${x}\0é");
    for lang in [ScriptLang::Python, ScriptLang::Node] {
        let (head, tail) = match lang {
            ScriptLang::Python => (format!("{PY_CANON}print(canon(\"Bearer \" + "), "))\n"),
            ScriptLang::Node => (
                format!("{JS_CANON}console.log(canon(\"Bearer \" + "),
                "));\n",
            ),
        };
        let pieces = [
            Piece::Text(&head),
            Piece::Value {
                value: &secret,
                secret: true,
            },
            Piece::Text(tail),
        ];
        let script = render(lang, &pieces).unwrap();
        assert!(!script.source.contains("hunter2"), "{}", script.source);
        assert_eq!(script.env.len(), 1);
        let dir = tempfile::tempdir().unwrap();
        let Some(out) = run(lang, &script, dir.path()) else {
            return;
        };
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{}\n", text("Bearer hunter2'\"\n${x}\0é")),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn refused_places_are_errors() {
    let v = s("x");
    let value = Piece::Value {
        value: &v,
        secret: false,
    };
    let secret = Piece::Value {
        value: &v,
        secret: true,
    };
    for (lang, text, piece, want) in [
        (ScriptLang::Python, "x = 1 # ", value, "a comment"),
        (ScriptLang::Python, "x = r'", value, "raw string"),
        (ScriptLang::Python, "x = b'", value, "bytes"),
        (ScriptLang::Python, "x = f'{", value, "replacement field"),
        (
            ScriptLang::Python,
            "x = '",
            secret,
            "secrets are passed through the environment",
        ),
        (ScriptLang::Node, "x = /a", value, "regular expression"),
        (
            ScriptLang::Node,
            "x = String.raw`",
            value,
            "tagged template",
        ),
        (ScriptLang::Node, "x = `", secret, "\"Bearer \" + ${token}"),
        (ScriptLang::Node, "x = 1 // ", secret, "a comment"),
    ] {
        let e = render(lang, &[Piece::Text(text), piece]).unwrap_err();
        assert!(e.contains(want), "{text}: {e}");
        assert!(e.starts_with("value 1 of the"), "{e}");
    }
}
