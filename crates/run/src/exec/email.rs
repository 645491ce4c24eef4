//! The `email` executor: one plain-text message over SMTP (lettre).
//!
//! The `smtp` URL picks the transport security and the server:
//!
//! | scheme | security | default port |
//! | --- | --- | --- |
//! | `smtp://host[:port]` | none (plain text; for local relays and tests) | 25 |
//! | `smtp+starttls://host[:port]` | STARTTLS, required | 587 |
//! | `smtps://host[:port]` | TLS from the first byte | 465 |
//!
//! Credentials come from `username` / `password`, or else from the URL's user
//! info (`smtp://user:pass@host`, percent-decoded); with neither, no AUTH.
//! Server certificates are checked against the system's trust store (the
//! platform TLS library, as for `http` steps) plus
//! [`EmailSpec::extra_root_certs`]. The sender defaults to
//! `wfc <wfc@localhost>`. Output: `delivered` (true once the server accepted
//! the message). Errors name the server and what it said.

use super::{error_chain, Outcome, Status};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// The sender when none is given.
pub const DEFAULT_FROM: &str = "wfc <wfc@localhost>";

/// An evaluated `email` step.
#[derive(Clone, Debug, PartialEq)]
pub struct EmailSpec {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    /// `smtp://`, `smtp+starttls://` or `smtps://` URL.
    pub smtp: String,
    pub from: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Extra trusted root certificates (PEM), e.g. a company CA.
    pub extra_root_certs: Vec<Vec<u8>>,
}

impl EmailSpec {
    pub fn new(
        smtp: impl Into<String>,
        to: impl Into<String>,
        subject: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        EmailSpec {
            to: vec![to.into()],
            subject: subject.into(),
            body: body.into(),
            smtp: smtp.into(),
            from: None,
            username: None,
            password: None,
            extra_root_certs: Vec::new(),
        }
    }
}

pub(crate) async fn run(spec: &EmailSpec) -> Outcome {
    let mut outcome = match send(spec).await {
        Ok(()) => Outcome::new(Status::Succeeded),
        Err(e) => Outcome::failed(e),
    };
    outcome.output("delivered", outcome.status == Status::Succeeded);
    outcome
}

async fn send(spec: &EmailSpec) -> Result<(), String> {
    let (transport, server) = transport(spec)?;
    let from = spec.from.as_deref().unwrap_or(DEFAULT_FROM);
    let mut msg = Message::builder()
        .from(parse_mailbox(from, "from")?)
        .subject(spec.subject.clone())
        .header(ContentType::TEXT_PLAIN);
    if spec.to.is_empty() {
        return Err("the email has no recipient (`to`)".to_owned());
    }
    for to in &spec.to {
        msg = msg.to(parse_mailbox(to, "to")?);
    }
    let msg = msg
        .body(spec.body.clone())
        .map_err(|e| format!("cannot build the email: {e}"))?;
    transport.send(msg).await.map_err(|e| {
        format!(
            "sending the email through {server} failed: {}",
            error_chain(&e)
        )
    })?;
    Ok(())
}

fn parse_mailbox(s: &str, field: &str) -> Result<Mailbox, String> {
    s.parse()
        .map_err(|e| format!("`{s}` is not a valid `{field}` address: {e}"))
}

/// The transport for the spec's URL, and `host:port` for messages.
fn transport(spec: &EmailSpec) -> Result<(AsyncSmtpTransport<Tokio1Executor>, String), String> {
    let bad = |why: &str| format!("`smtp` URL `{}`: {why}", redact(&spec.smtp));
    let url = reqwest::Url::parse(&spec.smtp).map_err(|e| bad(&e.to_string()))?;
    let (default_port, tls) = match url.scheme() {
        "smtp" => (25, false),
        "smtp+starttls" => (587, true),
        "smtps" => (465, true),
        other => {
            return Err(bad(&format!(
                "unknown scheme `{other}`: use smtp://, smtp+starttls:// or smtps://"
            )))
        }
    };
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad("no host"))?
        .trim_matches(|c| c == '[' || c == ']')
        .to_owned();
    let port = url.port().unwrap_or(default_port);
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
        .port(port)
        .timeout(Some(Duration::from_secs(60)));
    if tls {
        let mut params = TlsParameters::builder(host.clone());
        for pem in &spec.extra_root_certs {
            let cert = Certificate::from_pem(pem)
                .map_err(|e| format!("an extra root certificate is not valid PEM: {e}"))?;
            params = params.add_root_certificate(cert);
        }
        let params = params
            .build_native()
            .map_err(|e| format!("cannot set up TLS for {host}: {e}"))?;
        builder = builder.tls(if url.scheme() == "smtps" {
            Tls::Wrapper(params)
        } else {
            Tls::Required(params)
        });
    }
    let decode = |s: &str| {
        percent_decode(s).ok_or_else(|| bad("the user info is not valid percent-encoded UTF-8"))
    };
    let user = match &spec.username {
        Some(u) => Some(u.clone()),
        None if !url.username().is_empty() => Some(decode(url.username())?),
        None => None,
    };
    let pass = match &spec.password {
        Some(p) => Some(p.clone()),
        None => url.password().map(decode).transpose()?,
    };
    if let Some(user) = user {
        builder = builder.credentials(Credentials::new(user, pass.unwrap_or_default()));
    }
    Ok((builder.build(), format!("{host}:{port}")))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether the server of `smtp` answers (a connection, `EHLO`, TLS as a
/// step asks it, `NOOP`), for `wfc doctor`; nothing is sent.
pub(super) async fn answers(smtp: &str) -> Result<(), String> {
    let (transport, server) = transport(&EmailSpec::new(smtp, "", "", ""))?;
    match transport.test_connection().await {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("the SMTP server at {server} did not answer NOOP")),
        Err(e) => Err(format!("cannot reach the SMTP server at {server}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let spec = |url: &str| EmailSpec::new(url, "a@b.c", "s", "b");
        assert_eq!(
            transport(&spec("smtp://localhost")).unwrap().1,
            "localhost:25"
        );
        assert_eq!(
            transport(&spec("smtp+starttls://mx.example.com"))
                .unwrap()
                .1,
            "mx.example.com:587"
        );
        assert_eq!(
            transport(&spec("smtps://u:p%40ss@mx:2465")).unwrap().1,
            "mx:2465"
        );
        let e = transport(&spec("imap://u:secret@mx")).err().unwrap();
        assert!(
            e.contains("unknown scheme `imap`") && !e.contains("secret"),
            "{e}"
        );
        assert_eq!(percent_decode("p%40ss").as_deref(), Some("p@ss"));
        assert_eq!(percent_decode("bad%4"), None);
    }
}
