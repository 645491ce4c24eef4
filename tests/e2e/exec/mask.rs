//! Property tests for `wfc_run::mask`: no secret survives masking, text
//! without secrets is unchanged, and streaming in any chunking gives exactly
//! the same bytes as masking the whole text at once, holding back at most
//! `max_len - 1` bytes.

use proptest::prelude::*;
use wfc_contract::MASK;
use wfc_run::mask::Masker;

/// Secrets from a small alphabet, so they overlap with each other and the text.
fn secret() -> impl Strategy<Value = String> {
    "[abc\\n'é]{1,12}"
}

fn filler() -> impl Strategy<Value = String> {
    "[abcxyz \\n'é]{0,20}"
}

/// Text made of filler and secrets, and the positions where to cut it.
fn scenario() -> impl Strategy<Value = (Vec<String>, String, Vec<usize>)> {
    (
        prop::collection::vec(secret(), 1..4),
        prop::collection::vec(filler(), 1..6),
    )
        .prop_flat_map(|(secrets, fillers)| {
            let n = secrets.len();
            let picks = prop::collection::vec(0..n, fillers.len());
            (
                Just(secrets),
                Just(fillers),
                picks,
                prop::collection::vec(0usize..200, 0..8),
            )
                .prop_map(|(secrets, fillers, picks, cuts)| {
                    let mut text = String::new();
                    for (f, p) in fillers.iter().zip(&picks) {
                        text.push_str(f);
                        text.push_str(&secrets[*p]);
                    }
                    (secrets, text, cuts)
                })
        })
}

fn chunked(masker: &Masker, text: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (text.len() + 1)).collect();
    cuts.sort_unstable();
    let mut stream = masker.stream();
    let mut out = Vec::new();
    let mut prev = 0;
    for c in cuts.into_iter().chain([text.len()]) {
        out.extend(stream.push(&text[prev..c]));
        assert!(
            stream.held_back() < masker.max_len().max(1),
            "held back {} bytes, longest pattern {}",
            stream.held_back(),
            masker.max_len()
        );
        prev = c;
    }
    out.extend(stream.finish());
    out
}

/// Cases per property: 512 on a developer's machine, 8,192 under CI (a
/// leak that 512 random cases missed, `%25`, was found by a probe), or
/// `PROPTEST_CASES`.
fn cases() -> u32 {
    match std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        Some(n) => n,
        None if std::env::var("CI").is_ok_and(|v| v == "true") => 8192,
        None => 512,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn no_secret_survives((secrets, text, _cuts) in scenario()) {
        let m = Masker::new(&secrets);
        let masked = m.mask(&text);
        for s in &secrets {
            prop_assert!(!masked.contains(s.as_str()), "{s:?} in {masked:?}");
        }
    }

    #[test]
    fn streaming_equals_whole((secrets, text, cuts) in scenario()) {
        let m = Masker::new(&secrets);
        let whole = m.mask_bytes(text.as_bytes());
        let streamed = chunked(&m, text.as_bytes(), &cuts);
        prop_assert_eq!(String::from_utf8_lossy(&streamed), String::from_utf8_lossy(&whole));
    }

    #[test]
    fn byte_by_byte_equals_whole((secrets, text, _cuts) in scenario()) {
        let m = Masker::new(&secrets);
        let cuts: Vec<usize> = (0..text.len()).collect();
        let streamed = chunked(&m, text.as_bytes(), &cuts);
        prop_assert_eq!(streamed, m.mask_bytes(text.as_bytes()));
    }

    #[test]
    fn text_without_secrets_is_unchanged(
        text in "[xyz \\n]{0,40}",
        secrets in prop::collection::vec("a[abc\\n'é]{0,11}", 0..3),
    ) {
        let m = Masker::new(&secrets);
        prop_assert_eq!(m.mask(&text), text.clone());
        prop_assert_eq!(chunked(&m, text.as_bytes(), &[3, 7, 20]), text.into_bytes());
    }
}

