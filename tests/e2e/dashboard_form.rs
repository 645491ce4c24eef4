//! The dashboard's start form and metrics page on the real `wfc serve`,
//! over real HTTP: the form's inputs follow the typed params, bad values
//! come back with the checker's codes next to their fields and start
//! nothing, a good one starts a run whose step writes the params; the
//! metrics' counts, flakiest steps and critical-path shares are read back
//! against runs that really ran.

use super::dashboard::{client, login, page, pair};
use super::serve::{post, Server};
use reqwest::header::{COOKIE, LOCATION};
use reqwest::StatusCode;
use serde_json::json;

const DEPLOY: &str = r#"
workflow deploy {
  ## Target environment.
  param env: string in ["staging", "prod"] = "staging"
  ## Version to release.
  param version: string
  ## Instances per region.
  param replicas: int in 1..20 = 3
  ## Regions to ship to.
  param regions: list<string> = ["eu-west", "us-east"]
  param min_coverage: float in 0.0..100.0 = 80.0
  param dry: bool = false
  ## The deploy API's token.
  secret token: string = "s3cr3t-default"
  step record: shell {
    run "echo '${env} ${version} ${replicas} ${min_coverage} ${dry}' > @DIR/params.txt"
  }
  for each region in regions {
    step ship: shell {
      run "echo '${region}' >> @DIR/regions.txt"
      depends on record
    }
  }
}
"#;

/// The `csrf` value a page's form carries.
fn csrf(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned()
}

/// The opening tag of the element with `id`.
fn tag<'a>(body: &'a str, id: &str) -> &'a str {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}: {body}"));
    let start = body[..at].rfind('<').unwrap();
    let end = at + body[at..].find('>').unwrap();
    &body[start..=end]
}

/// The id of the field of param `name`.
fn field_id(body: &str, name: &str) -> String {
    let at = body
        .find(&format!("name=\"p.{name}\" type=\"checkbox\""))
        .or_else(|| {
            body.match_indices(&format!("name=\"p.{name}\""))
                .map(|(i, _)| i)
                .find(|i| !body[..*i].ends_with("type=\"hidden\" "))
        })
        .unwrap_or_else(|| panic!("no field {name}: {body}"));
    let open = body[..at].rfind("id=\"").unwrap() + 4;
    body[open..].split('"').next().unwrap().to_owned()
}

