//! An HTTP request as a fixed `sh` script around `curl`, for both exports'
//! `http`/`webhook` steps (GitHub: every one; Argo: webhooks, whose URL is
//! often a secret its `http` template cannot take). The script is fixed
//! text (flags, variable names, numbers wfc checked); the method, URL,
//! header names and values and the body reach it only through the
//! environment (`WF_METHOD`, `WF_URL`, `WF_HEADER_NAME_N`, `WF_HEADER_N`,
//! `WF_BODY`). A header value holding a line break fails the step before
//! any request: curl would send it as a second header.

/// The fixed script of a request with `headers` headers and maybe a body.
pub(crate) fn request(headers: usize, body: bool, codes: &[u16], tmp: &str) -> String {
    let mut out = String::new();
    let mut args = String::new();
    if headers > 0 {
        out.push_str("wfc_nl='\n'\nwfc_cr=$(printf '\\r')\n");
        for n in 1..=headers {
            out.push_str(&format!(
                "case \"$WF_HEADER_{n}\" in *\"$wfc_nl\"*|*\"$wfc_cr\"*) echo \"wfc: header $WF_HEADER_NAME_{n} holds a line break\" >&2; exit 1 ;; esac\n"
            ));
            args.push_str(&format!(" -H \"$WF_HEADER_NAME_{n}: $WF_HEADER_{n}\""));
        }
    }
    // `@-`: the body from stdin, never read as `@FILE` from its first byte.
    let (feed, data) = if body {
        ("printf '%s' \"$WF_BODY\" | ", " --data-binary @-")
    } else {
        ("", "")
    };
    out.push_str(&format!(
        "wfc_code=$({feed}curl -sS -o \"{tmp}/wfc-body\" -w '%{{http_code}}' -X \"$WF_METHOD\"{args}{data} \"$WF_URL\") || exit 1\n"
    ));
    out.push_str(&http_status(codes, tmp));
    out
}

/// `codes` as `case` patterns (a whole hundred `2??`, a whole ten `20?`,
/// else the code) and as runs for a message (`200-299`, `404`).
/// Whether a step's `headers` map names `Content-Type` itself: then a
/// `json` body goes with that type, as `wfc run` sends it.
pub(crate) fn sets_content_type(headers: Option<&wfc_language::ir::FieldValue>) -> bool {
    matches!(headers, Some(wfc_language::ir::FieldValue::Map(m))
        if m.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")))
}

fn patterns(codes: &[u16]) -> (Vec<String>, Vec<String>) {
    let mut sorted = codes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let has = |c: u16| sorted.binary_search(&c).is_ok();
    let all = |from: u16, n: u16| (from..from + n).all(has);
    let mut patterns = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let c = sorted[i];
        let (pattern, n): (String, usize) = if c.is_multiple_of(100) && c >= 100 && all(c, 100) {
            (format!("{}??", c / 100), 100)
        } else if c.is_multiple_of(10) && c >= 100 && all(c, 10) {
            (format!("{}?", c / 10), 10)
        } else {
            (c.to_string(), 1)
        };
        patterns.push(pattern);
        i += n;
    }
    let mut runs: Vec<String> = Vec::new();
    let mut start = 0;
    for j in 1..=sorted.len() {
        if j == sorted.len() || sorted[j] != sorted[j - 1] + 1 {
            match j - 1 - start {
                0 => runs.push(sorted[start].to_string()),
                1 => runs.extend([sorted[start].to_string(), sorted[j - 1].to_string()]),
                _ => runs.push(format!("{}-{}", sorted[start], sorted[j - 1])),
            }
            start = j;
        }
    }
    (patterns, runs)
}

/// The status check after a request: the body to the log, then the status
/// against `codes` (empty: any 2xx, as `wfc run`). The codes are numbers
/// wfc checked, never the workflow's text.
fn http_status(codes: &[u16], tmp: &str) -> String {
    let (accept, wanted) = if codes.is_empty() {
        ("2??".to_string(), "a 2xx status".to_string())
    } else {
        let (patterns, runs) = patterns(codes);
        (patterns.join("|"), format!("HTTP {}", runs.join(" or ")))
    };
    format!(
        "cat \"{tmp}/wfc-body\"\necho\ncase \"$wfc_code\" in\n  {accept}) ;;\n  *) echo \"wfc: expected {wanted}, got $wfc_code\" >&2; exit 1 ;;\nesac\n"
    )
}
