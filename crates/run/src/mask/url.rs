//! The forms a URL secret takes once a client or a server has handled it:
//! the URL as the HTTP client sends it (normalised: scheme and host in
//! lower case, `/../` resolved, spaces escaped, a default port and a
//! port's zeros dropped) and the parts a server says back (a 404 page's
//! `Cannot POST /T0/secret`, an error's `"path"`): its path, its path and
//! query, its query — each as given and as sent.

/// `s`'s forms when it is a URL with a host; none otherwise.
pub(super) fn forms(s: &str) -> Vec<String> {
    let given = s.trim();
    let Ok(url) = reqwest::Url::parse(given) else {
        return Vec::new();
    };
    if !url.has_host() || !matches!(url.scheme(), "http" | "https") {
        return Vec::new();
    }
    let whole = url.as_str().to_owned();
    let mut out = Vec::new();
    let path = url.path();
    out.push(path.to_owned());
    if let Some(q) = url.query() {
        out.push(format!("{path}?{q}"));
        out.push(q.to_owned());
    }
    // The path (and query) as written, before the client's resolution.
    if let Some(rest) = given.split_once("://").map(|(_, r)| r) {
        if let Some(at) = rest.find(['/', '\\', '?']) {
            let raw = rest[at..].split('#').next().unwrap_or_default();
            out.push(raw.to_owned());
            out.extend(raw.split_once('?').map(|(p, _)| p.to_owned()));
        }
    }
    // A short path (`/api`) says little of the secret and is ordinary
    // text elsewhere: the parts count from this many bytes.
    out.retain(|f| f.len() >= PART_LEN);
    out.insert(0, whole);
    out
}

/// The fewest bytes a path or query must have to be masked on its own.
const PART_LEN: usize = 8;

#[cfg(test)]
mod tests {
    use super::forms;

    #[test]
    fn a_url_gives_what_client_and_server_say_of_it() {
        let f = forms("HTTP://Hooks.Example.com:0080/T0/x/../Tok9?key=v w\n");
        for want in [
            "http://hooks.example.com/T0/Tok9?key=v%20w",
            "/T0/Tok9",
            "/T0/Tok9?key=v%20w",
            "key=v%20w",
            "/T0/x/../Tok9?key=v w",
            "/T0/x/../Tok9",
        ] {
            assert!(f.iter().any(|x| x == want), "{want} not in {f:?}");
        }
        assert!(forms("not a url").is_empty());
        assert!(forms("mailto:ops@example.com").is_empty());
        assert!(forms("postgres://u:p@db/app").is_empty());
        assert_eq!(
            forms("https://example.com/api"),
            ["https://example.com/api"]
        );
    }
}
