//! Where the run store is (`--store`, `$WFC_STORE`; issue 71): a state
//! folder, whose `runs.db` is SQLite (the default, as `--state-dir`), or a
//! PostgreSQL URL (`postgres://` or `postgresql://`, libpq's URI form).
//!
//! A URL's password never leaves this module as text: [`PgUrl::shown`] is
//! the URL without it (what logs, errors and `wfc` print), and the
//! password is looked up as libpq users expect ([`PgUrl::password`]): the
//! URL, `PGPASSWORD`, then the password file (`passfile=` in the URL,
//! `PGPASSFILE`, `~/.pgpass`). A password on the command line is refused:
//! `ps` shows every process's arguments.

use std::path::{Path, PathBuf};

/// The environment variable that names the store (the flag is `--store`).
pub const ENV_STORE: &str = "WFC_STORE";

/// The code of [`LocationError::Invalid`] (docs/diagnostics.md).
pub const BAD_LOCATION: &str = "E0603";
/// The code of [`LocationError::PasswordInArgs`].
pub const PASSWORD_IN_ARGS: &str = "E0604";

/// Where a store is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A state folder; its `runs.db` is the SQLite store.
    Folder(PathBuf),
    /// A PostgreSQL database.
    Postgres(PgUrl),
}

/// Why a store location is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocationError {
    #[error("{BAD_LOCATION}: the store `{shown}` cannot be used: {why}")]
    Invalid { shown: String, why: String },
    #[error(
        "{PASSWORD_IN_ARGS}: the store URL `{shown}` carries a password on the command line, \
         where `ps` shows it to every user of the machine; give the URL in ${ENV_STORE} \
         instead, or the password in PGPASSWORD or ~/.pgpass (host:port:database:user:password, \
         mode 0600)"
    )]
    PasswordInArgs { shown: String },
}

impl Location {
    /// The location `text` names; `from_args`: it came from the command
    /// line (a password in it is refused).
    pub fn parse(text: &str, from_args: bool) -> Result<Location, LocationError> {
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            let url = PgUrl::parse(text)?;
            if from_args && url.password.is_some() {
                return Err(LocationError::PasswordInArgs { shown: url.shown() });
            }
            return Ok(Location::Postgres(url));
        }
        if let Some(dir) = text.strip_prefix("sqlite:") {
            return Ok(Location::Folder(PathBuf::from(dir)));
        }
        let scheme = text.split_once("://").map(|(s, _)| s);
        if let Some(scheme) = scheme.filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric())) {
            return Err(LocationError::Invalid {
                shown: scheme.to_owned() + "://…",
                why: format!(
                    "`{scheme}` is no store wfc knows; give a state folder, `sqlite:DIR` or a \
                     `postgres://` URL"
                ),
            });
        }
        Ok(Location::Folder(PathBuf::from(text)))
    }

    /// The location as logs and errors show it (no password).
    pub fn shown(&self) -> String {
        match self {
            Location::Folder(dir) => dir.display().to_string(),
            Location::Postgres(url) => url.shown(),
        }
    }
}

/// A PostgreSQL URL, its password kept apart.
#[derive(Clone, PartialEq, Eq)]
pub struct PgUrl {
    /// The URL without its password (and without a `password=` parameter).
    url: url::Url,
    /// The password the URL gave, if any.
    password: Option<String>,
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown())
    }
}

impl PgUrl {
    fn parse(text: &str) -> Result<PgUrl, LocationError> {
        let invalid = |why: String| LocationError::Invalid {
            shown: redact_text(text),
            why,
        };
        let text = &hosts_to_params(text);
        let mut url = url::Url::parse(text).map_err(|e| invalid(format!("not a URL: {e}")))?;
        let mut password = url
            .password()
            .map(|p| decode(p).map_err(&invalid))
            .transpose()?;
        if password.is_some() {
            url.set_password(None)
                .map_err(|()| invalid("it has no host".into()))?;
        }
        let mut kept = Vec::new();
        for (k, v) in url.query_pairs() {
            match k.as_ref() {
                "password" => password = Some(v.into_owned()),
                _ => kept.push((k.into_owned(), v.into_owned())),
            }
        }
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        Ok(PgUrl { url, password })
    }

    /// The URL as logs, errors and `wfc` show it: no password.
    pub fn shown(&self) -> String {
        self.url.to_string()
    }

    /// The user name: the URL's, else `$PGUSER`, else the login's.
    pub fn user(&self, env: &dyn Fn(&str) -> Option<String>) -> String {
        match self.url.username() {
            "" => env("PGUSER")
                .or_else(|| env("USER"))
                .unwrap_or_else(|| "postgres".into()),
            u => decode(u).unwrap_or_else(|_| u.to_owned()),
        }
    }

    /// The (first) host (`localhost` when the URL names none, as libpq's
    /// socket).
    pub fn host(&self) -> String {
        self.hosts()
            .into_iter()
            .next()
            .map_or_else(|| "localhost".into(), |h| h.0)
    }

    pub fn port(&self) -> u16 {
        self.hosts().first().map_or(5432, |h| h.1)
    }

