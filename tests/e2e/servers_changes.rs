//! `on change` triggers on servers sharing a store (issue 72): servers
//! serving one folder each see a file dropped there, and one of them —
//! the leader — starts its run; once the leader is killed, another takes
//! the role within the lease's TTL.

use super::serve::Server;
use super::servers::{database, FAST};
use std::time::{Duration, Instant};

/// Notes each batch's files, with the session that ran it.
const WATCH: &str = r#"
workflow watch {
  on change "in/*.txt" { debounce 200ms  params { files = changed } }
  param files: list<string> = []
  step note: shell { run "echo ${join(files, ",")} >> NOTES" }
}
"#;

/// The runs of `watch` in the store, by their trigger.
fn runs(store: &wfc_store::Store) -> i64 {
    wfc_store::testing::one(
        store,
        "SELECT COUNT(*) FROM runs r JOIN run_triggers t ON t.run_id = r.id
          WHERE r.workflow = 'watch' AND t.trigger = 'change'",
        &[],
    )
    .unwrap()
    .int()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_server_starts_the_run_of_a_change_and_another_takes_over() {
    let Some(pg) = database() else { return };
    let flows = tempfile::tempdir().unwrap();
    std::fs::create_dir(flows.path().join("in")).unwrap();
    let notes = tempfile::tempdir().unwrap();
    let notes_file = notes.path().join("notes");
    let text = WATCH.replace("NOTES", notes_file.to_str().unwrap());
    std::fs::write(flows.path().join("watch.wf"), text).unwrap();
    let env = [("WFC_STORE", pg.url.as_str())];
    let start = || {
        Server::start_serving(
            tempfile::tempdir().unwrap(),
            &[],
            Some(flows.path()),
            &FAST,
            &env,
        )
    };
    let mut servers = vec![start(), start(), start()];
    let dir = tempfile::tempdir().unwrap();
    super::bind_store(&pg.url, dir.path());
    let store = wfc_store::Store::open(dir.path()).unwrap();
    let noted = || {
        std::fs::read_to_string(&notes_file)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    // (Every server watches by now: each logs its watch as it starts.)
    tokio::time::sleep(Duration::from_millis(800)).await;
    std::fs::write(flows.path().join("in/one.txt"), "1\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while noted().is_empty() {
        assert!(Instant::now() < deadline, "the change started no run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Three servers saw it; one ran it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(noted(), ["in/one.txt"]);
    assert_eq!(runs(&store), 1);
    let leader = wfc_store::testing::one(
        &store,
        "SELECT server FROM leaders WHERE role = 'changes'",
        &[],
    )
    .unwrap();
    let leader = leader.text().unwrap().to_owned();
    let mut by_leader = None;
    for (i, s) in servers.iter().enumerate() {
        let id = super::servers::servers(s).await["this"]
            .as_str()
            .unwrap()
            .to_owned();
        if id == leader {
            by_leader = Some(i);
        }
    }
    let i = by_leader.expect("the leader is one of the servers");

    // The leader dies: another takes the role (its lease expires, 1 s).
    servers[i].child.kill().unwrap();
    servers[i].child.wait().unwrap();
    servers.remove(i);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    std::fs::write(flows.path().join("in/two.txt"), "2\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while noted().len() < 2 {
        assert!(
            Instant::now() < deadline,
            "no server ran the change: {:?}",
            noted()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(noted(), ["in/one.txt", "in/two.txt"]);
    assert_eq!(runs(&store), 2);
}
