//! `up to date when shell|sql` in the editor: completion offers the forms a
//! step's kind takes (and not one already written), hover on any of its
//! words explains the check, and the formatter keeps it as written.

use wfc_language::ide::Doc;

fn labels(src: &str) -> Vec<String> {
    let at = src.find("$0").expect("a $0 cursor marker");
    let d = Doc::analyze("test.wf", &src.replacen("$0", "", 1));
    d.completion(at).into_iter().map(|i| i.label).collect()
}

const SQL: &str = "workflow w {\n  step load: sql {\n    database \"sqlite:w.db\"\n    query \"select 1\"\n    up to date when sql \"select exists(select 1 from t)\"\n  }\n  step mark: shell {\n    run \"touch m\"\n    up to date when shell \"test -f m\"\n  }\n}\n";

#[test]
fn completes_the_forms_a_kind_takes() {
    let shell = labels("workflow w {\n  step s: shell {\n    run \"x\"\n    $0\n  }\n}\n");
    assert!(
        shell.contains(&"up to date when shell".to_string()),
        "{shell:?}"
    );
    assert!(
        !shell.contains(&"up to date when sql".to_string()),
        "{shell:?}"
    );
    let sql = labels("workflow w {\n  step s: sql {\n    database \"sqlite:w.db\"\n    query \"select 1\"\n    $0\n  }\n}\n");
    assert!(sql.contains(&"up to date when sql".to_string()), "{sql:?}");
    assert!(
        sql.contains(&"up to date when shell".to_string()),
        "{sql:?}"
    );
    // Written already: not offered again.
    let again = labels(&SQL.replacen("    query", "    $0\n    query", 1));
    assert!(
        !again.contains(&"up to date when sql".to_string()),
        "{again:?}"
    );
    assert!(
        again.contains(&"up to date when shell".to_string()),
        "{again:?}"
    );
}

#[test]
fn hovers_every_word_of_the_check() {
    let d = Doc::analyze("x.wf", SQL);
    assert!(d.diagnostics().is_empty(), "{:?}", d.diagnostics());
    let first = SQL.find("up to date when sql").unwrap();
    for word in ["up", "to", "date", "when", "sql"] {
        let at = first + SQL[first..].find(word).unwrap() + 1;
        let h = d.hover(at).expect("a hover").markdown;
        assert!(
            h.contains("up to date when sql") && h.contains("database"),
            "{word}: {h}"
        );
    }
    let at = SQL.find("up to date when shell").unwrap() + 12;
    let h = d.hover(at).expect("a hover on `date`").markdown;
    assert!(
        h.contains("up to date when shell") && h.contains("Exit 0"),
        "{h}"
    );
}

#[test]
fn formats_as_written() {
    let messy = SQL.replace("up to date when sql", "up   to date\twhen sql");
    let parsed = wfc_language::syntax::parse(&messy);
    let file = parsed.file.expect("parses");
    let out = wfc_language::fmt::format_file(&file, &parsed.comments, &messy);
    assert_eq!(out, SQL);
}

#[test]
fn colours_the_check_as_one_field_and_its_language() {
    let d = Doc::analyze("x.wf", SQL);
    let tokens = d.semantic_tokens();
    let kind_at = |word: &str, nth: usize| {
        let at = SQL.match_indices(word).nth(nth).unwrap().0;
        let t = tokens.iter().find(|t| t.span.start == at);
        t.map(|t| format!("{:?}", t.kind))
    };
    let first = SQL.find("up to date when sql").unwrap();
    let in_check = |word: &str| {
        let at = first + SQL[first..].find(word).unwrap();
        tokens
            .iter()
            .find(|t| t.span.start == at)
            .map(|t| format!("{:?}", t.kind))
    };
    for w in ["up", "to", "date", "when"] {
        assert_eq!(in_check(w).as_deref(), Some("Field"), "{w}");
    }
    assert_eq!(in_check("sql").as_deref(), Some("Keyword"));
    // The step's kind stays a kind.
    assert_eq!(kind_at("shell", 0).as_deref(), Some("StepKind"));
}
