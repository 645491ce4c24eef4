//! Values systemd reads specially, in the units `wfc serve --print-unit`
//! and `wfc schedule install --systemd` write: a working folder ending in
//! `\` (a line ending in `\` goes on in the next one), holding `%`
//! (specifiers), `$` (variables), quotes and blanks. Each unit passes
//! `systemd-analyze verify`; `WorkingDirectory=` is read back by systemd
//! itself (its text as `ConditionPathIsDirectory=`, which systemd reads
//! the same way, evaluated by `systemd-analyze condition`); the words of
//! `ExecStart=` and `ReadWritePaths=` by systemd.syntax(7)'s rules, and
//! the command run.

use super::systemd_units::{verify, wfc};
use super::WFC;
use std::path::Path;
use std::process::Command;

/// A folder name with all of it, ending in `\`.
const HOSTILE: &str = "it's \"50%\" $HOME; a\\b \\";

/// What systemd reads from `value` as the path of a whole-value setting
/// (`WorkingDirectory=`), and whether that is a folder; `None` (skipped)
/// without systemd-analyze.
fn read_back_path(value: &str, tmp: &Path) -> Option<(String, bool)> {
    let units = tmp.join("probe");
    std::fs::create_dir_all(&units).unwrap();
    let unit = format!(
        "[Unit]\nConditionPathIsDirectory={value}\nDescription=the next line\n\n[Service]\nExecStart=/bin/true\n"
    );
    std::fs::write(units.join("wfc-probe.service"), unit).unwrap();
    let out = match Command::new("systemd-analyze")
        .args(["condition", "--unit=wfc-probe.service"])
        .env("SYSTEMD_UNIT_PATH", format!("{}:", units.display()))
        .current_dir(&units)
        .output()
    {
        Ok(out) => out,
        Err(_) => {
            wfc_testkit::skip("systemd-analyze (apt install systemd) is not installed");
            return None;
        }
    };
    let said = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    let line = said
        .lines()
        .find_map(|l| l.strip_prefix("wfc-probe.service: ConditionPathIsDirectory="))
        .unwrap_or_else(|| panic!("{said}"));
    let (path, ok) = match line.strip_suffix(" succeeded.") {
        Some(p) => (p, true),
        None => (line.strip_suffix(" failed.").unwrap(), false),
    };
    Some((path.to_owned(), ok))
}

/// The words systemd reads from a setting's value (systemd.syntax(7)):
/// split at blanks outside quotes, quotes removed, `\` escaping the next
/// character (a C escape where `c_escapes`, as in `ExecStart=`), then
/// `%%` read as `%`. A quote only opens a word, as wfc writes them.
fn systemd_words(value: &str, c_escapes: bool) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let e = chars.next().expect("a backslash at the end");
                let hex = |n: usize, chars: &mut std::iter::Peekable<std::str::Chars>| {
                    let digits: String = chars.by_ref().take(n).collect();
                    char::from_u32(u32::from_str_radix(&digits, 16).unwrap()).unwrap()
                };
                let c = match e {
                    'n' if c_escapes => '\n',
                    't' if c_escapes => '\t',
                    'r' if c_escapes => '\r',
                    'x' if c_escapes => hex(2, &mut chars),
                    'u' if c_escapes => hex(4, &mut chars),
                    '\\' | '"' | '\'' => e,
                    e if !c_escapes => e,
                    e => panic!("an escape systemd does not know: \\{e} in {value:?}"),
                };
                word.get_or_insert_with(String::new).push(c);
            }
            '"' | '\'' if quote.is_none() => {
                assert!(word.is_none(), "a quote inside a word: {value:?}");
                quote = Some(c);
                word = Some(String::new());
            }
            c if Some(c) == quote => {
                quote = None;
                assert!(
                    chars.peek().is_none_or(|n| n.is_whitespace()),
                    "a closing quote not followed by a blank: {value:?}"
                );
            }
            c if c.is_whitespace() && quote.is_none() => words.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(quote.is_none(), "an unclosed quote: {value:?}");
    words.extend(word);
    words.iter().map(|w| unprintf(w)).collect()
}

/// `%%` read as `%`; any other specifier is a failure.
fn unprintf(w: &str) -> String {
    let mut out = String::new();
    let mut chars = w.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            assert_eq!(chars.next(), Some('%'), "a specifier in {w:?}");
        }
        out.push(c);
    }
    out
}