async fn run_count(server: &Server) -> usize {
    server.runs().await.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_start_form_follows_the_params_and_starts_through_the_api_path() {
    let server = Server::start(&[("deploy.wf", DEPLOY)], &[]);
    let http = client();
    let ops = pair(&login(&http, &server, &server.operator).await);
    let (status, _, home) = page(&http, &server, "/", &ops).await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("href=\"/workflows/deploy/start\""), "{home}");

    let (status, _, form) = page(&http, &server, "/workflows/deploy/start", &ops).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    let input = |name: &str| tag(&form, &field_id(&form, name)).to_owned();
    let env = input("env");
    assert!(env.starts_with("<select"), "{env}");
    assert!(
        form.contains("<option selected>staging</option><option>prod</option>"),
        "{form}"
    );
    let version = input("version");
    assert!(
        version.contains("type=\"text\"") && version.contains(" required"),
        "{version}"
    );
    let replicas = input("replicas");
    for attr in [
        "type=\"number\"",
        "min=\"1\"",
        "max=\"20\"",
        "step=\"1\"",
        "value=\"3\"",
    ] {
        assert!(replicas.contains(attr), "{attr}: {replicas}");
    }
    assert!(
        !replicas.contains("required"),
        "it has a default: {replicas}"
    );
    let coverage = input("min_coverage");
    assert!(
        coverage.contains("step=\"any\"") && coverage.contains("max=\"100.0\""),
        "{coverage}"
    );
    let regions = input("regions");
    assert!(regions.starts_with("<textarea"), "{regions}");
    assert!(
        form.contains("JSON (list&lt;string&gt;)"),
        "the type in its hint: {form}"
    );
    assert!(
        form.contains("[&quot;eu-west&quot;,&quot;us-east&quot;]"),
        "{form}"
    );
    let dry = input("dry");
    assert!(
        dry.contains("type=\"checkbox\"") && !dry.contains("checked"),
        "{dry}"
    );
    assert!(
        form.contains("type=\"hidden\" name=\"p.dry\" value=\"false\""),
        "{form}"
    );
    let token = input("token");
    assert!(
        token.contains("type=\"password\"") && token.contains("autocomplete=\"off\""),
        "{token}"
    );
    assert!(
        !form.contains("s3cr3t-default"),
        "a secret's default shown: {form}"
    );
    // Every field has its label and its doc comment as its description.
    let rid = field_id(&form, "replicas");
    assert!(form.contains(&format!("<label for=\"{rid}\">")), "{form}");
    assert!(
        replicas.contains(&format!("aria-describedby=\"{rid}-doc\"")),
        "{replicas}"
    );
    assert!(
        form.contains(&format!("id=\"{rid}-doc\">Instances per region.")),
        "{form}"
    );

    let submit = |fields: Vec<(&str, &str)>, cookie: String| {
        let http = http.clone();
        let url = format!("{}/workflows/deploy/start", server.base);
        let fields: Vec<(String, String)> = fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        async move {
            let r = http
                .post(url)
                .header(COOKIE, cookie)
                .form(&fields)
                .send()
                .await
                .unwrap();
            let location = r
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_owned());
            (r.status(), location, r.text().await.unwrap())
        }
    };
    let token = csrf(&form);
    let before = run_count(&server).await;

    // Out of range and not a number: the binding's codes, next to the fields.
    let (status, _, again) = submit(
        vec![
            ("csrf", &token),
            ("p.version", "1.4.2"),
            ("p.replicas", "99"),
            ("p.min_coverage", "lots"),
            ("p.token", "typed-secret-value"),
        ],
        ops.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{again}");
    let rid = field_id(&again, "replicas");
    let cid = field_id(&again, "min_coverage");
    let replicas = tag(&again, &rid);
    assert!(
        replicas.contains("aria-invalid=\"true\"") && replicas.contains(&format!("{rid}-err")),
        "{replicas}"
    );
    assert!(
        replicas.contains("value=\"99\""),
        "the typed value is kept: {replicas}"
    );
    let err = &again[again.find(&format!("id=\"{rid}-err\"")).unwrap()..];
    assert!(
        err.contains("E0404") && err.contains("param `replicas` does not allow 99"),
        "{err}"
    );
    let err = &again[again.find(&format!("id=\"{cid}-err\"")).unwrap()..];
    assert!(
        err.contains("E0403") && err.contains("not a number"),
        "{err}"
    );
    assert!(
        again.contains("role=\"alert\"") && again.contains("API088"),
        "{again}"
    );
    assert!(
        again.contains(&format!("href=\"#{rid}\"")),
        "the summary links the field: {again}"
    );
    assert!(
        !again.contains("typed-secret-value"),
        "a secret echoed: {again}"
    );
    // A list that is not JSON is refused here, with the same code.
    let (status, _, bad_list) = submit(
        vec![
            ("csrf", &token),
            ("p.version", "1"),
            ("p.regions", "[eu-west"),
        ],
        ops.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let gid = field_id(&bad_list, "regions");
    let err = &bad_list[bad_list.find(&format!("id=\"{gid}-err\"")).unwrap()..];
    assert!(
        err.contains("E0403") && err.contains("invalid JSON"),
        "{err}"
    );
    assert_eq!(
        run_count(&server).await,
        before,
        "a refused form started a run"
    );

    // A read session sees no link and may not start; no CSRF token, no run.
    let reader = pair(&login(&http, &server, &server.reader).await);
    let (_, _, home) = page(&http, &server, "/", &reader).await;
    assert!(!home.contains("/workflows/deploy/start"), "{home}");
    let (status, _, body) = page(&http, &server, "/workflows/deploy/start", &reader).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("API002"), "{body}");
    let (_, _, reader_home) = page(&http, &server, "/runs", &reader).await;
    let (status, _, body) = submit(
        vec![("csrf", &csrf(&reader_home)), ("p.version", "1")],
        reader.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("API002"));
    let (status, _, body) = submit(vec![("p.version", "1")], ops.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("API081"), "{body}");
    assert_eq!(
        run_count(&server).await,
        before,
        "a refused form started a run"
    );

    // A good form: 303 to the run, which does the work with these values.
    let (status, location, _) = submit(
        vec![
            ("csrf", &token),
            ("p.env", "prod"),
            ("p.version", "1.4.2"),
            ("p.replicas", "7"),
            ("p.regions", "[\"ap-south\"]"),
            ("p.min_coverage", ""),
            ("p.dry", "false"),
            ("p.dry", "true"),
            ("p.token", ""),
        ],
        ops.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    let id = location.strip_prefix("/runs/").unwrap();
    let run = server.finished(&http, id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["trigger"], "api", "{run}");
    let written = std::fs::read_to_string(server.path("params.txt")).unwrap();
    assert_eq!(written.trim(), "prod 1.4.2 7 80.0 true");
    let regions = std::fs::read_to_string(server.path("regions.txt")).unwrap();
    assert_eq!(regions.trim(), "ap-south");
    assert_eq!(run_count(&server).await, before + 1);
}

const METRICS: &str = r#"
workflow diamond {
  step top: shell { run "true" }
  step long: shell {
    run "sleep 0.3"
    depends on top
  }
  step short: shell {
    run "true"
    depends on top
  }
  step bottom: shell {
    run "true"
    depends on long, short
  }
}

workflow flaky {
  step wobbly: shell {
    run "if [ -f @DIR/once ]; then exit 0; fi; touch @DIR/once; exit 1"
    retry 2 backoff 10ms
  }
}

workflow boom {
  step fail: shell { run "exit 3" }
}

workflow regions {
  param names: list<string> = ["<script>alert(1)</script>"]
  for each name in names {
    step say: shell { run "true" }
  }
}
"#;

/// The page's section of workflow `name`.
fn section<'a>(body: &'a str, name: &str) -> &'a str {
    let at = body
        .find(&format!("\">{name}</h2>"))
        .unwrap_or_else(|| panic!("no section {name}: {body}"));
    let end = at + body[at..].find("</section>").unwrap();
    &body[at..end]
}

