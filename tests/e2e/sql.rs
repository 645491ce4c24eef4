//! `sql` steps against a real SQLite file, through the real `wfc` binary:
//! hostile values bound and read back exactly, all-or-nothing statements,
//! rows feeding a loop, typed outputs, secrets kept out of everything wfc
//! shows or writes, and a sql compensation.

use crate::{case, workflow};

fn db_rows(c: &wfc_testkit::Case, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(c.path("app.db")).unwrap();
    let mut st = conn.prepare(sql).unwrap();
    st.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

const ROUND_TRIP: &str = r#"
workflow w {
  param v: string
  step put: sql {
    database "sqlite:app.db?mode=rwc"
    query """
      create table if not exists t (v text);
      insert into t values (:v);
      select v, length(v) as n from t
    """
    params { v = v }
    outputs { v: string }
  }
  step echo: shell { run "printf '%s' ${put.outputs.v} > got.txt" }
}
"#;

const CORPUS: &[&str] = &[
    "a'b",
    "''",
    "a\"b",
    "\\",
    "back\\slash\\'",
    "\"\"\"",
    "${x}",
    ":v",
    "x -- comment",
    "/* x",
    "1; drop table t; --",
    "'); drop table t; --",
    "$$ x $$",
    "line1\nline2",
    "é ☃ 🚀",
    "",
];

#[test]
fn hostile_values_are_bound_and_read_back_exactly() {
    for v in CORPUS {
        let c = case().workflow(ROUND_TRIP);
        let r = c.run(&["--param", &format!("v={v}")]);
        assert_eq!(r.code, 0, "value {v:?}: {r}");
        assert_eq!(db_rows(&c, "select v from t"), [*v], "stored, value {v:?}");
        assert_eq!(c.read("got.txt"), *v, "read back, value {v:?}");
    }
}

#[test]
fn numbers_keep_their_extremes() {
    let c = workflow(
        r#"
workflow w {
  param lo: int = -9223372036854775807 - 1
  param hi: int = 9223372036854775807
  param z: float = -0.0
  step q: sql {
    database "sqlite::memory:"
    query "select :lo as lo, :hi as hi, :z as z, :b as b"
    params { lo = lo  hi = hi  z = z  b = true }
  }
}
"#,
    );
    c.wfc_run(&["-o", "report.json"]).success().output();
    let row = c.report()["steps"][0]["outputs"]["rows"][0].to_string();
    assert_eq!(
        row,
        r#"{"b":1,"hi":9223372036854775807,"lo":-9223372036854775808,"z":-0.0}"#
    );
}

#[test]
fn a_failing_statement_leaves_no_partial_change() {
    let c = workflow(
        r#"
workflow w {
  step make: sql { database "sqlite:app.db?mode=rwc"  query "create table t (a int unique)" }
  step fill: sql {
    depends on make
    database "sqlite:app.db"
    query """
      insert into t values (1);
      insert into t values (2);
      insert into t values (1);
    """
  }
}
"#,
    );
    let r = c.run(&[]);
    assert_ne!(r.code, 0, "{r}");
    let text = format!("{r}");
    assert!(text.contains("statement 3"), "{text}");
    assert!(text.contains("UNIQUE"), "{text}");
    assert!(db_rows(&c, "select cast(a as text) from t").is_empty());
}

#[test]
fn rows_feed_a_loop_and_typed_outputs() {
    let c = workflow(
        r#"
workflow w {
  step q: sql {
    database "sqlite::memory:"
    query """
      create table t (name text, n int);
      insert into t values ('a', 1), ('b', 2);
      select name, n from t order by n
    """
    outputs { name: string  n: int }
  }
  for each r in q.rows {
    step each: shell { run "echo ${r.name}=${r.n} >> rows.txt" }
  }
  step typed: shell { run "echo ${q.outputs.n + 41} ${q.row_count} > typed.txt" }
}
"#,
    );
    c.wfc_run(&[]).success().output();
    let mut rows = c.lines("rows.txt");
    rows.sort();
    assert_eq!(rows, ["a=1", "b=2"]);
    assert_eq!(c.read("typed.txt").trim(), "42 2");
}

#[test]
fn a_missing_column_fails_clearly() {
    let c = workflow(
        r#"
workflow w {
  step q: sql { database "sqlite::memory:"  query "select 1 as a"  outputs { b: int } }
}
"#,
    );
    let r = c.run(&[]);
    assert_ne!(r.code, 0);
    assert!(format!("{r}").contains("no column `b`"), "{r}");
}

#[test]
fn a_secret_param_never_shows() {
    let secret = "hunter2-Zq9";
    let c = workflow(
        r#"
workflow w {
  secret token: string = env("TOKEN")
  step keep: sql {
    database "sqlite:app.db?mode=rwc"
    query """
      create table s (t text check (length(t) < 3));
      insert into s values (:token)
    """
    params { token = token }
  }
}
"#,
    );
    let r = c
        .wfc(["run", "w.wf", "--plain"])
        .env("TOKEN", secret)
        .output();
    assert_ne!(r.code, 0);
    let logs = c.wfc(["logs", "last"]).output();
    for shown in [format!("{r}"), format!("{logs}")] {
        assert!(!shown.contains(secret), "{shown}");
        assert!(shown.contains("CHECK") || shown.contains("sql:"), "{shown}");
    }
    let mut dirs = vec![c.path(".wfc")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let hit = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
                assert!(!hit, "{} holds the secret", p.display());
            }
        }
    }
}

