//! Incremental runs on the dashboard in Chromium (`browser/incremental.js`):
//! an up-to-date step's row, timeline and drawer (with why), "What changed
//! since the last run" collapsed then opened with the workflow's markup
//! shown as text (no script of it runs: the probe stays at 0), and the
//! re-run form's force checkbox; axe-core finds no serious or critical
//! violation at 1440 and 390 px.

use super::browser::scenario;
use super::dashboard_incremental::{three_runs, INC};
use super::serve::Server;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn up_to_date_steps_and_what_changed_in_the_browser() {
    let server = Server::start(&[("inc.wf", INC)], &[]);
    let [first, second, third] = three_runs(&server).await;
    let config = json!({"first": first, "second": second, "third": third});
    let Some(r) = scenario("incremental", &server, config) else {
        return;
    };
    assert_eq!(r["xss"], 0, "{r}");
    let outline = |page: &Value| {
        page["outline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    };
    insta::assert_snapshot!("browser_up_to_date_run", outline(&r["up_to_date"]));
    insta::assert_snapshot!("browser_run_changes", outline(&r["changes"]));
    // The forced run ran `build`.
    let id = r["forced"].as_str().unwrap();
    let detail = server.finished(&reqwest::Client::new(), id).await;
    assert_eq!(detail["step_list"][0]["attempts"], 1, "{detail:#}");
    assert_eq!(detail["status"], "succeeded", "{detail:#}");
}
