//! The run page of a live fan-out in Chromium (`browser/fanout.js`): the
//! collapsed group's counts move while the run goes, the page at the end
//! equals a fresh load of it, and a step's long output shows a screenful
//! with a link to the whole, which a session follows and a stranger
//! cannot. Behaviour only: how fast the page is, `scripts/bench-dashboard`
//! measures.

use super::browser::scenario;
use super::serve::Server;
use serde_json::json;

const FLOWS: &str = r#"
workflow fan {
  concurrency 8
  for each i in range(0, 200) parallel 8 {
    step work: shell { run "echo item ${i}; sleep 0.1" }
  }
}

workflow loud {
  step print: shell { run "for i in $(seq 1 20000); do echo \"line $i <b>&</b>\"; done" }
}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_live_fan_out_moves_its_counts_and_ends_as_a_fresh_load_shows_it() {
    let server = Server::start(&[("flows.wf", FLOWS)], &[]);
    let config = json!({
        "workflow": "fan", "group": "work", "loud": "loud", "loud_step": "print",
        "timeout_ms": 60000,
    });
    let Some(r) = scenario("fanout", &server, config) else {
        return;
    };
    // Counts seen strictly between none and all: they moved as it went.
    let seen: Vec<u64> = (r["succeeded_seen"].as_array().unwrap().iter())
        .map(|n| n.as_u64().unwrap_or(0))
        .collect();
    let between = seen.iter().filter(|&&n| n > 0 && n < 200).count();
    assert!(between >= 2, "the group's counts did not move: {seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&200), "{seen:?}");
    assert_eq!(
        r["live"], r["fresh"],
        "the page at the end is not a fresh load's"
    );
    assert_eq!(r["live"]["run"], "succeeded", "{}", r["live"]);
    assert_eq!(r["live"]["groups"]["work"]["counts"]["succeeded"], "200");

    let loud = &r["loud"];
    assert!(loud["shown_lines"].as_u64().unwrap() <= 40, "{loud}");
    assert_eq!(loud["shown_last"], "line 20000 <b>&</b>", "{loud}");
    assert_eq!(loud["markup"], 0, "step output became markup: {loud}");
    assert!(
        loud["cut"].as_str().unwrap().starts_with("19960 lines"),
        "{loud}"
    );
    assert!(loud["page_bytes"].as_u64().unwrap() < 64 << 10, "{loud}");
    assert_eq!(loud["rest_lines"], 20000, "{loud}");
    assert_eq!(loud["rest_first"], "line 1 <b>&</b>", "{loud}");
    assert!(
        loud["rest_type"]
            .as_str()
            .unwrap()
            .starts_with("text/plain"),
        "{loud}"
    );
    let anon = &loud["anonymous"];
    assert_eq!(anon["location"], "/login", "{loud}");
    assert!(!anon["body"].as_str().unwrap().contains("line 1"), "{loud}");
}
