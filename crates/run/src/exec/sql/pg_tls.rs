//! TLS to PostgreSQL as libpq reads a URL's `sslmode` and `sslrootcert`,
//! which `tokio-postgres` does not all know (it refuses `verify-ca`,
//! `verify-full` and `sslrootcert`): both are taken out of the URL here and
//! become the connector's settings.
//!
//! - `disable`: no TLS;
//! - `prefer` (the default) and `require`: TLS (when the server offers it,
//!   or always), the server's certificate not checked — libpq's meaning:
//!   encryption against eavesdropping, not against a server in the middle;
//! - `verify-ca`: the certificate must chain to a trusted root;
//! - `verify-full`: that, and name the host connected to.
//!
//! The trusted roots are the system's, or only those of the PEM file
//! `sslrootcert` names (`sslrootcert=system`: the system's).

use std::path::PathBuf;
use tokio_postgres::config::SslMode;

/// What a URL asks of TLS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tls {
    pub mode: Mode,
    /// `sslrootcert`: the PEM file of the only roots trusted.
    pub root: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

/// `url` without its `sslmode` and `sslrootcert`, and what they asked.
pub fn split(url: &str) -> Result<(String, Tls), String> {
    let mut tls = Tls {
        mode: Mode::Prefer,
        root: None,
    };
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), tls));
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        // (A path in a query is percent-encoded.)
        let value = crate::mask::percent_decode(value);
        match key {
            "sslmode" => {
                tls.mode = match value.as_str() {
                    "disable" => Mode::Disable,
                    // libpq's `allow` tries without TLS first; TLS when offered is as safe.
                    "allow" | "prefer" => Mode::Prefer,
                    "require" => Mode::Require,
                    "verify-ca" => Mode::VerifyCa,
                    "verify-full" => Mode::VerifyFull,
                    other => {
                        return Err(format!(
                            "sslmode `{other}` is not one of disable, allow, prefer, require, verify-ca, verify-full"
                        ))
                    }
                }
            }
            "sslrootcert" if value == "system" => tls.root = None,
            "sslrootcert" => tls.root = Some(PathBuf::from(value)),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, tls))
}

impl Tls {
    /// The `sslmode` tokio-postgres negotiates with.
    pub fn ssl_mode(&self) -> SslMode {
        match self.mode {
            Mode::Disable => SslMode::Disable,
            Mode::Prefer => SslMode::Prefer,
            Mode::Require | Mode::VerifyCa | Mode::VerifyFull => SslMode::Require,
        }
    }

    /// The connector for this mode and these roots.
    pub fn connector(&self) -> Result<postgres_native_tls::MakeTlsConnector, String> {
        let mut b = native_tls::TlsConnector::builder();
        let verify = matches!(self.mode, Mode::VerifyCa | Mode::VerifyFull);
        b.danger_accept_invalid_certs(!verify);
        b.danger_accept_invalid_hostnames(self.mode != Mode::VerifyFull);
        if let Some(path) = &self.root {
            let pem = std::fs::read(path)
                .map_err(|e| format!("cannot read sslrootcert {}: {e}", path.display()))?;
            let roots = native_tls::Certificate::stack_from_pem(&pem).map_err(|e| {
                format!(
                    "sslrootcert {} holds no PEM certificate: {e}",
                    path.display()
                )
            })?;
            b.disable_built_in_roots(true);
            for root in roots {
                b.add_root_certificate(root);
            }
        }
        let tls = b
            .build()
            .map_err(|e| format!("cannot set up TLS for PostgreSQL: {e}"))?;
        Ok(postgres_native_tls::MakeTlsConnector::new(tls))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_settings_leave_the_url_and_the_rest_stays() {
        let (url, tls) = split(
            "postgres://u:p@db:5432/x?application_name=etl&sslmode=verify-full&sslrootcert=%2Fetc%2Fca%20b.pem",
        )
        .unwrap();
        assert_eq!(url, "postgres://u:p@db:5432/x?application_name=etl");
        assert_eq!(tls.mode, Mode::VerifyFull);
        assert_eq!(tls.root, Some(PathBuf::from("/etc/ca b.pem")));
        let (url, tls) = split("postgres://db/x").unwrap();
        assert_eq!((url.as_str(), tls.mode), ("postgres://db/x", Mode::Prefer));
        let (url, tls) = split("postgres://db/x?sslmode=require&sslrootcert=system").unwrap();
        assert_eq!(
            (url.as_str(), tls.mode, tls.root),
            ("postgres://db/x", Mode::Require, None)
        );
        assert!(split("postgres://db/x?sslmode=strict")
            .unwrap_err()
            .contains("verify-full"));
    }
}
