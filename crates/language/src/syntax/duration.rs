//! Duration literals: `500ms`, `30s`, `5m`, `2h`, `1d`, `1h30m` — the one
//! parser (for the grammar's literals and for `--param` values) and the one
//! formatter (for plans, hovers and interpolation).

/// Why a duration text is invalid.
#[derive(Debug, PartialEq, Eq)]
pub enum DurationError {
    Overflow,
    /// Units must go from largest to smallest, each at most once (`1h30m`, not `30m1h`).
    Order,
    /// Not digits-and-units: empty, a number without a unit, or an unknown unit.
    Malformed,
}

/// Parses `1h30m`, `500ms`, … into milliseconds.
pub fn parse(text: &str) -> Result<u64, DurationError> {
    let mut total: u64 = 0;
    let mut num: Option<u64> = None;
    let mut last_unit = u64::MAX;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(d) = c.to_digit(10) {
            let n = num.unwrap_or(0);
            num = Some(
                n.checked_mul(10)
                    .and_then(|n| n.checked_add(d as u64))
                    .ok_or(DurationError::Overflow)?,
            );
            continue;
        }
        let unit: u64 = match c {
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                1
            }
            's' => 1_000,
            'm' => 60_000,
            'h' => 3_600_000,
            'd' => 86_400_000,
            _ => return Err(DurationError::Malformed),
        };
        let n = num.take().ok_or(DurationError::Malformed)?;
        if unit >= last_unit {
            return Err(DurationError::Order);
        }
        last_unit = unit;
        total = n
            .checked_mul(unit)
            .and_then(|n| total.checked_add(n))
            .ok_or(DurationError::Overflow)?;
    }
    if num.is_some() || last_unit == u64::MAX {
        return Err(DurationError::Malformed);
    }
    Ok(total)
}

/// Milliseconds in the compact literal form: `500ms`, `40s`, `4m`, `1h30m`, `1d2h`.
pub fn format(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_literals() {
        assert_eq!(parse("500ms"), Ok(500));
        assert_eq!(parse("1h30m"), Ok(5_400_000));
        assert_eq!(parse("1m30s500ms"), Ok(90_500));
        assert_eq!(parse("2d"), Ok(172_800_000));
        assert_eq!(parse("99999999999999999999s"), Err(DurationError::Overflow));
        assert_eq!(parse("30s1h"), Err(DurationError::Order));
        assert_eq!(parse("1m1m"), Err(DurationError::Order));
        assert_eq!(parse("30"), Err(DurationError::Malformed));
        assert_eq!(parse(""), Err(DurationError::Malformed));
        assert_eq!(parse("3x"), Err(DurationError::Malformed));
    }

    #[test]
    fn formats_round_trip() {
        for ms in [1, 500, 1_000, 90_500, 5_400_000, 93_600_000] {
            assert_eq!(parse(&format(ms)), Ok(ms));
        }
        assert_eq!(format(0), "0s");
        assert_eq!(format(5_400_000), "1h30m");
    }
}