/// A `time` param gets a date-and-time field read as UTC; what is not a
/// time comes back with E0403, and a good one reaches the step as RFC 3339.
#[tokio::test(flavor = "multi_thread")]
async fn a_time_param_gets_a_date_and_time_field_in_utc() {
    const AT: &str = r#"
workflow release {
  ## When the release window opens.
  param at: time
  step record: shell { run "echo '${at} ${format_time(at, "%H:%M", "Europe/Berlin")}' > @DIR/at.txt" }
}
"#;
    let server = Server::start(&[("release.wf", AT)], &[]);
    let http = client();
    let ops = pair(&login(&http, &server, &server.operator).await);
    let (status, _, form) = page(&http, &server, "/workflows/release/start", &ops).await;
    assert_eq!(status, StatusCode::OK, "{form}");
    let at = tag(&form, &field_id(&form, "at")).to_owned();
    assert!(
        at.contains("type=\"datetime-local\"")
            && at.contains("step=\"1\"")
            && at.contains(" required"),
        "{at}"
    );
    assert!(
        form.contains("When the release window opens. · in UTC"),
        "{form}"
    );
    let submit = |value: &'static str| {
        let (http, ops) = (http.clone(), ops.clone());
        let url = format!("{}/workflows/release/start", server.base);
        let token = csrf(&form);
        async move {
            let r = http
                .post(url)
                .header(COOKIE, ops)
                .form(&[("csrf", token.as_str()), ("p.at", value)])
                .send()
                .await
                .unwrap();
            let location = r
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_owned());
            (r.status(), location, r.text().await.unwrap())
        }
    };
    let (status, _, again) = submit("soon").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{again}");
    assert!(
        again.contains("E0403") && again.contains("RFC 3339"),
        "{again}"
    );
    assert_eq!(run_count(&server).await, 0, "a refused form started a run");

    let (status, location, _) = submit("2026-05-01T09:30").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let id = location.unwrap().strip_prefix("/runs/").unwrap().to_owned();
    let run = server.finished(&http, &id).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    let written = std::fs::read_to_string(server.path("at.txt")).unwrap();
    assert_eq!(written.trim(), "2026-05-01T09:30:00Z 11:30");
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_runs_and_find_the_flaky_step_and_the_critical_path() {
    let server = Server::start(&[("flows.wf", METRICS)], &[]);
    let http = client();
    let reader = pair(&login(&http, &server, &server.reader).await);
    let (status, _, empty) = page(&http, &server, "/metrics", &reader).await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert!(
        empty.contains("No run started in the last 30 days"),
        "{empty}"
    );

    for (name, expect) in [
        ("diamond", "succeeded"),
        ("diamond", "succeeded"),
        ("flaky", "succeeded"),
        ("boom", "failed"),
        ("regions", "succeeded"),
    ] {
        let url = server.url(&format!("/workflows/{name}/runs?wait=20s"));
        let (status, run) = post(&http, &url, &server.operator, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{run}");
        assert_eq!(run["status"], expect, "{name}: {run}");
    }

    let (status, _, body) = page(&http, &server, "/metrics?days=7", &reader).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.contains("href=\"/metrics\" aria-current=\"page\""),
        "the nav item: {body}"
    );
    let diamond = section(&body, "diamond");
    assert!(diamond.contains("<dt>Runs</dt><dd>2</dd>"), "{diamond}");
    assert!(
        diamond.contains("<dt>Success rate</dt><dd>100%</dd>"),
        "{diamond}"
    );
    let critical = &diamond[diamond.find("class=\"critical\"").unwrap()..];
    assert!(
        critical.contains("<code>long</code></td><td>100%</td><td>2</td>"),
        "{critical}"
    );
    assert!(
        critical.contains("<code>short</code></td><td>0%</td><td>0</td>"),
        "{critical}"
    );
    assert!(
        critical.contains("<code>top</code></td><td>100%</td>"),
        "{critical}"
    );
    assert!(
        diamond.contains("role=\"img\"") && diamond.contains("<title id="),
        "{diamond}"
    );
    assert!(
        diamond.contains("<details>") && diamond.contains("<td>2</td><td>100%</td>"),
        "{diamond}"
    );

    let boom = section(&body, "boom");
    assert!(
        boom.contains("<dt>Success rate</dt><dd>0%</dd>")
            && boom.contains("<dt>Failed</dt><dd>1</dd>"),
        "{boom}"
    );
    let flaky = section(&body, "flaky");
    let flakiest = &flaky[flaky.find("class=\"flakiest\"").unwrap()..];
    assert!(
        flakiest.contains("<code>wobbly</code></td><td>1</td><td>1</td><td>0%</td>"),
        "{flakiest}"
    );
    assert!(flaky.contains("<dt>Retries</dt><dd>1</dd>"), "{flaky}");

    // Names are text, never markup.
    assert!(!body.contains("<script>alert"), "{body}");
    assert!(body.contains("&lt;script&gt;alert(1)"), "{body}");

    let (status, _, bad) = page(&http, &server, "/metrics?days=soon", &reader).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad.contains("API089"), "{bad}");
}
