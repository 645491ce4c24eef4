//! The quoting of values per context, and the contexts themselves.

use super::*;

fn ctx(text: &str) -> Context {
    let mut c = ShellCommand::new();
    c.text(text);
    c.context()
}

#[test]
fn contexts() {
    assert_eq!(ctx("echo "), Context::Bare);
    assert_eq!(ctx("echo \"a "), Context::DoubleQuoted);
    assert_eq!(ctx("echo 'a \" "), Context::SingleQuoted);
    assert_eq!(ctx("echo \"a 'b "), Context::DoubleQuoted);
    assert_eq!(ctx("echo \\' "), Context::Bare);
    assert_eq!(ctx("echo \"\\\" "), Context::DoubleQuoted);
    assert_eq!(ctx("echo \"$(echo "), Context::Bare);
    assert_eq!(ctx("echo \"$(echo 'x' \""), Context::DoubleQuoted);
    assert_eq!(ctx("echo \"$(echo (a) ) "), Context::DoubleQuoted);
    assert_eq!(ctx("echo $((1 + "), Context::Arithmetic);
    assert_eq!(ctx("(( 1 + "), Context::Arithmetic);
    assert_eq!(ctx("echo \"$(( (1 + 2) * "), Context::Arithmetic);
    assert_eq!(ctx("echo $(( \"x"), Context::Arithmetic);
    assert_eq!(ctx("echo $(( $(wc -l "), Context::Bare);
    assert_eq!(ctx("echo $(( $(wc -l) + 1 )) "), Context::Bare);
    assert_eq!(ctx("echo \"$(( (1) ))\" "), Context::Bare);
    assert_eq!(ctx("(( x )) && echo "), Context::Bare);
    assert_eq!(ctx("echo $((1)) $( (echo "), Context::Bare);
    assert_eq!(ctx("( (echo "), Context::Bare);
    assert_eq!(ctx("echo $( (a) ) "), Context::Bare);
    assert_eq!(ctx("echo `"), Context::Backquoted);
    assert_eq!(ctx("echo ${A:-"), Context::ParamExpansion);
    assert_eq!(ctx("echo ${A:-x} "), Context::Bare);
    assert_eq!(ctx("echo $'a"), Context::DollarSingleQuoted);
    assert_eq!(ctx("echo \\"), Context::AfterBackslash);
    assert_eq!(ctx("echo a # "), Context::Comment);
    assert_eq!(ctx("echo a#"), Context::Bare);
    assert_eq!(ctx("echo a # c\necho "), Context::Bare);
    assert_eq!(ctx("cat <<"), Context::HereDocument);
    assert_eq!(ctx("cat <<EOF "), Context::Bare);
    assert_eq!(ctx("cat <<EOF\n"), Context::HereDocument);
    assert_eq!(ctx("cat <<-'E F'\n\tE F\n"), Context::Bare);
    assert_eq!(ctx("cat <<A <<B\nA\n"), Context::HereDocument);
    assert_eq!(ctx("cat <<A <<B\nA\nB\necho "), Context::Bare);
    assert_eq!(ctx("cat <<< "), Context::Bare);
    assert_eq!(ctx("echo $$ "), Context::Bare);
    assert_eq!(ctx("echo $[ 1 + "), Context::Arithmetic);
    assert_eq!(ctx("echo $[ a[1] + \"x"), Context::Arithmetic);
    assert_eq!(ctx("echo $[ a[1] ] "), Context::Bare);
    assert_eq!(ctx("echo \"$[ 1 ]\" "), Context::Bare);
    // Quotes inside `${…}` are its word, expanded again.
    assert_eq!(ctx("echo \"${A:-'"), Context::ParamExpansion);
    assert_eq!(ctx("echo ${A:-\""), Context::ParamExpansion);
    assert_eq!(ctx("echo \"${a[\""), Context::ParamExpansion);
    assert_eq!(ctx("echo \"${A:-$(echo \""), Context::DoubleQuoted);
    assert_eq!(ctx("echo \"${A:-x}\" \""), Context::DoubleQuoted);
}

