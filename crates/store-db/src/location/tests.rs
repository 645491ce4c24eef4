use super::*;
use std::collections::HashMap;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

fn pg(text: &str) -> PgUrl {
    match Location::parse(text, false).unwrap() {
        Location::Postgres(u) => u,
        other => panic!("{other:?}"),
    }
}

#[test]
fn folders_sqlite_and_postgres_urls_are_told_apart() {
    assert_eq!(
        Location::parse(".wfc", true).unwrap(),
        Location::Folder(".wfc".into())
    );
    assert_eq!(
        Location::parse("sqlite:/srv/wfc", true).unwrap(),
        Location::Folder("/srv/wfc".into())
    );
    assert!(matches!(
        Location::parse("postgresql://db.example/wfc", true).unwrap(),
        Location::Postgres(_)
    ));
    let e = Location::parse("mysql://u:secret@h/db", false).unwrap_err();
    assert!(e.to_string().starts_with("E0603: "), "{e}");
    assert!(!e.to_string().contains("secret"), "{e}");
}

#[test]
fn a_password_is_never_shown_and_refused_on_the_command_line() {
    let text = "postgres://wfc:s%3Acret@db.example:6543/runs?sslmode=require&password=other";
    let url = pg(text);
    assert_eq!(
        url.shown(),
        "postgres://wfc@db.example:6543/runs?sslmode=require"
    );
    assert!(!format!("{url:?}").contains("cret"));
    // The query's password comes after the URL's, as libpq reads them.
    assert_eq!(url.password(&env(&[])).as_deref(), Some("other"));
    let e = Location::parse(text, true).unwrap_err();
    assert_eq!(
        e,
        LocationError::PasswordInArgs {
            shown: "postgres://wfc@db.example:6543/runs?sslmode=require".into()
        }
    );
    assert!(e.to_string().contains("WFC_STORE"), "{e}");
    assert!(!e.to_string().contains("cret"), "{e}");
    let bad = Location::parse("postgres://u:hunter2@[::1", false).unwrap_err();
    assert!(!bad.to_string().contains("hunter2"), "{bad}");
}

#[test]
fn user_host_port_and_database_default_as_libpq_does() {
    let url = pg("postgres://db.example");
    let e = env(&[("PGUSER", "ops")]);
    assert_eq!(url.user(&e), "ops");
    assert_eq!(url.dbname(&e), "ops");
    assert_eq!(url.port(), 5432);
    assert_eq!(url.host(), "db.example");
    let url = pg("postgres://me@db.example/hist%20ory");
    assert_eq!(url.dbname(&e), "hist ory");
}

#[test]
fn the_password_comes_from_the_environment_then_the_password_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".pgpass");
    std::fs::write(
        &file,
        "# comment\n\
         other:5432:*:wfc:wrong\n\
         db.example:5432:runs:wfc:pa\\:ss\\\\word\n\
         *:*:*:*:fallback\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let home = dir.path().to_str().unwrap();
    let url = pg("postgres://wfc@db.example/runs");
    let with_home = env(&[("HOME", home)]);
    assert_eq!(url.password(&with_home).as_deref(), Some("pa:ss\\word"));
    let both = env(&[("HOME", home), ("PGPASSWORD", "from-env")]);
    assert_eq!(url.password(&both).as_deref(), Some("from-env"));
    let other = pg("postgres://someone@elsewhere/db");
    assert_eq!(other.password(&with_home).as_deref(), Some("fallback"));
    // A file others may read is not read, as libpq refuses it.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(url.password(&with_home), None);
    // `passfile=` in the URL names another file.
    let named = dir.path().join("named");
    std::fs::write(&named, "*:*:*:*:named\n").unwrap();
    std::fs::set_permissions(&named, std::fs::Permissions::from_mode(0o600)).unwrap();
    let url = pg(&format!(
        "postgres://wfc@db.example/runs?passfile={}",
        named.display()
    ));
    assert_eq!(url.password(&with_home).as_deref(), Some("named"));
}

#[test]
fn several_hosts_are_read_as_libpq_reads_them() {
    let u = pg("postgres://wfc:pw@db1:5432,db2:5433/runs?target_session_attrs=read-write");
    assert_eq!(
        u.hosts(),
        [("db1".to_owned(), 5432), ("db2".to_owned(), 5433)]
    );
    assert_eq!((u.host(), u.port()), ("db1".to_owned(), 5432));
    assert_eq!(u.dbname(&env(&[])), "runs");
    assert_eq!(
        u.param("target_session_attrs").as_deref(),
        Some("read-write")
    );
    assert!(!u.shown().contains("pw"), "{}", u.shown());
    // A port left out is 5432; the parameters' form, one port for all.
    assert_eq!(
        pg("postgres://db1,db2:6000/runs").hosts(),
        [("db1".to_owned(), 5432), ("db2".to_owned(), 6000)]
    );
    assert_eq!(
        pg("postgres:///runs?host=a,b&port=7000").hosts(),
        [("a".to_owned(), 7000), ("b".to_owned(), 7000)]
    );
    assert_eq!(
        pg("postgres://one/runs").hosts(),
        [("one".to_owned(), 5432)]
    );
}