/// `secret` with each byte written as chosen by `how`: as is (in the other
/// ASCII case for an odd choice), as `%XY` or `%xy`, a space as `+`.
fn encode(secret: &str, how: &[u8]) -> String {
    let mut out = String::new();
    for (i, &b) in secret.as_bytes().iter().enumerate() {
        match how[i % how.len()] % 4 {
            0 if b.is_ascii() => out.push(b as char),
            1 if b.is_ascii() => out.push(b.to_ascii_uppercase() as char),
            2 if b == b' ' => out.push('+'),
            2 => out.push_str(&format!("%{b:02X}")),
            _ => out.push_str(&format!("%{b:02x}")),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// However a URL, a form or a host spelled a secret, it is masked, and
    /// streamed in any chunking the same way.
    #[test]
    fn no_encoded_secret_survives(
        secret in "[a-z0-9 /\"<>%+é]{1,12}",
        how in prop::collection::vec(any::<u8>(), 1..12),
        before in "[xyz ]{0,10}",
        after in "[xyz ]{0,10}",
        cuts in prop::collection::vec(0usize..200, 0..8),
    ) {
        let encoded = encode(&secret, &how);
        let text = format!("{before}{encoded}{after}");
        let m = Masker::new([&secret]);
        let masked = m.mask(&text);
        prop_assert!(masked.contains(MASK), "{encoded:?} in {masked:?}");
        prop_assert!(!masked.contains(&encoded), "{encoded:?} in {masked:?}");
        let streamed = chunked(&m, text.as_bytes(), &cuts);
        prop_assert_eq!(String::from_utf8_lossy(&streamed), masked);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// F4 of #51: base64 of a text holding a secret after a prefix of any
    /// length (`bot:`, `Bearer `), in either alphabet, padded or not: every
    /// character that comes from the secret alone is masked, whole or
    /// streamed in any chunking.
    #[test]
    fn no_base64_of_a_secret_survives(
        secret in "[a-z0-9 /+=%é]{4,16}",
        prefix in "[a-zA-Z: ]{0,9}",
        suffix in "[a-z\\n]{0,4}",
        url_safe in any::<bool>(),
        cuts in prop::collection::vec(0usize..200, 0..8),
    ) {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
        use base64::Engine;
        let plain = format!("{prefix}{secret}{suffix}");
        let encoded = if url_safe {
            URL_SAFE_NO_PAD.encode(&plain)
        } else {
            STANDARD.encode(&plain)
        };
        let text = format!("< {encoded} >");
        let m = Masker::new([&secret]);
        let masked = m.mask(&text);
        // Only characters holding bits of the prefix or suffix are left.
        let (p, n) = (prefix.len(), secret.len());
        let (first, last) = (masked.find(MASK), masked.rfind(MASK));
        prop_assert!(first.is_some(), "{encoded:?} in {masked:?}");
        prop_assert!(first.unwrap() <= 2 + (8 * p).div_ceil(6), "{masked:?}");
        let after = masked.len() - last.unwrap() - MASK.len();
        prop_assert!(after <= 2 + encoded.len() - 8 * (p + n) / 6, "{masked:?}");
        let streamed = chunked(&m, text.as_bytes(), &cuts);
        prop_assert_eq!(String::from_utf8_lossy(&streamed), masked);
    }
}

/// Every way [`encode`] can spell each of these secrets — each byte as
/// is, in the other case, `%XY`, `%xy` (a space as `+`) — is masked, whole
/// and streamed: a fixed corpus beside the random one, of the secrets
/// that look like encodings themselves.
#[test]
fn every_spelling_of_an_escape_like_secret_is_masked() {
    for secret in [
        "%25", "%2", "%%", "a%2b", "+%2B", "100%", "%zz", "% 2", "a b+", "%41a",
    ] {
        let m = Masker::new([secret]);
        let n = secret.len();
        for code in 0..4usize.pow(n as u32) {
            let how: Vec<u8> = (0..n)
                .map(|k| (code / 4usize.pow(k as u32) % 4) as u8)
                .collect();
            let encoded = encode(secret, &how);
            let text = format!("x {encoded} y");
            let masked = m.mask(&text);
            assert_eq!(masked, "x *** y", "{secret:?} spelt {encoded:?}");
            let bytes: Vec<usize> = (0..text.len()).collect();
            let streamed = chunked(&m, text.as_bytes(), &bytes);
            assert_eq!(String::from_utf8_lossy(&streamed), masked, "{encoded:?}");
        }
    }
}

#[test]
fn lines_are_not_delayed_when_no_secret_spans_lines() {
    let m = Masker::new(["a-very-long-secret-value"]);
    let mut s = m.stream();
    assert_eq!(s.push(b"progress 1\n"), b"progress 1\n");
    assert_eq!(s.push(b"tail without newline"), b"");
    assert_eq!(s.finish(), b"tail without newline");
}

#[test]
fn mask_marker_is_three_stars() {
    assert_eq!(MASK, "***");
    assert_eq!(Masker::new(["pw"]).mask("pw"), "***");
}
