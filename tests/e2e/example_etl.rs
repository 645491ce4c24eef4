//! Issue 38's done-when, on the example itself: `examples/etl.wf` reads
//! orders from a real PostgreSQL with bound params, transforms them in a
//! `python` step with typed values and writes them back in a transaction —
//! and no value, however hostile, changes a script or a query.

use std::io::Write;
use std::process::{Command, Stdio};
use wfc_testkit::{postgres, skip, Case, SmtpSink};

/// Customers whose names would break a script or a query built by splicing.
const HOSTILE: &[&str] = &[
    "O'Brien",
    "say \"hi\"",
    "back\\slash \\n not a newline",
    "\"\"\" triple",
    "${currencies} and $(id) and `id`",
    "'); drop table orders; --",
    "line one\nline two\r\n",
    "ünïcödé ✓ 🚀 \u{2028} \u{2029}",
    "$$ dollar $tag$ quoted $$",
    "{{ argo }} %s %d :since",
    "\t tab # not a comment",
];

fn psql(url: &str, sql: &str, stdin: Option<&str>) -> String {
    let mut child = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-XAtq", "-c", sql])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.unwrap_or("").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A CSV field: quoted, quotes doubled (newlines are fine inside quotes).
fn csv(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[test]
fn the_etl_example_moves_hostile_rows_exactly_and_runs_no_value_as_code() {
    let pg = match postgres() {
        Ok(pg) => pg,
        Err(why) => return skip(&format!("PostgreSQL cannot start here: {why}")),
    };
    let sink = match SmtpSink::start(&["--auth", "etl:mail-pw"]) {
        Ok(sink) => sink,
        Err(why) => return skip(&format!("the SMTP sink cannot run here: {why}")),
    };
    // A password the server (trust auth on loopback) never asks for: it
    // must still appear nowhere wfc writes.
    let url = pg.url.replacen("postgres@", "postgres:pg-s3cret-pw@", 1);
    psql(
        &pg.url,
        "create table orders (id bigint primary key, customer text not null, \
         currency text not null, amount numeric(12,2) not null, created_at date not null)",
        None,
    );
    let mut rows = String::new();
    let mut expected = Vec::new();
    for (i, name) in HOSTILE.iter().enumerate() {
        let id = i as i64 + 1;
        // Every third order is in a currency the example drops; its code is hostile too.
        let currency = if i % 3 == 2 {
            "XTS'; --"
        } else {
            ["eur", "USD", "gbp"][i % 3]
        };
        let amount = format!("{}.{:02}", 10 + i, i * 7 % 100);
        rows.push_str(&format!(
            "{id},{},{},{amount},2024-02-0{}\n",
            csv(name),
            csv(currency),
            1 + i % 9
        ));
        if i % 3 != 2 {
            let cents = (10 + i as i64) * 100 + (i as i64 * 7 % 100);
            expected.push(serde_json::json!({
                "id": id, "customer": name, "currency": currency.to_uppercase(), "amount_cents": cents,
            }));
        }
    }
    // An order before `since`: not extracted.
    rows.push_str("99,\"old\",\"EUR\",1.00,2023-12-31\n");
    psql(
        &pg.url,
        "\\copy orders from stdin with (format csv)",
        Some(&rows),
    );

    let case = Case::new(env!("CARGO_BIN_EXE_wfc")).file(
        "etl.wf",
        &std::fs::read_to_string(wfc_testkit::repo().join("examples/etl.wf")).unwrap(),
    );
    // A currency list whose item would run code if it were spliced into Python.
    let pwned = case.path("pwned");
    let evil = format!("x\"]; open({:?}, \"w\"); [\"", pwned.display().to_string());
    let currencies = serde_json::json!(["EUR", "usd", "GBP", evil]).to_string();
    let out = case
        .wfc(["run", "etl.wf", "--plain"])
        .args(["--param", "since=2024-01-01"])
        .args(["--param", &format!("currencies={currencies}")])
        .args([
            "--param",
            &format!("smtp_url=smtp://127.0.0.1:{}", sink.port),
        ])
        .env("ORDERS_DB_URL", &url)
        .env("WAREHOUSE_DB_URL", &url)
        .env("SMTP_PASSWORD", "mail-pw")
        .output();
    assert_eq!(out.code, 0, "{out}");
    assert!(!pwned.exists(), "a param value ran as Python code");

    let loaded = psql(
        &pg.url,
        "select json_agg(json_build_object('id', id, 'customer', customer, \
         'currency', currency, 'amount_cents', amount_cents) order by id) from orders_clean",
        None,
    );
    let loaded: serde_json::Value = serde_json::from_str(loaded.trim()).unwrap();
    assert_eq!(loaded, serde_json::Value::Array(expected.clone()));
    // The source table is whole: no value ran as SQL.
    assert_eq!(
        psql(&pg.url, "select count(*) from orders", None).trim(),
        (HOSTILE.len() + 1).to_string()
    );

    let mail = sink.wait_messages(1);
    let (_, eml) = mail.first().expect("the summary was mailed");
    assert!(
        eml.contains(&format!("{} rows loaded", expected.len())),
        "{eml}"
    );

    // The database password is in no file wfc wrote, nor in what it printed.
    let listing = case.wfc(["logs", "last"]).output();
    for text in [out.all(), listing.all()] {
        assert!(!text.contains("pg-s3cret-pw"), "{text}");
    }
    let grep = Command::new("grep")
        .args(["-rla", "pg-s3cret-pw"])
        .arg(case.dir())
        .output()
        .unwrap();
    assert!(
        grep.stdout.is_empty(),
        "the password is in {}",
        String::from_utf8_lossy(&grep.stdout)
    );
}
