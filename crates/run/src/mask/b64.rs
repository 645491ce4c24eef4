//! The base64 forms of a secret, wherever in the encoded text it starts.
//!
//! Base64 encodes 3 bytes as 4 characters, so what a secret looks like in
//! an encoding depends on how many bytes come before it: `printf 'bot:%s'
//! "$T" | base64` (HTTP basic auth, a docker `auth` value) puts it after 4
//! bytes, at offset 1 of a 3-byte group. For each of the three offsets, the
//! characters whose 6 bits all come from the secret are the same whatever
//! surrounds it: that *stable middle* is what is masked (as GitHub Actions
//! and GitLab do). The character before it and the one after it mix in the
//! neighbours' bits and stay visible — at most 4 bits of the secret each.
//!
//! Each middle is given in the standard alphabet (`+/`) and the URL-safe one
//! (`-_`); padding never falls inside a middle, so padded and unpadded text
//! match alike. The whole encoding of the secret at offset 0, padding
//! included, is kept too: it masks the last characters when the secret ends
//! the encoded text.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE};
use base64::Engine;

/// The base64 forms of `secret`: the stable middle of its encoding after 0,
/// 1 and 2 bytes, in both alphabets, and its whole encoding (both
/// alphabets). Some may be short: a 3-byte secret after 1 byte has a middle
/// of 3 characters, which the caller leaves out.
pub(super) fn forms(secret: &[u8]) -> Vec<String> {
    let mut out = vec![STANDARD.encode(secret), URL_SAFE.encode(secret)];
    for offset in 0..3 {
        let middle = stable_middle(secret, offset);
        if !middle.is_empty() {
            out.push(url_safe(&middle));
            out.push(middle);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The characters of the (standard) encoding of `secret` after `offset`
/// bytes that depend on the secret's bytes alone.
fn stable_middle(secret: &[u8], offset: usize) -> String {
    let mut bytes = vec![0u8; offset];
    bytes.extend_from_slice(secret);
    let encoded = STANDARD_NO_PAD.encode(&bytes);
    // Character `c` holds bits 6c..6c+6: it is the secret's alone when it
    // starts at or after the secret's first bit (8 * offset) and ends at or
    // before its last (8 * (offset + len)).
    let start = (8 * offset).div_ceil(6);
    let end = 8 * bytes.len() / 6;
    encoded.get(start..end).unwrap_or_default().to_owned()
}

fn url_safe(standard: &str) -> String {
    standard.replace('+', "-").replace('/', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every encoding of `secret` after `prefix` (and before `suffix`)
    /// holds the secret's stable middle for that offset.
    fn holds_middle(prefix: &[u8], secret: &[u8], suffix: &[u8]) {
        let text: Vec<u8> = [prefix, secret, suffix].concat();
        let middle = stable_middle(secret, prefix.len() % 3);
        assert!(!middle.is_empty());
        for (engine, expected) in [(STANDARD, middle.clone()), (URL_SAFE, url_safe(&middle))] {
            let encoded = engine.encode(&text);
            assert!(
                encoded.contains(&expected),
                "{expected:?} not in {encoded:?} ({prefix:?} + secret + {suffix:?})"
            );
        }
    }

    #[test]
    fn each_offset_has_its_middle() {
        let secret = b"s3cr3t/Tok+en=Value_xyz%!";
        for prefix in [&b""[..], b"x", b"x:", b"bot", b"bot:", b"Bearer ", b"user:"] {
            for suffix in [&b""[..], b"\n", b"ab", b"abc"] {
                holds_middle(prefix, secret, suffix);
            }
        }
    }

    #[test]
    fn middles_at_known_offsets() {
        // base64("abc" + "hunter2!") = YWJjaHVudGVyMiE= : offset 0 after 3 bytes.
        assert_eq!(stable_middle(b"hunter2!", 0), "aHVudGVyMi");
        // base64("x" + "hunter2!") = eGh1bnRlcjIh : `eG` mixes in the `x`.
        assert_eq!(stable_middle(b"hunter2!", 1), "h1bnRlcjIh");
        // base64("xy" + "hunter2!") = eHlodW50ZXIyIQ== : `eHl` holds `xy`.
        assert_eq!(stable_middle(b"hunter2!", 2), "odW50ZXIyI");
    }

    #[test]
    fn both_alphabets_are_given() {
        // 0xfb 0xff 0xbf encodes as `+/+/` (standard) and `-_-_` (URL-safe).
        let secret = [0xfb, 0xff, 0xbf, 0xfb, 0xff, 0xbf];
        let f = forms(&secret);
        assert!(f.contains(&"+/+/+/+/".to_owned()), "{f:?}");
        assert!(f.contains(&"-_-_-_-_".to_owned()), "{f:?}");
        for offset in 1..3 {
            let m = stable_middle(&secret, offset);
            assert!(f.contains(&m) && f.contains(&url_safe(&m)), "{m:?} {f:?}");
        }
    }

    #[test]
    fn short_secrets_have_short_middles() {
        let lens = |s: &[u8]| {
            (0..3)
                .map(|o| stable_middle(s, o).len())
                .collect::<Vec<_>>()
        };
        assert_eq!(lens(b"a"), [1, 0, 1]);
        assert_eq!(lens(b"abc"), [4, 3, 3]);
        assert_eq!(lens(b"abcd"), [5, 4, 5]);
    }
}