#[test]
fn a_sql_compensation_undoes_the_step() {
    let c = workflow(
        r#"
workflow w {
  step make: sql { database "sqlite:app.db?mode=rwc"  query "create table t (a int)" }
  step add: sql {
    depends on make
    database "sqlite:app.db"
    query "insert into t values (7)"
    on failure rollback {
      step undo: sql { database "sqlite:app.db"  query "delete from t where a = 7" }
    }
  }
  step boom: shell { depends on add  run "exit 1" }
}
"#,
    );
    let r = c.run(&[]);
    assert_ne!(r.code, 0, "{r}");
    assert!(
        db_rows(&c, "select cast(a as text) from t").is_empty(),
        "{r}"
    );
}

#[test]
fn a_file_query_is_read_beside_the_workflow_file_and_takes_a_list_param() {
    let c = case()
        .file(
            "flows/load.wf",
            r#"workflow w {
              param names: list<string> = ["a'1", "b;2"]
              step load: sql {
                database "sqlite:app.db?mode=rwc"
                file "sql/load.sql"
                params { names = names }
                outputs { n: int }
              }
            }"#,
        )
        .file(
            "flows/sql/load.sql",
            "create table t (v text);\n\
             insert into t select value from json_each(:names);\n\
             select count(*) as n from t;\n",
        );
    // Run from the case directory: `file` and the database are relative
    // to flows/, not here.
    let r = c.wfc(["run", "flows/load.wf", "--plain"]).output();
    assert_eq!(r.code, 0, "{r}");
    assert!(!c.path("app.db").exists());
    let conn = rusqlite::Connection::open(c.path("flows/app.db")).unwrap();
    let rows: Vec<String> = conn
        .prepare("select v from t order by v")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows, ["a'1", "b;2"]);
    // A second run fails on `create table` (it exists) and names the statement.
    let again = c.wfc(["run", "flows/load.wf", "--plain"]).output();
    assert_ne!(again.code, 0, "{again}");
    assert!(again.all().contains("statement 1"), "{again}");
}

/// `app.db` holding `t (v)` with the rows `a` and `b`.
fn two_rows(c: &wfc_testkit::Case) {
    let conn = rusqlite::Connection::open(c.path("app.db")).unwrap();
    conn.execute_batch("create table t (v text); insert into t values ('a'), ('b');")
        .unwrap();
}