#[test]
fn escapes_per_context() {
    let r = |t: &[Segment]| render(t).unwrap();
    use Segment::{Raw, Text, Value};
    assert_eq!(r(&[Text("echo "), Value("it's")]), "echo 'it'\\''s'");
    assert_eq!(
        r(&[Text("echo \"a "), Value("$x"), Text("\"")]),
        "echo \"a \"'$x'\"\""
    );
    assert_eq!(
        r(&[Text("echo 'a "), Value("'"), Text("'")]),
        "echo 'a '\\'''"
    );
    assert_eq!(r(&[Text("echo "), Value("")]), "echo ''");
    assert_eq!(r(&[Text("echo $"), Value("5")]), "echo \\$5");
    assert_eq!(r(&[Text("echo $"), Value("5 6")]), "echo \\$'5 6'");
    assert_eq!(r(&[Text("true # "), Value("a\nb")]), "true # a b");
    assert_eq!(
        r(&[Text("echo "), Raw("$HOME"), Text(" "), Value("x")]),
        "echo $HOME x"
    );
    // Plain words go as they are; anything the shell could read more
    // into is quoted.
    assert_eq!(
        r(&[
            Text("deploy --region \""),
            Value("eu-west-1"),
            Text("\" v"),
            Value("1.2.3")
        ]),
        "deploy --region \"eu-west-1\" v1.2.3"
    );
    for v in [
        "~root", "a*", "{a,b}", "#x", "a b", "$HOME", "a;b", "[a]", "-n x",
    ] {
        assert_eq!(
            r(&[Text("echo "), Value(v)]),
            format!("echo {}", quote(v)),
            "{v}"
        );
    }
    assert_eq!(quote("a b"), "'a b'");
}

#[test]
fn refuses_unsafe_contexts() {
    use Segment::{Text, Value};
    for t in [
        "echo `x ",
        "echo ${A:-",
        "cat <<EOF\n",
        "echo $'",
        "echo \\",
        "cat <<",
        "echo $(( 1 + ",
        "(( ",
        "echo $[ ",
        "echo \"${v:-'",
        "echo \"${v:-\"",
        "a=(1); echo \"${a[\"",
    ] {
        let e = render(&[Text(t), Value("v")]).unwrap_err();
        assert_eq!(e.index, 1, "{t}");
        assert!(e.to_string().contains("env {"), "{e}");
    }
    let e = render(&[Text("echo "), Value("a\0b")]).unwrap_err();
    assert!(!e.list);
    assert!(e.nul && e.to_string().contains("NUL"));
}

#[test]
fn a_list_is_a_word_per_item_in_a_bare_word_only() {
    let words = |before: &str, items: &[&str], after: &str| {
        let mut c = ShellCommand::new();
        c.text(before);
        c.words(items).map(|c| {
            c.text(after);
            c.as_str().to_owned()
        })
    };
    assert_eq!(
        words("upload ", &["dist/a b.tgz", "it's", "c.tgz"], " --now").unwrap(),
        "upload 'dist/a b.tgz' 'it'\\''s' c.tgz --now"
    );
    assert_eq!(words("upload ", &[], "").unwrap(), "upload ");
    assert_eq!(words("upload ", &[""], "").unwrap(), "upload ''");
    assert_eq!(
        words("a=(", &["$(id)", "*"], ")").unwrap(),
        "a=('$(id)' '*')"
    );
    assert_eq!(
        words("echo $(ls ", &["a;b"], ")").unwrap(),
        "echo $(ls 'a;b')"
    );
    for (before, list) in [
        ("echo \"", true),
        ("echo '", true),
        ("true # ", true),
        ("echo `", false),
        ("cat <<EOF\n", false),
        ("echo $(( ", false),
    ] {
        let e = words(before, &["x"], "").unwrap_err();
        assert_eq!(e.list, list, "{before}");
        assert_eq!(e.index, 0);
    }
    assert!(words("echo ", &["a\0"], "").unwrap_err().nul);
}