    /// Every host the URL names, with its port, in order: libpq's
    /// `host=a,b&port=1,2` (or one port for all), or the URL's own host;
    /// a URL with several hosts (`postgres://a:1,b:2/db`) is read as
    /// those parameters. A connection tries them in turn
    /// (`target_session_attrs=read-write` skips a standby).
    pub fn hosts(&self) -> Vec<(String, u16)> {
        let names: Vec<String> = match self.param("host") {
            Some(list) => list.split(',').map(|h| h.trim().to_owned()).collect(),
            None => vec![match self.url.host_str() {
                None | Some("") => "localhost".into(),
                Some(h) => h.to_owned(),
            }],
        };
        let ports: Vec<u16> = match self.param("port") {
            Some(list) => list
                .split(',')
                .map(|p| p.trim().parse().unwrap_or(5432))
                .collect(),
            None => vec![self.url.port().unwrap_or(5432)],
        };
        names
            .into_iter()
            .enumerate()
            .map(|(i, h)| {
                let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
                (if h.is_empty() { "localhost".into() } else { h }, port)
            })
            .collect()
    }

    /// The database: the URL's path, else the user's name.
    pub fn dbname(&self, env: &dyn Fn(&str) -> Option<String>) -> String {
        match self.url.path().trim_start_matches('/') {
            "" => self.user(env),
            db => decode(db).unwrap_or_else(|_| db.to_owned()),
        }
    }

    /// A parameter of the URL's query (`sslmode`, `passfile`, …).
    pub fn param(&self, name: &str) -> Option<String> {
        self.url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The password, as libpq finds it: the URL's, `PGPASSWORD`, else the
    /// first matching line of the password file (`passfile=`,
    /// `PGPASSFILE`, `HOME/.pgpass`), which is skipped with a warning when
    /// others may read it.
    pub fn password(&self, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        if let Some(p) = &self.password {
            return Some(p.clone());
        }
        if let Some(p) = env("PGPASSWORD") {
            return Some(p);
        }
        let file = self
            .param("passfile")
            .or_else(|| env("PGPASSFILE"))
            .map(PathBuf::from)
            .or_else(|| env("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
        let text = read_private(&file)?;
        let port = self.port().to_string();
        let want = [self.host(), port, self.dbname(env), self.user(env)];
        pgpass_lookup(&text, &want)
    }
}

/// `text` with a list of hosts in its authority (`postgres://u@a:1,b:2/db`,
/// which no URL parser reads) moved into libpq's `host` and `port`
/// parameters; any other text as it is.
fn hosts_to_params(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_owned();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (user, list) = match authority.rsplit_once('@') {
        Some((u, l)) => (format!("{u}@"), l),
        None => (String::new(), authority),
    };
    if !list.contains(',') {
        return text.to_owned();
    }
    let (mut hosts, mut ports) = (Vec::new(), Vec::new());
    for h in list.split(',') {
        let (name, port) = match h.rsplit_once(':') {
            Some((n, p)) if !n.ends_with(']') || h.starts_with('[') => (n, p),
            _ => (h, "5432"),
        };
        hosts.push(name.trim_matches(['[', ']']));
        ports.push(port);
    }
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    let path = if path.is_empty() { "/" } else { path };
    let joined = |v: &[&str]| v.join(",");
    let mut q = format!("host={}&port={}", joined(&hosts), joined(&ports));
    if !query.is_empty() {
        q = format!("{q}&{query}");
    }
    // (The first host stays the URL's own: what it shows.)
    let first = list.split(',').next().unwrap_or("");
    format!("{scheme}://{user}{first}{path}?{q}")
}

/// The password file's text, if it exists and only its owner may read it.
fn read_private(file: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt as _;
    let meta = std::fs::metadata(file).ok()?;
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            "password file {} has group or world access; permissions should be u=rw (0600) or less: it is not read",
            file.display()
        );
        return None;
    }
    std::fs::read_to_string(file).ok()
}

/// The password of the first line of a `.pgpass` text that matches `want`
/// (host, port, database, user): `*` matches anything, `\` escapes `:`
/// and `\`, `#` starts a comment line.
fn pgpass_lookup(text: &str, want: &[String; 4]) -> Option<String> {
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields = split_escaped(line);
        if fields.len() != 5 {
            continue;
        }
        let matches = fields[..4].iter().zip(want).all(|(f, w)| {
            f == "*" || f == w || (w == "localhost" && f.starts_with('/')) // a socket path
        });
        if matches {
            return Some(fields[4].clone());
        }
    }
    None
}

/// A `.pgpass` line's fields, split at unescaped `:`.
fn split_escaped(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(n), Some(f)) = (chars.next(), fields.last_mut()) {
                    f.push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

/// A URL part, percent-decoded.
fn decode(s: &str) -> Result<String, String> {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| "a part of the URL cannot be decoded".to_owned())
}

/// Text that did not parse as a URL, shown without what may be a password
/// (whatever lies between `:` and `@` after the scheme).
fn redact_text(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_owned();
    };
    // A query may say `password=`: not shown at all.
    let rest = rest.split('?').next().unwrap_or(rest);
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => format!("{scheme}://{rest}"),
    }
}

#[cfg(test)]
mod tests;
