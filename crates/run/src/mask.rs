//! Secret masking: every secret value becomes `***` in text wfc writes.
//!
//! A [`Masker`] is built once per run from the secret values (params declared
//! `secret` and values derived from them). Besides each exact value it masks
//! forms a secret commonly takes on its way to the terminal — derived forms are
//! only registered when at least [`MIN_DERIVED_LEN`] bytes long, so that a short
//! fragment does not blank out ordinary text:
//!
//! - the value without surrounding whitespace (a secret read from a file with
//!   its trailing newline);
//! - each line of a multi-line value (a private key printed line by line);
//! - its single-quoted shell form (`'\''` for each `'`), as it appears in a
//!   rendered command line;
//! - its JSON string forms (`json`): escaped quotes, backslashes and
//!   control characters; non-ASCII characters as is or as `\uXXXX` (in
//!   either case of hex digit, a non-BMP one as a surrogate pair); `/` as is
//!   or as `\/`; and each of these escaped once more (JSON in a JSON string);
//! - its base64 forms (`b64`): what stays the same in the encoding of
//!   any text holding the secret, whatever comes before it (`user:`,
//!   `Bearer `), in the standard and the URL-safe alphabet; and for a URL
//!   with a user and password, the base64 of `user:password` that basic
//!   authentication sends;
//! - for a URL (`url`): the URL as the HTTP client sends it, and its path
//!   and query as given and as sent, which a server's error page says back.
//!
//! Matching is on bytes, and sees through the encodings a URL or a form
//! gives a value: a `%XY` escape in the text matches the byte it stands for
//! (in either case of hex digit), a `+` matches a space, and letters match
//! in either ASCII case (a URL's host is lower-cased). So `Sec%20ret`,
//! `sec+ret` and `SEC%20RET` are all masked for the secret `Sec ret`, however
//! much or little of it an encoder escaped, without one pattern per encoding.
//! Masking more than exact text is the safe side: a secret's case variants
//! are masked too.
//!
//! Every occurrence of every pattern is found, overlapping ones included;
//! covered byte ranges are merged and each merged run becomes one `***`, so
//! two overlapping secrets never leave a fragment of either visible.
//!
//! [`StreamMasker`] masks output that arrives in chunks (a process's stdout): a
//! secret split across two chunks is still masked. It holds back at most
//! `max_len - 1` bytes (the longest text a pattern can match, minus one), and
//! releases everything up to the last newline at once when no pattern
//! contains a newline, so line-by-line output is not delayed.

mod b64;
mod json;
mod url;

use std::sync::Arc;

use wfc_contract::MASK;

/// Derived forms shorter than this are not masked (exact values always are).
pub const MIN_DERIVED_LEN: usize = 4;

/// Masks a fixed set of secret values; cheap to clone (shared patterns).
#[derive(Clone, Debug, Default)]
pub struct Masker {
    inner: Arc<Patterns>,
}

#[derive(Debug, Default)]
struct Patterns {
    /// Longest first, deduplicated, none empty.
    patterns: Vec<Vec<u8>>,
    /// `by_first[b]`: the patterns whose first byte is `b` in lower case
    /// (indices, longest first): the only ones a text byte `b` (in either
    /// case, or escaped as `%XY`) can start.
    by_first: Vec<Vec<u32>>,
    /// `first[b]`: a match may start at a text byte `b` (the quick test
    /// made at every byte).
    first: Vec<bool>,
    /// Bit `lower(a) << 8 | lower(b)`: some pattern starts with the bytes
    /// `a b`, or has one byte only and starts with `a` — the second quick
    /// test, which rejects most letters that begin no secret's spelling.
    pairs: Vec<u64>,
    /// The longest text a pattern can match: each byte written `%XY`.
    max_len: usize,
    has_newline: bool,
}

