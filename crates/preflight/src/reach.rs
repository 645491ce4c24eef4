//! `W0970`–`W0974`: what the steps reach answers, each asked once and for
//! at most [`WAIT`], all at once: the Docker engine of `docker` steps, the
//! databases of `sql` steps, the SMTP servers of `email` steps (through
//! the executors' own clients, [`wfc_run::exec::probe`]), and the host
//! names of `http` and `webhook` URLs (DNS). Only literal values are
//! checked: a database URL given as a secret param is not known here.

use crate::{literal, urls::url_fields, Options, Report};
use futures::future::join_all;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use wfc_language::diag::Diagnostic;
use wfc_language::ir::{Step, StepKind};
use wfc_language::span::Span;
use wfc_run::exec::probe;

/// The longest each probe waits.
pub const WAIT: Duration = Duration::from_secs(2);

/// What is asked: a probe per distinct target.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Docker,
    Database(String),
    Smtp(String),
    Host(String, u16),
}

type Probe = Pin<Box<dyn Future<Output = Result<(), String>>>>;

pub(crate) fn check(steps: &[&Step], opts: &Options, report: &mut Report) {
    // Every target, with the steps (and places) that need it.
    let mut targets: BTreeMap<Target, Vec<(&Step, Span)>> = BTreeMap::new();
    for step in steps {
        for (target, span) in needs(step) {
            targets.entry(target).or_default().push((step, span));
        }
    }
    if targets.is_empty() {
        return;
    }
    let base = opts.base.clone();
    let probes = targets.keys().map(|t| -> Probe {
        let t = t.clone();
        let base = base.clone();
        Box::pin(async move {
            let asked = async {
                match &t {
                    Target::Docker => probe::docker_engine().await,
                    Target::Database(url) => probe::database(url, base.as_deref()).await,
                    Target::Smtp(url) => probe::smtp(url).await,
                    Target::Host(host, port) => resolve(host, *port).await,
                }
            };
            match tokio::time::timeout(WAIT, asked).await {
                Ok(r) => r,
                Err(_) => Err(format!("no answer within {}s", WAIT.as_secs())),
            }
        })
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let results = match runtime {
        Ok(rt) => rt.block_on(join_all(probes)),
        Err(e) => {
            report.notes.push(format!("cannot reach out: {e}"));
            return;
        }
    };
    for ((target, users), result) in targets.iter().zip(results) {
        report.saw(describe(target), result.is_ok());
        if let Err(why) = result {
            for (step, span) in users {
                report.push(finding(target, step, *span, &why));
            }
        }
    }
}

/// What `step` reaches, each with the place that names it.
fn needs(step: &Step) -> Vec<(Target, Span)> {
    let mut out = Vec::new();
    match step.kind {
        StepKind::Docker => out.push((Target::Docker, step.kind_span)),
        StepKind::Sql => {
            if let Some((url, span)) = literal(step, "database") {
                out.push((Target::Database(url.to_owned()), span));
            }
        }
        StepKind::Email => {
            if let Some((url, span)) = literal(step, "smtp") {
                out.push((Target::Smtp(url.to_owned()), span));
            }
        }
        _ => {}
    }
    for field in url_fields(step.kind) {
        let Some((text, span)) = literal(step, field) else {
            continue;
        };
        let Ok(u) = url::Url::parse(text) else {
            continue;
        };
        // An address needs no name service.
        if let (Some(url::Host::Domain(host)), Some(port)) = (u.host(), u.port_or_known_default()) {
            out.push((Target::Host(host.to_owned(), port), span));
        }
    }
    out
}

async fn resolve(host: &str, port: u16) -> Result<(), String> {
    let mut addrs = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| e.to_string())?;
    match addrs.next() {
        Some(_) => Ok(()),
        None => Err(format!("`{host}` has no address")),
    }
}

fn describe(target: &Target) -> String {
    match target {
        Target::Docker => "the Docker engine".to_owned(),
        Target::Database(url) => format!("database {}", redact(url)),
        Target::Smtp(url) => format!("SMTP server {}", redact(url)),
        Target::Host(host, _) => format!("DNS name `{host}`"),
    }
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn finding(target: &Target, step: &Step, span: Span, why: &str) -> Diagnostic {
    let name = &step.name;
    match target {
        Target::Docker => Diagnostic::warning(
            "W0970",
            format!("step `{name}` needs a Docker engine, which does not answer: {why}"),
        )
        .primary(span, "a docker step")
        .help("start Docker (or a Podman API service: `systemctl start podman.socket`), or set DOCKER_HOST to its address"),
        Target::Database(url) if url.starts_with("sqlite:") => Diagnostic::warning(
            "W0971",
            format!("step `{name}`'s SQLite database does not open: {why}"),
        )
        .primary(span, "this database")
        .help("create the file, correct its path (relative to the folder the run runs in), or add `?mode=rwc` to let the step create it"),
        Target::Database(_) => Diagnostic::warning(
            "W0972",
            format!("step `{name}`'s database does not accept a connection: {why}"),
        )
        .primary(span, "this database")
        .help("start the server, or correct the host, port, user, password or database name in the URL"),
        Target::Smtp(_) => Diagnostic::warning(
            "W0973",
            format!("step `{name}`'s SMTP server does not answer: {why}"),
        )
        .primary(span, "this SMTP server")
        .help("start the server, or correct the host and port of `smtp` (smtp:// 25, smtp+starttls:// 587, smtps:// 465)"),
        // The resolver's reason goes in the label: it names the machine's
        // state (no DNS server, no such name), not the file's.
        Target::Host(host, _) => Diagnostic::warning(
            "W0974",
            format!("step `{name}`'s host `{host}` does not resolve"),
        )
        .primary(span, why)
        .help("correct the host name, or check the machine's DNS (/etc/resolv.conf)"),
    }
}