/// `ExecStart=`'s program and arguments as systemd runs them: `$$` read
/// as `$` in the arguments, any other `$` a variable and a failure.
fn exec_words(value: &str) -> Vec<String> {
    let mut words = systemd_words(value, true);
    for w in &mut words[1..] {
        let mut out = String::new();
        let mut chars = w.chars();
        while let Some(c) = chars.next() {
            if c == '$' {
                assert_eq!(chars.next(), Some('$'), "a variable in {w:?}");
            }
            out.push(c);
        }
        *w = out;
    }
    words
}

fn setting<'a>(unit: &'a str, key: &str) -> &'a str {
    unit.lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key} in\n{unit}"))
}

/// No line goes on in the next one, and each line of the unit is one
/// setting, a comment, a section or blank.
fn lines_stand_alone(unit: &str) {
    for line in unit.lines() {
        assert!(!line.ends_with('\\'), "a line that goes on: {line:?}");
    }
}

#[test]
fn a_scheduled_service_reads_back_a_hostile_working_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(HOSTILE);
    std::fs::create_dir_all(&dir).unwrap();
    let flow = "workflow backup {\n  on schedule \"0 3 * * *\"\n  step save: shell { run \"echo saved >> saved.txt\" }\n}\n";
    std::fs::write(dir.join("backup.wf"), flow).unwrap();
    let units = tmp.path().join("units");
    let args = ["schedule", "install", "backup.wf", "--systemd", "--dir"];
    let out = wfc(&dir, &[&args[..], &[units.to_str().unwrap()]].concat(), &[]);
    assert!(out.status.success(), "{out:?}");
    let service_file = units.join("wfc-backup.service");
    let service = std::fs::read_to_string(&service_file).unwrap();
    let runtime = tmp.path().join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let Some(()) = verify(
        &[&service_file, &units.join("wfc-backup.timer")],
        false,
        &runtime,
    ) else {
        return;
    };
    let working = setting(&service, "WorkingDirectory=");
    let (read, is_dir) = read_back_path(working, tmp.path()).unwrap();
    assert_eq!(
        (read.as_str(), is_dir),
        (dir.to_str().unwrap(), true),
        "{working}"
    );
    lines_stand_alone(&service);
    let words = exec_words(setting(&service, "ExecStart="));
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let want = [
        WFC,
        "run",
        "--state-dir",
        &path(".wfc"),
        "--",
        &path("backup.wf"),
        "backup",
    ];
    assert_eq!(words, want);
    let run = Command::new(&words[0])
        .args(&words[1..])
        .current_dir(&read)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("saved.txt")).unwrap(),
        "saved\n"
    );
}

#[test]
fn the_server_s_unit_reads_back_a_hostile_working_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(HOSTILE);
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    let out = wfc(
        &dir,
        &["serve", "--print-unit", "--state-dir", "st", "flows"],
        &[],
    );
    assert!(out.status.success(), "{out:?}");
    let unit = String::from_utf8(out.stdout).unwrap();
    let file = tmp.path().join("wfc-serve.service");
    std::fs::write(&file, &unit).unwrap();
    let runtime = tmp.path().join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let Some(()) = verify(&[&file], false, &runtime) else {
        return;
    };
    let working = setting(&unit, "WorkingDirectory=");
    let (read, is_dir) = read_back_path(working, tmp.path()).unwrap();
    assert_eq!(
        (read.as_str(), is_dir),
        (dir.to_str().unwrap(), true),
        "{working}"
    );
    lines_stand_alone(&unit);
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let rw = systemd_words(setting(&unit, "ReadWritePaths="), false);
    assert_eq!(rw, [path("st"), dir.to_str().unwrap().to_owned()]);
    let words = exec_words(setting(&unit, "ExecStart="));
    assert_eq!(words[0], WFC);
    assert!(
        words.windows(2).any(|w| w == ["--state-dir", &path("st")]),
        "{words:?}"
    );
    assert_eq!(words[words.len() - 2..], ["--", &path("flows")]);
}

#[test]
fn what_a_unit_cannot_hold_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    // A line break ends a setting; nothing can write it in WorkingDirectory=.
    let dir = tmp.path().join("a\nb");
    std::fs::create_dir_all(dir.join("flows")).unwrap();
    let out = wfc(&dir, &["serve", "--print-unit", "flows"], &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("cannot be written in a systemd unit"),
        "{said}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn the_test_s_reader_reads_systemd_syntax() {
    let value = "\"/a b\" /c\\\\d '%%e'";
    assert_eq!(systemd_words(value, true), ["/a b", "/c\\d", "%e"]);
    assert_eq!(systemd_words("\"/x\\n\"", false), ["/xn"]);
    assert_eq!(exec_words("/bin/x \"$$y\\n\""), ["/bin/x", "$y\n"]);
}
