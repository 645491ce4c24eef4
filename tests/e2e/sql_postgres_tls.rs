//! `sql` steps against a real PostgreSQL 15 serving TLS with a certificate
//! of the test's own CA, named for `localhost` only (`start-postgres
//! --tls`): every `sslmode` as libpq means it, `sslrootcert`, and the
//! server's own word (`pg_stat_ssl`) on whether the connection is
//! encrypted; and a run's connections to one database capped.

use crate::workflow;
use wfc_testkit::Postgres;

/// Whether the step's connection is encrypted, by the server's view.
const SSL: &str = r#"
workflow w {
  secret db: string = env("DB")
  step q: sql {
    database db
    query "select ssl from pg_stat_ssl where pid = pg_backend_pid()"
    outputs { ssl: bool }
  }
}
"#;

fn server() -> Option<Postgres> {
    match wfc_testkit::postgres_tls() {
        Ok(pg) => Some(pg),
        Err(why) => {
            wfc_testkit::skip(&why);
            None
        }
    }
}

#[test]
fn each_sslmode_encrypts_and_checks_as_libpq_does() {
    let Some(pg) = server() else { return };
    let ca = pg.ca.clone().expect("a TLS server has a CA");
    let c = workflow(SSL);
    // `127.0.0.1` is not a name the certificate holds; `localhost` is.
    let at_ip = pg.url.clone();
    let at_name = pg.url.replace("127.0.0.1", "localhost");
    let with = |url: &str, query: &str| format!("{url}?{query}");
    let encrypted = |url: String| {
        let r = c.wfc_run(&["-o", "report.json"]).env("DB", &url).output();
        assert_eq!(r.code, 0, "{url}: {r}");
        let step = wfc_testkit::report_step(&c.report(), "q");
        step["outputs"]["outputs"]["ssl"].as_bool().unwrap()
    };
    let refused = |url: String, why: &[&str]| {
        let r = c.wfc_run(&[]).env("DB", &url).output();
        assert_ne!(r.code, 0, "{url}: {r}");
        let text = format!("{r}");
        assert!(why.iter().all(|w| text.contains(w)), "{url}: {text}");
    };
    // Encryption without checking the certificate (libpq's prefer and require).
    assert!(encrypted(at_ip.clone()));
    assert!(encrypted(with(&at_ip, "sslmode=prefer")));
    assert!(encrypted(with(&at_ip, "sslmode=require")));
    assert!(!encrypted(with(&at_ip, "sslmode=disable")));
    // A certificate checked against the system's roots: this CA is not one.
    refused(
        with(&at_name, "sslmode=verify-full"),
        &["cannot connect", "certificate"],
    );
    // Against the CA given: verify-ca takes any name, verify-full only its own.
    let root = format!("sslrootcert={}", ca.replace('/', "%2F"));
    assert!(encrypted(with(
        &at_ip,
        &format!("sslmode=verify-ca&{root}")
    )));
    refused(
        with(&at_ip, &format!("sslmode=verify-full&{root}")),
        &["cannot connect", "certificate"],
    );
    assert!(encrypted(with(
        &at_name,
        &format!("sslmode=verify-full&{root}")
    )));
    // A root file that is not there is named.
    refused(
        with(
            &at_name,
            "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
        ),
        &["cannot read sslrootcert /nonexistent/ca.pem"],
    );
}

#[test]
fn a_run_opens_at_most_sixteen_connections_to_one_database() {
    let Some(pg) = wfc_testkit::postgres()
        .map_err(|w| wfc_testkit::skip(&w))
        .ok()
    else {
        return;
    };
    // 24 steps at once, each counting the connections open while it sleeps.
    let c = workflow(
        r#"
workflow w {
  secret db: string = env("DB")
  for each i in range(0, 24) parallel {
    step q: sql {
      database db
      query """
        select pg_sleep(0.4), (select count(*) from pg_stat_activity
          where datname = 'wfc' and backend_type = 'client backend')::int as open
      """
      outputs { open: int }
    }
  }
}
"#,
    );
    let r = c
        .wfc_run(&["--jobs", "24", "-o", "report.json"])
        .env("DB", &pg.url)
        .output();
    assert_eq!(r.code, 0, "{r}");
    let report = c.report();
    let open: Vec<i64> = (0..24)
        .map(|i| {
            let step = wfc_testkit::report_step(&report, &format!("q[{i}]"));
            step["outputs"]["outputs"]["open"].as_i64().unwrap()
        })
        .collect();
    let most = *open.iter().max().unwrap();
    assert!(most <= 16, "{most} connections at once: {open:?}");
    // The cap is reached: the steps did run side by side.
    assert!(most >= 8, "{open:?}");
}
