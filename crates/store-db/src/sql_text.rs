//! Placeholders, written either way: the store's statements use SQLite's
//! `?1`, `?2`, … and tests PostgreSQL's `$1`, `$2`, …; each backend
//! rewrites the other's form (outside quoted text) before it prepares.

use std::borrow::Cow;

/// `sql` with `$N` written as `?N`.
pub fn to_question_marks(sql: &str) -> Cow<'_, str> {
    if !sql.contains('$') {
        return Cow::Borrowed(sql);
    }
    rewrite(sql, '$', |_, out| out.push('?'))
}

/// `sql` with `?N` written as `$N`, and a bare `?` as the next number.
pub fn to_dollars(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut next = 0u32;
    rewrite(sql, '?', |numbered, out| {
        out.push('$');
        if !numbered {
            next += 1;
            out.push_str(&next.to_string());
        }
    })
}

/// `sql` with each `mark` outside quotes replaced by `with(followed by a
/// digit, out)`; the digits themselves are kept.
fn rewrite(sql: &str, mark: char, mut with: impl FnMut(bool, &mut String)) -> Cow<'_, str> {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    let mut changed = false;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if c == mark => {
                let numbered = chars.peek().is_some_and(char::is_ascii_digit);
                // `$` only marks a parameter when a number follows.
                if numbered || mark == '?' {
                    with(numbered, &mut out);
                    changed = true;
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(sql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_quotes_only() {
        assert_eq!(
            to_question_marks("SELECT '$1', x FROM t WHERE a = $2 AND b = $10"),
            "SELECT '$1', x FROM t WHERE a = ?2 AND b = ?10"
        );
        assert_eq!(
            to_dollars("SELECT '?', \"?1\" FROM t WHERE a = ?2 AND b = ?1"),
            "SELECT '?', \"?1\" FROM t WHERE a = $2 AND b = $1"
        );
        assert_eq!(to_dollars("VALUES (?, ?)"), "VALUES ($1, $2)");
        assert!(matches!(
            to_question_marks("json_extract(x, '$.a')"),
            Cow::Borrowed(_)
        ));
    }
}