#[test]
fn a_placeholder_wfc_does_not_bind_is_refused_before_anything_runs() {
    // SQLite binds each of these NULL: `update t set v = $1` used to empty
    // every row, and the run succeeded.
    for p in ["$1", "?", "?1", "@v", "$v", "#v", ":1"] {
        let text = format!(
            r#"workflow w {{
  step first: shell {{ run "touch first-ran" }}
  step wipe: sql {{
    depends on first
    database "sqlite:app.db"
    query "update t set v = {p}"
  }}
}}
"#
        );
        let c = workflow(&text);
        two_rows(&c);
        let col = text.lines().nth(5).unwrap().find(p).unwrap() + 1;
        let check = c.wfc(["check", "w.wf"]).output();
        assert_ne!(check.code, 0, "{p}: {check}");
        let shown = check.all();
        assert!(shown.contains("E0284"), "{p}: {shown}");
        assert!(shown.contains(&format!("w.wf:6:{col}")), "{p}: {shown}");
        assert!(
            shown.contains(&format!("`{p}` is not a parameter wfc binds")),
            "{p}: {shown}"
        );
        let r = c.run(&[]);
        assert_ne!(r.code, 0, "{p}: {r}");
        assert!(r.all().contains("E0284"), "{p}: {r}");
        assert!(!c.path("first-ran").exists(), "{p}: a step ran");
        assert_eq!(db_rows(&c, "select v from t order by v"), ["a", "b"], "{p}");
    }
}

#[test]
fn a_named_param_still_binds_beside_lookalikes_in_strings_and_comments() {
    let c = workflow(
        r#"
workflow w {
  step set: sql {
    database "sqlite:app.db"
    query "update t set v = :v || '?$1' where v = :old and 1 = 1 -- ? $1 @v"
    params { v = "c"  old = "a" }
  }
}
"#,
    );
    two_rows(&c);
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(db_rows(&c, "select v from t order by v"), ["b", "c?$1"]);
}

/// SQLite's `[…]` identifiers hide a `:` (`[v:eur]` is a column, not the
/// param `:eur`): `wfc check` and the run read the query as SQLite does.
#[test]
fn a_bracket_identifier_is_a_column_not_a_param() {
    let c = workflow(
        r#"
workflow w {
  step set: sql {
    database "sqlite:app.db?mode=rwc"
    query """
      create table [price:eur] ([v:eur] text);
      insert into [price:eur] values (:v);
      select [v:eur] as v from [price:eur]
    """
    params { v = "12" }
    outputs { v: string }
  }
}
"#,
    );
    c.wfc(["check", "w.wf"]).success().output();
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(db_rows(&c, "select [v:eur] from [price:eur]"), ["12"]);
}

#[test]
fn a_file_query_with_a_foreign_placeholder_fails_its_step_unrun() {
    // A `file` is read when the step starts: refused there, before the
    // database is opened.
    let c = workflow(
        r#"
workflow w {
  step wipe: sql { database "sqlite:app.db"  file "wipe.sql" }
}
"#,
    )
    .file("wipe.sql", "select 1;\nupdate t set v = ?;\n");
    two_rows(&c);
    let r = c.run(&[]);
    assert_ne!(r.code, 0, "{r}");
    assert!(
        r.all()
            .contains("`?` (at byte 27) is not a parameter wfc binds"),
        "{r}"
    );
    assert_eq!(db_rows(&c, "select v from t order by v"), ["a", "b"]);
}