impl Masker {
    /// A masker for these secret values (empty values are ignored).
    pub fn new<I, S>(secrets: I) -> Masker
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        for s in secrets {
            let s = s.as_ref();
            if s.is_empty() {
                continue;
            }
            patterns.push(s.as_bytes().to_vec());
            for d in derived_forms(s) {
                if d.len() >= MIN_DERIVED_LEN {
                    patterns.push(d.into_bytes());
                }
            }
        }
        patterns.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        patterns.dedup();
        let mut by_first = vec![Vec::new(); 256];
        for (i, p) in patterns.iter().enumerate() {
            let i = u32::try_from(i).expect("fewer than 2^32 patterns");
            by_first[p[0].to_ascii_lowercase() as usize].push(i);
        }
        let first = (0..=255u8)
            .map(|b| {
                let starts = |c: u8| !by_first[c.to_ascii_lowercase() as usize].is_empty();
                starts(b) || (b == b'%' && !patterns.is_empty()) || (b == b'+' && starts(b' '))
            })
            .collect();
        let mut pairs = vec![0u64; 65536 / 64];
        for p in &patterns {
            let a = usize::from(p[0].to_ascii_lowercase()) << 8;
            let bs = match p.get(1) {
                Some(b) => vec![b.to_ascii_lowercase()],
                None => (0..=255).collect(),
            };
            for b in bs {
                let bit = a | usize::from(b);
                pairs[bit / 64] |= 1 << (bit % 64);
            }
        }
        Masker {
            inner: Arc::new(Patterns {
                pairs,
                max_len: patterns.first().map_or(0, |p| 3 * p.len()),
                has_newline: patterns.iter().any(|p| p.contains(&b'\n')),
                patterns,
                by_first,
                first,
            }),
        }
    }

    /// True when there is nothing to mask.
    pub fn is_empty(&self) -> bool {
        self.inner.patterns.is_empty()
    }

    /// The length in bytes of the longest text a pattern can match.
    pub fn max_len(&self) -> usize {
        self.inner.max_len
    }

    /// `text` with every secret replaced by `***`.
    pub fn mask(&self, text: &str) -> String {
        if self.is_empty() {
            return text.to_owned();
        }
        let out = self.mask_bytes(text.as_bytes());
        // Matches start and end on character boundaries: a pattern is
        // valid UTF-8, and an escape stands for one byte of it.
        String::from_utf8(out).expect("masking keeps UTF-8 valid")
    }

    /// Whether `text` holds a secret (in any form [`Masker::mask`] masks).
    pub fn finds(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        !self.is_empty() && (0..bytes.len()).any(|i| self.match_end(bytes, i).is_some())
    }

    /// `bytes` with every secret replaced by `***`.
    pub fn mask_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let ranges = self.covered(bytes);
        let mut out = Vec::with_capacity(bytes.len());
        let mut pos = 0;
        for (start, end) in ranges {
            out.extend_from_slice(&bytes[pos..start]);
            out.extend_from_slice(MASK.as_bytes());
            pos = end;
        }
        out.extend_from_slice(&bytes[pos..]);
        out
    }

    /// A masker for a stream of chunks.
    pub fn stream(&self) -> StreamMasker {
        StreamMasker {
            masker: self.clone(),
            pending: Vec::new(),
            masked_prefix: 0,
            tail_masked: false,
        }
    }

    /// Merged, sorted byte ranges covered by some occurrence of some pattern.
    fn covered(&self, bytes: &[u8]) -> Vec<(usize, usize)> {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for i in 0..bytes.len() {
            if let Some(end) = self.match_end(bytes, i) {
                match ranges.last_mut() {
                    Some(last) if i <= last.1 => last.1 = last.1.max(end),
                    _ => ranges.push((i, end)),
                }
            }
        }
        ranges
    }

    /// The end of the longest match starting at `i`, if any.
    #[inline]
    fn match_end(&self, bytes: &[u8], i: usize) -> Option<usize> {
        let p = &*self.inner;
        let b = bytes[i];
        if !p.first[b as usize] {
            return None;
        }
        // `%XY` or `+` in the first two bytes may stand for other bytes.
        match bytes.get(i + 1) {
            Some(&c) if !matches!(b, b'%' | b'+') && !matches!(c, b'%' | b'+') => {
                let bit =
                    usize::from(b.to_ascii_lowercase()) << 8 | usize::from(c.to_ascii_lowercase());
                if p.pairs[bit / 64] & (1 << (bit % 64)) == 0 {
                    return None;
                }
            }
            _ => {}
        }
        // (An escaped shorter pattern may reach further than a longer one.)
        let mut end = None;
        let mut try_from = |key: u8| {
            for &k in &p.by_first[key.to_ascii_lowercase() as usize] {
                end = end.max(match_at(&p.patterns[k as usize], bytes, i));
            }
        };
        try_from(b);
        match b {
            b'%' => match escaped(bytes, i) {
                Some(d) if !d.eq_ignore_ascii_case(&b'%') => try_from(d),
                _ => {}
            },
            b'+' => try_from(b' '),
            _ => {}
        }
        end
    }
}

