//! `uuid()` and `random_int(a, b)`: random to the workflow, the same to
//! the run. Each value is drawn from a BLAKE3 hash of the run's id, where
//! the call is written (its span) and, for a call written in a step, the
//! instance's loop items — nothing
//! a resumed session or another attempt changes — so a retried step sends
//! the same idempotency key, and `wfc resume` rebuilds the same names
//! (recorded, in effect, by the run's id, which the store keeps).

use super::Evaluator;
use wfc_language::ir::{BlockId, Expr, Func};
use wfc_plan::Value;

impl Evaluator<'_> {
    /// The value of call `e` of `f` with its `args` (run reads substituted).
    pub(super) fn drawn(
        &self,
        f: Func,
        e: &Expr,
        args: &[Expr],
        bound: &[(BlockId, Value)],
    ) -> Result<Value, String> {
        let mut h = blake3::Hasher::new_derive_key("wfc 2026 uuid() and random_int()");
        let run = self.run.map_or("", |r| r.id.as_str());
        h.update(&(run.len() as u64).to_le_bytes());
        h.update(run.as_bytes());
        h.update(&e.span.start.to_le_bytes());
        h.update(&e.span.end.to_le_bytes());
        // Written in the step: one per loop iteration; in a `let`, one value
        // for the run, whichever step reads it.
        let in_step = self
            .step_span
            .is_some_and(|s| s.start <= e.span.start && e.span.end <= s.end);
        for (_, name, item) in self.items.iter().filter(|_| in_step) {
            h.update(name.as_bytes());
            h.update(item.literal().as_bytes());
            h.update(b"\0");
        }
        let bytes: [u8; 16] = h.finalize().as_bytes()[..16].try_into().expect("16 bytes");
        match f {
            Func::Uuid => Ok(Value::Str(uuid_v4(bytes))),
            _ => {
                let int = |x: &Expr| match self.eval_in(x, bound)? {
                    Value::Int(n) => Ok(n),
                    other => Err(format!(
                        "`random_int` takes ints, not `{}`",
                        other.literal()
                    )),
                };
                let (a, b) = (int(&args[0])?, int(&args[1])?);
                if a > b {
                    return Err(format!(
                        "`random_int({a}, {b})`: the first bound is above the second"
                    ));
                }
                let span = (b as i128 - a as i128 + 1) as u128;
                let n = u128::from_le_bytes(bytes) % span;
                Ok(Value::Int((a as i128 + n as i128) as i64))
            }
        }
    }
}

/// 16 bytes as a version-4 UUID, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.
fn uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::uuid_v4;

    #[test]
    fn a_uuid_says_version_4_and_its_variant() {
        let u = uuid_v4([0xff; 16]);
        assert_eq!(u, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }
}