#[test]
fn a_missing_sqlite_file_fails_clearly_unless_the_url_says_create() {
    // A typo used to open a new, empty database: "no such table", and a
    // stray file left behind.
    let c = workflow(
        r#"
workflow w {
  step q: sql { database "sqlite:data/apps.db"  query "select count(*) as n from t" }
}
"#,
    );
    std::fs::create_dir(c.path("data")).unwrap();
    let r = c.run(&[]);
    assert_ne!(r.code, 0, "{r}");
    let shown = r.all();
    let full = c.dir().canonicalize().unwrap().join("data/apps.db");
    assert!(
        shown.contains("the SQLite database `data/apps.db` does not exist"),
        "{shown}"
    );
    assert!(shown.contains(&full.display().to_string()), "{shown}");
    assert!(shown.contains("sqlite:data/apps.db?mode=rwc"), "{shown}");
    assert!(!shown.contains("no such table"), "{shown}");
    assert!(!c.path("data/apps.db").exists(), "the typo made a file");

    // `?mode=rwc` creates it; then a plain URL opens it.
    let c = workflow(
        r#"
workflow w {
  step make: sql { database "sqlite:new.db?mode=rwc"  query "create table t (v text)" }
  step put: sql {
    depends on make
    database "sqlite:new.db"
    query "insert into t values (:v)"
    params { v = "x" }
  }
}
"#,
    );
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    let conn = rusqlite::Connection::open(c.path("new.db")).unwrap();
    let v: String = conn.query_row("select v from t", [], |r| r.get(0)).unwrap();
    assert_eq!(v, "x");
    assert!(!c.path("new.db?mode=rwc").exists());

    // `mode=ro` reads but does not write; an unknown option is refused.
    let c = workflow(
        r#"
workflow w {
  step write: sql { database "sqlite:new.db?mode=ro"  query "insert into t values ('y')" }
  step odd: sql { database "sqlite:new.db?cache=shared"  query "select 1" }
}
"#,
    );
    let conn = rusqlite::Connection::open(c.path("new.db")).unwrap();
    conn.execute_batch("create table t (v text)").unwrap();
    drop(conn);
    let r = c.run(&[]);
    assert_ne!(r.code, 0, "{r}");
    let shown = r.all();
    assert!(shown.contains("readonly"), "{shown}");
    assert!(shown.contains("option `cache=shared`"), "{shown}");
}

/// A quote inside an identifier SQLite quotes with `[…]` or backquotes
/// must not hide what follows from the placeholder check (the fresh probe
/// of issue 51 wiped every row this way while the run "succeeded"). Each
/// query is refused, at check or before its statement runs, or binds as
/// SQLite reads it.
#[test]
fn a_quote_inside_a_quoted_identifier_hides_no_placeholder() {
    let refused = [
        "update t set v = 'x' where v = 'a'; update t set [it's] = 2, v = ?3 -- '",
        "update t set `it's` = 1, v = ? -- '",
        "update t set \"it's\" = 1, v = @v -- '",
    ];
    for q in refused {
        let text = format!(
            "workflow w {{\n  step wipe: sql {{\n    database \"sqlite:app.db\"\n    query {q:?}\n  }}\n}}\n"
        );
        let c = workflow(&text);
        let conn = rusqlite::Connection::open(c.path("app.db")).unwrap();
        conn.execute_batch(
            "create table t (v text, [it's] int); insert into t(v) values ('a'), ('b');",
        )
        .unwrap();
        drop(conn);
        let r = c.run(&[]);
        assert_ne!(r.code, 0, "{q}: {r}");
        assert!(
            r.all().contains("E0284") || r.all().contains("that wfc does not bind"),
            "{q}: {r}"
        );
        assert_eq!(db_rows(&c, "select v from t order by v"), ["a", "b"], "{q}");
    }
    let c = workflow(
        r#"
workflow w {
  step set: sql {
    database "sqlite:app.db"
    query "update t set [it's] = 1, `x'y` = 2, v = :x where v = 'a' -- '"
    params { x = "new" }
  }
}
"#,
    );
    let conn = rusqlite::Connection::open(c.path("app.db")).unwrap();
    conn.execute_batch(
        "create table t (v text, [it's] int, [x'y] int); insert into t(v) values ('a'), ('b');",
    )
    .unwrap();
    drop(conn);
    let r = c.run(&[]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(db_rows(&c, "select v from t order by v"), ["b", "new"]);
}
