//! A signed hook's check: `X-Hub-Signature-256: sha256=<hex>`, the
//! HMAC-SHA256 of the raw body under the value of the hook's secret param,
//! compared in constant time.

use super::{Refusal, SIGNATURE};
use crate::problem::{Code, Problem};
use hmac::{Hmac, KeyInit, Mac};
use wfc_launch::Checked as ServedWorkflow;
use wfc_plan::trigger_params;
use wfc_plan::Value;

/// `Ok` when `X-Hub-Signature-256` is the HMAC-SHA256 of `body` under the
/// value of the secret param `secret`. The refusal is logged without the
/// signature or the body; its reason (kept with the failed delivery) says
/// which check failed, its answer only how to sign.
pub(super) fn verify(
    workflow: &ServedWorkflow,
    secret: usize,
    headers: &axum::http::HeaderMap,
    body: &[u8],
    path: &str,
) -> Result<(), Refusal> {
    let refused = |why: &str| {
        tracing::warn!(hook = %path, why, "webhook request refused: not signed with its secret");
        Refusal {
            problem: Problem::new(
                Code::BadSignature,
                format!("sign the body: `{SIGNATURE}: sha256=HEX`, the HMAC-SHA256 of the raw body with the hook's secret"),
            ),
            reason: Some(format!("refused: {why}")),
        }
    };
    let key = match trigger_params::defaults(&workflow.ir).get(secret) {
        Some(Some(Value::Str(k))) if !k.is_empty() => k.clone(),
        // An empty key would let anyone sign: nothing is accepted.
        _ => {
            let name = &workflow.ir.params[secret].name;
            tracing::error!(hook = %path, secret = %name, "the hook's secret has no value on the server (set its environment variable); every request is refused");
            return Err(refused(&format!(
                "the hook's secret `{name}` has no value on the server (set its environment variable, then redeliver)"
            )));
        }
    };
    let Some(given) = headers.get(SIGNATURE) else {
        return Err(refused("no signature header"));
    };
    let hex = given
        .to_str()
        .ok()
        .and_then(|v| v.trim().strip_prefix("sha256="))
        .and_then(decode_hex);
    let Some(given) = hex else {
        return Err(refused("a malformed signature header"));
    };
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes())
        .map_err(|_| refused("the secret cannot be a key"))?;
    mac.update(body);
    // Constant time, whatever the length given.
    mac.verify_slice(&given)
        .map_err(|_| refused("a signature that does not match"))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