/// The byte a `%XY` escape at `text[i..]` stands for.
#[inline]
fn escaped(text: &[u8], i: usize) -> Option<u8> {
    let hex = |k: usize| text.get(k).and_then(|&c| (c as char).to_digit(16));
    Some((hex(i + 1)? << 4 | hex(i + 2)?) as u8)
}

/// Where the longest match of `pat` at `text[i..]` ends: each pattern byte
/// is matched by itself in either ASCII case, by a `%XY` escape of it, or
/// (a space) by `+`.
fn match_at(pat: &[u8], text: &[u8], i: usize) -> Option<usize> {
    if pat.contains(&b'%') {
        return match_with_percent(pat, text, i);
    }
    // Without a `%` in the pattern each text byte has one reading: a `%`
    // can only be an escape.
    let mut j = i;
    for &want in pat {
        let got = *text.get(j)?;
        if got == b'%' && escaped(text, j).is_some_and(|d| d.eq_ignore_ascii_case(&want)) {
            j += 3;
        } else if got.eq_ignore_ascii_case(&want) || (got == b'+' && want == b' ') {
            j += 1;
        } else {
            return None;
        }
    }
    Some(j)
}

/// [`match_at`] for a pattern holding `%`: a `%25` in the text is either a
/// literal `%` followed by `25` (the secret `%25` printed as it is) or an
/// escaped `%`, so both readings are followed — the set of text positions
/// reached after each pattern byte (rare patterns: a `Vec` is fine).
fn match_with_percent(pat: &[u8], text: &[u8], i: usize) -> Option<usize> {
    let mut at = vec![i];
    let mut next = Vec::new();
    for &want in pat {
        next.clear();
        for &j in &at {
            let Some(&got) = text.get(j) else { continue };
            if got.eq_ignore_ascii_case(&want) || (got == b'+' && want == b' ') {
                next.push(j + 1);
            }
            if got == b'%' && escaped(text, j).is_some_and(|d| d.eq_ignore_ascii_case(&want)) {
                next.push(j + 3);
            }
        }
        if next.is_empty() {
            return None;
        }
        next.sort_unstable();
        next.dedup();
        std::mem::swap(&mut at, &mut next);
    }
    at.last().copied()
}

/// The forms of `s` besides itself worth masking (may include short ones).
fn derived_forms(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let trimmed = s.trim();
    if trimmed != s {
        out.push(trimmed.to_owned());
    }
    if s.contains('\n') {
        out.extend(
            s.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned),
        );
    }
    if s.contains('\'') {
        out.push(s.replace('\'', "'\\''"));
    }
    out.extend(json::forms(s));
    out.extend(b64::forms(s.as_bytes()));
    if trimmed != s && !trimmed.is_empty() {
        out.extend(b64::forms(trimmed.as_bytes()));
    }
    out.extend(basic_auth(s).iter().map(|cred| base64(cred.as_bytes())));
    out.extend(url::forms(s));
    out
}

/// The `user:password` of each URL in `s` that has them, percent-decoded,
/// as HTTP basic authentication sends it (base64-encoded).
fn basic_auth(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in s.match_indices("://") {
        let rest = &s[at + 3..];
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        let Some((userinfo, _host)) = authority.rsplit_once('@') else {
            continue;
        };
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        out.push(format!(
            "{}:{}",
            percent_decode(user),
            percent_decode(password)
        ));
    }
    out
}

/// `%XX` sequences decoded (invalid UTF-8 replaced).
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |k: usize| b.get(k).and_then(|&c| (c as char).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi << 4 | lo) as u8);
                i += 3;
            }
            (c, ..) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Masks a stream of chunks; see the module docs.
#[derive(Clone, Debug)]
pub struct StreamMasker {
    masker: Masker,
    /// Bytes received but not yet released.
    pending: Vec<u8>,
    /// How many leading bytes of `pending` were already released (as part of a `***`).
    masked_prefix: usize,
    /// The last byte released was part of a `***`.
    tail_masked: bool,
}

