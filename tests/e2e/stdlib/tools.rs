//! The modules that drive local tools, run directly: `docker-build`
//! (against Podman through the docker CLI), `rust-ci` (cargo on a small
//! crate) and `db-migrate` (sqlite3 as the database).

use super::module;
use crate::case;
use wfc_testkit::{docker_engine, skip, Case};

/// `docker build` with a build arg holding a blank, the smoke test inside
/// the image, and the reference and id as outputs; a failing smoke test
/// fails the run.
#[test]
fn docker_build_builds_smoke_tests_and_reports_the_image() {
    let engine = match docker_engine() {
        Ok(e) => e,
        Err(why) => return skip(&format!("no Docker-API engine: {why}")),
    };
    if std::process::Command::new("docker")
        .arg("--version")
        .output()
        .is_err()
    {
        return skip("no docker CLI");
    }
    let c = case().file(
        "app/Dockerfile",
        &format!(
            "FROM {}\nARG GREETING\nRUN echo \"$GREETING\" > /greeting\n",
            engine.image
        ),
    );
    let tag = format!("t{}", std::process::id());
    let run = |smoke: &str| {
        c.wfc([
            "run",
            &module("docker-build.wf"),
            "--plain",
            "--no-store",
            "--workdir",
            ".",
            "-o",
            "report.json",
        ])
        .args(["-p", "image=localhost/wfc-std-build", "-p", "context=app"])
        .args(["-p", "dockerfile=app/Dockerfile"])
        .arg("-p")
        .arg(format!("tag={tag}"))
        .args(["-p", r#"build_args=["GREETING=hello there"]"#])
        .arg("-p")
        .arg(format!("smoke={smoke}"))
        .env("DOCKER_HOST", &engine.host)
        .output()
    };
    let r = run("grep -qx 'hello there' /greeting");
    assert_eq!(r.code, 0, "{r}");
    let out = &c.report()["outputs"];
    let image = format!("localhost/wfc-std-build:{tag}");
    assert_eq!(out["image"], image.as_str());
    let id = out["id"].as_str().unwrap().to_owned();
    let inspect = c
        .shell(&format!(
            "docker image inspect --format '{{{{.Id}}}}' {image}"
        ))
        .env("DOCKER_HOST", &engine.host)
        .output();
    assert_eq!(inspect.stdout.trim(), id, "{inspect}");

    let r = run("grep -qx 'goodbye' /greeting");
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("smoke_test"), "{r}");
    c.shell(&format!("docker rmi -f {image}"))
        .env("DOCKER_HOST", &engine.host)
        .output();
}

/// A crate with two tests and, with `warn`, an unused variable.
fn crate_dir(c: &Case, warn: bool) {
    c.write(
        "demo/Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[features]\nextra = []\n",
    );
    let unused = if warn { "    let unused = 1;\n" } else { "" };
    c.write(
        "demo/src/lib.rs",
        &format!(
            "//! Demo.\n\n/// Adds.\npub fn add(a: u32, b: u32) -> u32 {{\n{unused}    a + b\n}}\n\n\
             #[cfg(test)]\nmod tests {{\n    #[test]\n    fn adds() {{\n        assert_eq!(super::add(1, 2), 3);\n    }}\n\n    \
             #[cfg(feature = \"extra\")]\n    #[test]\n    fn extra() {{}}\n}}\n"
        ),
    );
}

#[test]
fn rust_ci_checks_a_crate_and_counts_its_tests() {
    let c = case();
    crate_dir(&c, false);
    let ci = |args: &[&str]| {
        c.wfc([
            "run",
            &module("rust-ci.wf"),
            "--plain",
            "--no-store",
            "--workdir",
            ".",
            "-o",
            "report.json",
        ])
        .args(["-p", "workdir=demo"])
        .args(args)
        .env("CARGO_TARGET_DIR", c.path("demo/target"))
        .env_remove("RUSTFLAGS")
        .output()
    };
    let r = ci(&["-p", r#"features=["extra"]"#]);
    assert_eq!(r.code, 0, "{r}");
    // The feature's own test ran too.
    assert_eq!(c.report()["outputs"]["tests_passed"], 2, "{r}");

    // A warning fails the run when warnings are denied, not otherwise.
    crate_dir(&c, true);
    let r = ci(&["-p", "doc=false"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.stdout.contains("unused"), "{r}");
    let r = ci(&["-p", "deny_warnings=false"]);
    assert_eq!(r.code, 0, "{r}");
    assert_eq!(c.report()["outputs"]["tests_passed"], 1, "{r}");
}

fn has_sqlite3() -> bool {
    std::process::Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_ok()
}

/// Runs db-migrate on `db.sqlite` in `c` with `migrate` and `verify`; the
/// rollback drops both tables and notes that it ran.
fn migrate(c: &Case, migrate: &str, verify: &str) -> wfc_testkit::Output {
    c.wfc(["run", &module("db-migrate.wf"), "--plain", "--no-store",
            "--workdir",
            ".", "-o", "report.json"])
        .arg("-p")
        .arg(format!("migrate={migrate}"))
        .arg("-p")
        .arg(format!("verify={verify}"))
        .args([
            "-p",
            "rollback=sqlite3 db.sqlite 'drop table if exists users; drop table if exists posts;' && echo rolled-back >> journal",
            "-p",
            "status_cmd=sqlite3 db.sqlite 'select count(*) from sqlite_master'",
        ])
        .output()
}

#[test]
fn db_migrate_applies_and_verifies_or_rolls_back() {
    if !has_sqlite3() {
        return skip("no sqlite3");
    }
    let c = case();
    let users = "sqlite3 db.sqlite 'create table users(id int); insert into users values (1);' && echo users";
    let r = migrate(
        &c,
        users,
        "sqlite3 db.sqlite 'select id from users' | grep -qx 1",
    );
    assert_eq!(r.code, 0, "{r}");
    let out = &c.report()["outputs"];
    assert_eq!(out["applied"], "users");
    assert_eq!(out["status"], "1");
    assert!(c.lines("journal").is_empty());

    // The migration fails half-way: what it did is rolled back.
    let c = case();
    let bad = "sqlite3 db.sqlite 'create table users(id int); create tabel posts(id int);'";
    let r = migrate(&c, bad, "true");
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("journal"), ["rolled-back"]);
    let tables = c.shell("sqlite3 db.sqlite .tables").output();
    assert_eq!(tables.stdout.trim(), "", "{tables}");

    // The migration works but the verification fails: rolled back too.
    let c = case();
    let r = migrate(
        &c,
        users,
        "sqlite3 db.sqlite 'select id from users' | grep -qx 2",
    );
    assert_eq!(r.code, 1, "{r}");
    assert_eq!(c.lines("journal"), ["rolled-back"]);
    let tables = c.shell("sqlite3 db.sqlite .tables").output();
    assert_eq!(tables.stdout.trim(), "", "{tables}");
}
