//! How the CPU time and peak memory of steps read in the tables of `wfc
//! status`, `wfc stats` and `wfc top`.

use super::history::dur;

/// CPU seconds as a duration (`250ms`, `1.2s`), empty when not known.
pub fn cpu(secs: Option<f64>) -> String {
    secs.map(dur).unwrap_or_default()
}

/// Bytes in the largest unit under 1024 of it (`812 KiB`, `12.3 MiB`,
/// `1.50 GiB`), empty when not known.
pub fn memory(bytes: Option<u64>) -> String {
    const KIB: f64 = 1024.0;
    let Some(b) = bytes else {
        return String::new();
    };
    let b = b as f64;
    if b < KIB * KIB {
        format!("{:.0} KiB", b / KIB)
    } else if b < KIB * KIB * KIB {
        format!("{:.1} MiB", b / KIB / KIB)
    } else {
        format!("{:.2} GiB", b / KIB / KIB / KIB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_in_their_unit() {
        assert_eq!(memory(None), "");
        assert_eq!(memory(Some(3000)), "3 KiB");
        assert_eq!(memory(Some(12_900_000)), "12.3 MiB");
        assert_eq!(memory(Some(3 << 30)), "3.00 GiB");
        assert_eq!(cpu(Some(0.25)), "250ms");
        assert_eq!(cpu(None), "");
    }
}
