use super::*;

fn ctxs(lang: Lang, template: &str) -> Vec<Context> {
    // `@` marks a value.
    let parts: Vec<&str> = template.split('@').collect();
    let mut segs = Vec::new();
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            segs.push(Segment::Value);
        }
        segs.push(Segment::Text(p));
    }
    value_contexts(lang, &segs)
}

fn one(lang: Lang, template: &str) -> Context {
    let c = ctxs(lang, template);
    assert_eq!(c.len(), 1, "{template}");
    c[0]
}

fn s(lang: Lang, quote: char, triple: bool, format: bool) -> Context {
    Context::Str(StrKind {
        lang,
        quote,
        triple,
        format,
    })
}

const R: fn(Refusal) -> Context = Context::Refused;

#[test]
fn python_contexts() {
    use Lang::Python as P;
    assert_eq!(one(P, "range(@)"), Context::Code);
    assert_eq!(one(P, "x = '@'"), s(P, '\'', false, false));
    assert_eq!(one(P, "x = \"a '@\""), s(P, '"', false, false));
    assert_eq!(one(P, "x = '''a\n'' \"@'''"), s(P, '\'', true, false));
    assert_eq!(one(P, "x = \"\"\"@\"\"\""), s(P, '"', true, false));
    assert_eq!(one(P, "x = \"\"@"), Context::Code);
    assert_eq!(one(P, "x = u'@'"), s(P, '\'', false, false));
    assert_eq!(one(P, "x = f'a {{@'"), s(P, '\'', false, true));
    assert_eq!(one(P, "x = f'{a} @'"), s(P, '\'', false, true));
    assert_eq!(one(P, "x = f'{a[\"}\"]} @'"), s(P, '\'', false, true));
    assert_eq!(one(P, "x = F\"{a:>{w}} @\""), s(P, '"', false, true));
    assert_eq!(one(P, "x = f'{@}'"), R(Refusal::FormatField));
    assert_eq!(one(P, "x = f'{a:@}'"), R(Refusal::FormatField));
    assert_eq!(one(P, "x = f'{a!r} {b!=c} @'"), s(P, '\'', false, true));
    assert_eq!(one(P, "x = '\\N{DASH}{@'"), s(P, '\'', false, false));
    assert_eq!(one(P, "x = f'\\N{DASH} @'"), s(P, '\'', false, true));
    assert_eq!(one(P, "x = r'@'"), R(Refusal::RawString));
    assert_eq!(one(P, "x = Rb'@'"), R(Refusal::RawString));
    assert_eq!(one(P, "x = b'@'"), R(Refusal::BytesString));
    assert_eq!(one(P, "x = 1 # @"), R(Refusal::Comment));
    assert_eq!(one(P, "x = 1 # '\ny = @"), Context::Code);
    assert_eq!(one(P, "x = '\\@'"), R(Refusal::AfterBackslash));
    assert_eq!(one(P, "x = '\\''; y = @"), Context::Code);
    assert_eq!(one(P, "x = r'\\''; y = @"), Context::Code);
    assert_eq!(one(P, "x = 'a\\\nb' + @"), Context::Code);
    assert_eq!(one(P, "x = '''a\n'''; y = @"), Context::Code);
    assert!(matches!(
        one(P, "x = f\"{d[\"k\"]}\"; y = @"),
        Context::Refused(Refusal::Ambiguous(_))
    ));
    assert!(matches!(
        one(P, "x = 'abc\ny = @"),
        Context::Refused(Refusal::Ambiguous(_))
    ));
    assert_eq!(
        ctxs(P, "a = @; b = '@'; # @\nc = f'@{x}'"),
        vec![
            Context::Code,
            s(P, '\'', false, false),
            R(Refusal::Comment),
            s(P, '\'', false, true)
        ]
    );
}

#[test]
fn javascript_contexts() {
    use Lang::JavaScript as J;
    assert_eq!(one(J, "f(@)"), Context::Code);
    assert_eq!(one(J, "x = '@'"), s(J, '\'', false, false));
    assert_eq!(one(J, "x = \"a '@\""), s(J, '"', false, false));
    assert_eq!(one(J, "x = `a @`"), s(J, '`', false, false));
    assert_eq!(one(J, "x = `a ${b} @`"), s(J, '`', false, false));
    assert_eq!(one(J, "x = `a ${ {a: 1}[@] }`"), Context::Code);
    assert_eq!(
        one(J, "x = `a ${ `b ${c}` + '@' }`"),
        s(J, '\'', false, false)
    );
    assert_eq!(one(J, "x = String.raw`@`"), R(Refusal::TaggedTemplate));
    assert_eq!(one(J, "x = 1 // @"), R(Refusal::Comment));
    assert_eq!(one(J, "x = 1 /* @ */"), R(Refusal::Comment));
    assert_eq!(one(J, "x = 1 /* ' */ + @"), Context::Code);
    assert_eq!(one(J, "#!/usr/bin/env node '\nx = @"), Context::Code);
    assert_eq!(one(J, "x <!-- @"), R(Refusal::Comment));
    assert_eq!(one(J, "x = /a@/"), R(Refusal::Regex));
    assert_eq!(one(J, "x = /a/@"), R(Refusal::Regex));
    assert_eq!(one(J, "x = /['/]/; y = @"), Context::Code);
    assert_eq!(one(J, "x = a / 2; y = '@'"), s(J, '\'', false, false));
    assert_eq!(one(J, "x = (a) / 2 / '@'"), s(J, '\'', false, false));
    assert_eq!(one(J, "if (a) /'/.test(s); y = @"), Context::Code);
    assert_eq!(one(J, "return /'/; y = @"), Context::Code);
    assert_eq!(one(J, "x = 1.5 / 2 + '@'"), s(J, '\'', false, false));
    assert_eq!(one(J, "x = '\\@'"), R(Refusal::AfterBackslash));
    assert_eq!(one(J, "x = '\\''; y = @"), Context::Code);
    assert!(matches!(
        one(J, "function f() {}\n/'/; y = @"),
        Context::Refused(Refusal::Ambiguous(_))
    ));
    assert!(matches!(
        one(J, "a++ /'/; y = @"),
        Context::Refused(Refusal::Ambiguous(_))
    ));
}

#[test]
fn escapes_per_string_kind() {
    let k = |lang, quote, triple, format| StrKind {
        lang,
        quote,
        triple,
        format,
    };
    let py = k(Lang::Python, '\'', false, false);
    assert_eq!(
        escape_in_string(py, "a'\"\\\n\0é`"),
        "a\\'\\\"\\\\\\n\\x00\\xe9`"
    );
    assert_eq!(escape_in_string(py, "\u{2028}😀"), "\\u2028\\U0001f600");
    let f = k(Lang::Python, '"', false, true);
    assert_eq!(escape_in_string(f, "{x}"), "{{x}}");
    let t = k(Lang::JavaScript, '`', false, false);
    assert_eq!(escape_in_string(t, "`${x}`"), "\\`\\$\\{x}\\`");
    let js = k(Lang::JavaScript, '"', false, false);
    assert_eq!(escape_in_string(js, "😀\u{2029}"), "\\u{1f600}\\u2029");
}
