//! Counts in words, for everything wfc prints: `1 step`, `2 steps`,
//! `1 retry`, `3 retries`.

/// `n` and `word`, plural unless `n` is 1 (`retry` → `retries`).
pub fn count(n: impl Into<u64>, word: &str) -> String {
    let n = n.into();
    if n == 1 {
        return format!("1 {word}");
    }
    let consonant_y = word.len() > 1
        && word.ends_with('y')
        && !word[..word.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']);
    if consonant_y {
        format!("{n} {}ies", &word[..word.len() - 1])
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn counts() {
        assert_eq!(count(1u64, "step"), "1 step");
        assert_eq!(count(0u64, "step"), "0 steps");
        assert_eq!(count(2u64, "job"), "2 jobs");
        assert_eq!(count(1u64, "retry"), "1 retry");
        assert_eq!(count(3u64, "retry"), "3 retries");
        assert_eq!(count(2u64, "day"), "2 days");
    }
}