impl StreamMasker {
    /// Feeds a chunk; returns the masked bytes that are now safe to release.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(chunk);
        let p = &*self.masker.inner;
        if p.patterns.is_empty() {
            return std::mem::take(&mut self.pending);
        }
        // A match starting before `cut` lies entirely in `pending`.
        let mut cut = self.pending.len().saturating_sub(p.max_len - 1);
        if !p.has_newline {
            if let Some(nl) = self.pending.iter().rposition(|&b| b == b'\n') {
                cut = cut.max(nl + 1);
            }
        }
        self.release(cut)
    }

    /// Releases whatever is held back (at the end of the stream).
    pub fn finish(mut self) -> Vec<u8> {
        let len = self.pending.len();
        self.release(len)
    }

    /// Releases `pending[..cut]`, masked (and the whole of a mask that
    /// crosses `cut`); keeps `pending[cut..]`.
    fn release(&mut self, cut: usize) -> Vec<u8> {
        let ranges = self.masker.covered(&self.pending);
        let mut out = Vec::new();
        let mut pos = self.masked_prefix;
        for (start, end) in ranges {
            if start >= cut {
                break;
            }
            if end <= pos {
                continue;
            }
            if start > pos {
                out.extend_from_slice(&self.pending[pos..start]);
                self.tail_masked = false;
            }
            // A range overlapping or touching the `***` just released continues it.
            if !(self.tail_masked && start <= pos) {
                out.extend_from_slice(MASK.as_bytes());
            }
            self.tail_masked = true;
            pos = end;
        }
        if pos < cut {
            out.extend_from_slice(&self.pending[pos..cut]);
            self.tail_masked = false;
            pos = cut;
        }
        self.masked_prefix = pos - cut;
        self.pending.drain(..cut);
        out
    }

    /// How many received bytes are held back, not yet released.
    pub fn held_back(&self) -> usize {
        self.pending.len() - self.masked_prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_and_derived_forms() {
        let m = Masker::new(["hunter2!", "", "it's a secret"]);
        assert_eq!(m.mask("pw=hunter2! ok"), "pw=*** ok");
        assert_eq!(m.mask("url?p=hunter2%21"), "url?p=***");
        assert_eq!(m.mask("HUNTER2! it%27s+a%20SECRET"), "*** ***");
        assert_eq!(m.mask("it%27s a secre"), "it%27s a secre");
        assert_eq!(m.mask("echo 'it'\\''s a secret'"), "echo '***'");
        assert_eq!(m.mask(&format!("b64 {}", base64(b"hunter2!"))), "b64 ***");
        assert_eq!(m.mask("nothing here"), "nothing here");
        let key = Masker::new(["-----BEGIN-----\nAAAAbbbbCCCC\n-----END-----\n"]);
        assert_eq!(key.mask("line: AAAAbbbbCCCC"), "line: ***");
        assert_eq!(key.mask("\"a\\nb\""), "\"a\\nb\"");
    }

    #[test]
    fn encodings_of_urls_and_hosts() {
        let m = Masker::new(["Sec ret/\"<ab", "MyHost", "https://bob:pa%20ss@x.example/"]);
        assert_eq!(
            m.mask("GET http://myhost:9/Sec%20ret/%22%3cab?q=Sec+ret%2F%22%3Cab"),
            "GET http://***:9/***?q=***"
        );
        assert_eq!(
            m.mask(&format!("Basic {}", base64(b"bob:pa ss"))),
            "Basic ***"
        );
        assert_eq!(
            basic_auth("a http://u@h/ b https://u:p%40@h:1/p"),
            ["u:", "u:p@"]
        );
    }

    /// #69: the secret `%25`, printed as it is, was read as an escaped
    /// `%` followed by nothing, and left in clear.
    #[test]
    fn a_secret_holding_an_escape_is_masked_as_it_is() {
        for secret in ["%25", "a%25b", "%%25", "100%", "%2F%2f"] {
            let m = Masker::new([secret]);
            assert_eq!(m.mask(&format!("<{secret}>")), "<***>", "{secret}");
            let escaped: String = secret.bytes().map(|b| format!("%{b:02X}")).collect();
            assert_eq!(m.mask(&format!("<{escaped}>")), "<***>", "{secret}");
        }
        let m = Masker::new(["%%%%%%%%%%%%%%%%%%%%%%%%"]);
        assert_eq!(m.mask(&"%25".repeat(24)), "***", "no blow-up either");
    }

    #[test]
    fn finds_reports_any_form() {
        let m = Masker::new(["s3cr3t"]);
        assert!(m.finds("a S3CR3T b") && m.finds("s%33cr3t") && !m.finds("s3cr"));
        assert!(!Masker::default().finds("s3cr3t"));
    }

    #[test]
    fn overlapping_secrets_merge() {
        let m = Masker::new(["abcd", "cdef"]);
        assert_eq!(m.mask("xabcdefy"), "x***y");
        assert_eq!(m.mask("abcdabcd"), "***");
    }

    /// #51: the JSON forms other encoders write — Python's `json.dumps`
    /// (`\uXXXX` for non-ASCII, upper-case hex from some encoders, non-BMP
    /// as a surrogate pair), PHP's `\/`, both, and JSON nested in JSON —
    /// were printed in clear; whole or streamed byte by byte.
    #[test]
    fn json_escaped_forms() {
        let m = Masker::new(["pässwörd-Ωmega-2024", "s3cr3t/Tok+en=Value", "k😀y/\\\"x"]);
        for text in [
            r#""p\u00e4ssw\u00f6rd-\u03a9mega-2024""#,
            r#""p\u00E4ssw\u00F6rd-\u03A9mega-2024""#,
            r#""p\\u00e4ssw\\u00f6rd-\\u03a9mega-2024""#,
            r#""s3cr3t\/Tok+en=Value""#,
            r#""s3cr3t\\\/Tok+en=Value""#,
            r#""k\ud83d\ude00y\/\\\"x""#,
            r#""k\\ud83d\\ude00y\\\/\\\\\\\"x""#,
            r#""k😀y/\\\\\\\"x""#,
        ] {
            let masked = m.mask(text);
            assert_eq!(masked, "\"***\"", "{text}");
            let mut stream = m.stream();
            let mut out: Vec<u8> = text.bytes().flat_map(|b| stream.push(&[b])).collect();
            out.extend(stream.finish());
            assert_eq!(String::from_utf8(out).unwrap(), masked, "{text}");
        }
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    /// F4 of #51: `printf 'bot:%s' "$T" | base64` — the secret after a
    /// prefix of any length, in either alphabet, padded or not, whole or
    /// streamed byte by byte: only what mixes in the prefix's or the
    /// suffix's bits is left around the `***`.
    #[test]
    fn base64_after_any_prefix() {
        use ::base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        use ::base64::Engine;
        let secret = "s3cr3t/Tok+en=Value_xyz%!";
        let m = Masker::new([secret]);
        for prefix in ["", "x", "x:", "bot", "bot:", "Bearer ", "user:pass"] {
            for suffix in ["", "\n", "?q=1"] {
                let plain = format!("{prefix}{secret}{suffix}");
                for enc in [STANDARD.encode(&plain), URL_SAFE_NO_PAD.encode(&plain)] {
                    let text = format!("auth {enc} end\n");
                    let masked = m.mask(&text);
                    let (before, after) = masked
                        .strip_prefix("auth ")
                        .and_then(|t| t.strip_suffix(" end\n"))
                        .and_then(|t| t.split_once(MASK))
                        .unwrap_or_else(|| panic!("{prefix:?}: {masked:?}"));
                    let p = prefix.len();
                    assert_eq!(
                        before,
                        &enc[..(8 * p).div_ceil(6)],
                        "{prefix:?}: {masked:?}"
                    );
                    let stable_end = 8 * (p + secret.len()) / 6;
                    assert!(after.len() <= enc.len() - stable_end, "{masked:?}");
                    let mut stream = m.stream();
                    let mut out: Vec<u8> = text.bytes().flat_map(|b| stream.push(&[b])).collect();
                    out.extend(stream.finish());
                    assert_eq!(String::from_utf8(out).unwrap(), masked);
                }
            }
        }
    }

    #[test]
    fn short_base64_middles_are_left_out() {
        // `abc` after one byte: a middle of 3 characters, too short to mask.
        let m = Masker::new(["abc"]);
        assert_eq!(m.mask("eGFiYw=="), "eGFiYw==");
        assert_eq!(m.mask("YWJj"), "***");
        // Four bytes: masked at every offset.
        let m = Masker::new(["abcd"]);
        for text in ["YWJjZA==", "eGFiY2Q=", "eHlhYmNk"] {
            assert!(m.mask(text).contains(MASK), "{text}");
        }
    }

    #[test]
    fn stream_split_secret_and_newline_flush() {
        let m = Masker::new(["supersecret"]);
        let mut s = m.stream();
        let mut out = s.push(b"line one\nsuper");
        assert_eq!(out, b"line one\n");
        out.extend(s.push(b"secret tail\n"));
        out.extend(s.finish());
        assert_eq!(String::from_utf8(out).unwrap(), "line one\n*** tail\n");
    }
}
