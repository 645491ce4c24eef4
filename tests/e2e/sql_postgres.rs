//! `sql` steps against a real PostgreSQL 15 (`wfc_testkit::postgres()`, one
//! throwaway server per test, ~2 s to start), through the real `wfc`
//! binary: hostile values bound and read back exactly (checked with `psql`
//! and through `rows`), NUL refused, all-or-nothing statements, casts and
//! `jsonb_to_recordset`, rows feeding a loop, a password kept out of all
//! output and files, and a timeout cancelling the query on the server.

use crate::{case, workflow};
use std::process::Command;
use std::time::{Duration, Instant};

/// The server, or `None` after [`wfc_testkit::skip`].
fn server() -> Option<wfc_testkit::Postgres> {
    match wfc_testkit::postgres() {
        Ok(pg) => Some(pg),
        Err(why) => {
            wfc_testkit::skip(&why);
            None
        }
    }
}

/// `psql -At -c SQL`: the server's own view, independent of wfc.
fn psql(pg: &wfc_testkit::Postgres, sql: &str) -> String {
    let out = Command::new("psql")
        .args(["-X", "-At", &pg.url, "-c", sql])
        .output()
        .expect("psql runs");
    assert!(out.status.success(), "psql {sql}: {out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    text.strip_suffix('\n').unwrap_or(&text).to_owned()
}

const ROUND_TRIP: &str = r#"
workflow w {
  param v: string
  secret db: string = env("DB")
  step put: sql {
    database db
    query """
      create table if not exists t (v text);
      delete from t;
      insert into t values (:v);
      select v, length(v) as n from t
    """
    params { v = v }
  }
}
"#;

const CORPUS: &[&str] = &[
    "a'b",
    "''",
    "a\"b",
    "`x`",
    "\\",
    "back\\slash\\'",
    "\"\"\"",
    "${x}",
    ":v",
    "$1",
    "x -- comment",
    "/* x",
    "1; drop table t; --",
    "'); drop table t; --",
    "$$ x $$",
    "$tag$ x $tag$",
    "line1\nline2\r\n",
    "é ☃ 🚀 \u{10FFFF}",
    "",
];

#[test]
fn hostile_values_are_bound_and_read_back_exactly() {
    let Some(pg) = server() else { return };
    let c = case().workflow(ROUND_TRIP);
    for v in CORPUS {
        let r = c
            .wfc_run(&["-o", "report.json", "--param", &format!("v={v}")])
            .env("DB", &pg.url)
            .output();
        assert_eq!(r.code, 0, "value {v:?}: {r}");
        // Hex of the stored bytes: exact, whatever psql does with the text.
        let hex: String = v.bytes().map(|b| format!("{b:02x}")).collect();
        let stored = psql(&pg, "select encode(convert_to(v, 'UTF8'), 'hex') from t");
        assert_eq!(stored, hex, "psql, value {v:?}");
        let row = &c.report()["steps"][0]["outputs"]["rows"][0];
        assert_eq!(row["v"], *v, "rows, value {v:?}");
        assert_eq!(row["n"], v.chars().count(), "length, value {v:?}");
    }
}

#[test]
fn numbers_keep_their_extremes() {
    let Some(pg) = server() else { return };
    let c = workflow(
        r#"
workflow w {
  param lo: int = -9223372036854775807 - 1
  param hi: int = 9223372036854775807
  param z: float = -0.0
  secret db: string = env("DB")
  step q: sql {
    database db
    query """
      create table n (lo int8, hi int8, z float8, nan float8, inf float8, b bool, s int2);
      insert into n values (:lo, :hi, :z, :nan, :inf, :b, null);
      select lo, hi, z, nan, inf, b, s, 12.50::numeric as num from n
    """
    params { lo = lo  hi = hi  z = z  nan = "NaN"  inf = "-Infinity"  b = true }
  }
}
"#,
    );
    c.wfc_run(&["-o", "report.json"])
        .env("DB", &pg.url)
        .success()
        .output();
    let row = c.report()["steps"][0]["outputs"]["rows"][0].to_string();
    assert_eq!(
        row,
        r#"{"b":true,"hi":9223372036854775807,"inf":"-Infinity","lo":-9223372036854775808,"nan":"NaN","num":"12.50","s":null,"z":-0.0}"#
    );
    assert_eq!(
        psql(&pg, "select lo, hi, z, nan, inf, b, s is null from n"),
        "-9223372036854775808|9223372036854775807|-0|NaN|-Infinity|t|t"
    );
}

#[test]
fn nul_in_text_and_out_of_range_ints_are_clear_errors() {
    let Some(pg) = server() else { return };
    let c = workflow(
        r#"
workflow w {
  secret db: string = env("DB")
  step nul: sql { database db  query "select :s as s"  params { s = "a\0b" } }
  step small: sql { database db  query "select :n::int2 as n"  params { n = 40000 } }
}
"#,
    );
    let r = c.wfc_run(&[]).env("DB", &pg.url).output();
    assert_ne!(r.code, 0, "{r}");
    let text = format!("{r}");
    assert!(text.contains("param `s` holds a NUL character"), "{text}");
    assert!(
        text.contains("param `n` is 40000, outside the range of `int2`"),
        "{text}"
    );
}

#[test]
fn a_failing_statement_leaves_no_partial_change() {
    let Some(pg) = server() else { return };
    psql(&pg, "create table u (a int unique)");
    let c = workflow(
        r#"
workflow w {
  secret db: string = env("DB")
  step fill: sql {
    database db
    query """
      insert into u values (1);
      insert into u values (2);
      insert into u values (1);
    """
  }
}
"#,
    );
    let r = c.wfc_run(&[]).env("DB", &pg.url).output();
    assert_ne!(r.code, 0, "{r}");
    let text = format!("{r}");
    assert!(text.contains("statement 3"), "{text}");
    assert!(text.contains("SQLSTATE 23505"), "{text}");
    assert_eq!(psql(&pg, "select count(*) from u"), "0");
}

#[test]
fn casts_and_json_records_feed_a_loop_and_typed_outputs() {
    let Some(pg) = server() else { return };
    let c = workflow(
        r#"
workflow w {
  param since: string = "2024-02-29"
  secret db: string = env("DB")
  step q: sql {
    database db
    query """
      select r.id, r.name, cast(:since as date) as since, :x::int + 1 as x, 2.5::float8 as f
      from jsonb_to_recordset(cast(:rows as jsonb)) as r(id bigint, name text)
      order by r.id
    """
    params { since = since  x = "41"  rows = "[{\"id\": 1, \"name\": \"a'1\"}, {\"id\": 2, \"name\": \"b\"}]" }
    outputs { id: int  name: string  f: float  x: int }
  }
  for each r in q.rows {
    step each: shell { run "echo ${r.id}=${r.name}@${r.since} >> rows.txt" }
  }
  step typed: shell { run "echo ${q.outputs.x} ${q.outputs.f} ${q.outputs.name} ${q.row_count} > typed.txt" }
}
"#,
    );
    c.wfc_run(&[]).env("DB", &pg.url).success().output();
    let mut rows = c.lines("rows.txt");
    rows.sort();
    assert_eq!(rows, ["1=a'1@2024-02-29", "2=b@2024-02-29"]);
    assert_eq!(c.read("typed.txt").trim(), "42 2.5 a'1 2");
}

/// Every file under `dir`, recursively.
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn a_url_password_never_shows_even_when_connecting_fails() {
    let Some(pg) = server() else { return };
    let password = "pw-Xy7-secret";
    let good = pg
        .url
        .replace("postgres@", &format!("postgres:{password}@"));
    let port = wfc_testkit::free_port();
    let bad = format!("postgres://postgres:{password}@127.0.0.1:{port}/wfc?sslmode=disable");
    let c = workflow(
        r#"
workflow w {
  secret db: string = env("DB")
  step q: sql { database db  query "select current_user as u"  outputs { u: string } }
}
"#,
    );
    let ok = c.wfc(["run", "w.wf", "--plain"]).env("DB", &good).output();
    assert_eq!(ok.code, 0, "{ok}");
    let failed = c.wfc(["run", "w.wf", "--plain"]).env("DB", &bad).output();
    assert_ne!(failed.code, 0, "{failed}");
    assert!(
        format!("{failed}").contains("cannot connect to PostgreSQL at 127.0.0.1"),
        "{failed}"
    );
    let logs = c.wfc(["logs", "last"]).output();
    for shown in [format!("{ok}"), format!("{failed}"), format!("{logs}")] {
        assert!(!shown.contains(password), "{shown}");
    }
    for p in files(&c.path(".")) {
        let bytes = std::fs::read(&p).unwrap();
        let hit = bytes
            .windows(password.len())
            .any(|w| w == password.as_bytes());
        assert!(!hit, "{} holds the password", p.display());
    }
}

#[test]
fn a_timeout_cancels_the_query_on_the_server() {
    let Some(pg) = server() else { return };
    let c = workflow(
        r#"
workflow w {
  secret db: string = env("DB")
  step slow: sql {
    database db
    timeout 1s
    query """
      create table s (a int);
      insert into s values (1);
      select pg_sleep(10)
    """
  }
}
"#,
    );
    let started = Instant::now();
    let r = c
        .wfc_run(&["-o", "report.json"])
        .env("DB", &pg.url)
        .output();
    assert_ne!(r.code, 0, "{r}");
    assert!(started.elapsed() < Duration::from_secs(8), "{r}");
    assert_eq!(c.report()["steps"][0]["status"], "timed_out", "{r}");
    let active = "select count(*) from pg_stat_activity where query like '%pg_sleep(10)%' and state = 'active' and pid <> pg_backend_pid()";
    let gone = wfc_testkit::wait_until(Duration::from_secs(3), || psql(&pg, active) == "0");
    assert!(gone, "the query still runs on the server");
    assert_eq!(
        psql(&pg, "select to_regclass('s') is null"),
        "t",
        "rolled back"
    );
}

#[test]
fn the_steps_of_a_run_share_a_connection() {
    let Some(pg) = server() else { return };
    let c = workflow(
        r#"
workflow w {
  secret db: string = env("DB")
  step a: sql { database db  query "select pg_backend_pid() as pid"  outputs { pid: int } }
  step b: sql { depends on a  database db  query "select pg_backend_pid() as pid"  outputs { pid: int } }
  step same: shell { run "echo ${a.outputs.pid} ${b.outputs.pid} > pids.txt" }
}
"#,
    );
    c.wfc_run(&[]).env("DB", &pg.url).success().output();
    let pids = c.read("pids.txt");
    let (a, b) = pids.trim().split_once(' ').unwrap();
    assert_eq!(a, b, "two connections: {pids}");
}

#[test]
fn sslmode_require_refuses_a_server_without_tls() {
    let Some(pg) = server() else { return };
    let c = workflow(
        r#"
workflow w {
  secret db: string = env("DB")
  step q: sql { database db  query "select 1 as one" }
}
"#,
    );
    let url = format!("{}?sslmode=require", pg.url);
    let r = c.wfc_run(&[]).env("DB", &url).output();
    assert_ne!(r.code, 0, "{r}");
    assert!(format!("{r}").contains("cannot connect"), "{r}");
    let prefer = format!("{}?sslmode=prefer", pg.url);
    c.wfc_run(&[]).env("DB", &prefer).success().output();
}

#[test]
fn a_dollar_number_is_refused_before_anything_runs_and_jsonb_operators_are_not() {
    let Some(pg) = server() else { return };
    psql(
        &pg,
        "create table t (v text); insert into t values ('a'), ('b')",
    );
    // `$1` passed `wfc check` and failed only at run time, after `first`
    // ran; beside a `:name` (numbered `$1` by wfc) it would have bound
    // that name's value.
    let c = workflow(
        r#"
workflow w {
  secret db: string = env("DB")
  step first: shell { run "touch first-ran" }
  step wipe: sql {
    depends on first
    database db
    query "update t set v = $1 where v <> :keep"
    params { keep = "zzz" }
  }
}
"#,
    );
    let check = c.wfc(["check", "w.wf"]).output();
    assert_ne!(check.code, 0, "{check}");
    assert!(check.all().contains("E0284"), "{check}");
    assert!(check.all().contains("w.wf:8:29"), "{check}");
    let r = c.wfc_run(&[]).env("DB", &pg.url).output();
    assert_ne!(r.code, 0, "{r}");
    assert!(!c.path("first-ran").exists(), "a step ran: {r}");
    assert_eq!(
        psql(&pg, "select string_agg(v, ',' order by v) from t"),
        "a,b"
    );

    // jsonb's `?`, `?|`, `?&` and `@?` are operators, not placeholders.
    let ok = workflow(
        r#"
workflow w {
  secret db: string = env("DB")
  step q: sql {
    database db
    query """
      select doc ? 'a' as has, doc ?| array['x', 'b'] as any_of,
             doc ?& array['a', 'b'] as all_of, doc @? '$.a' as path
      from (select cast(:doc as jsonb) as doc) d
    """
    params { doc = "{\"a\": 1, \"b\": 2}" }
  }
}
"#,
    );
    ok.wfc(["check", "w.wf"]).success().output();
    ok.wfc_run(&["-o", "report.json"])
        .env("DB", &pg.url)
        .success()
        .output();
    assert_eq!(
        ok.report()["steps"][0]["outputs"]["rows"][0].to_string(),
        r#"{"all_of":true,"any_of":true,"has":true,"path":true}"#
    );
}
