//! Values of the string, list, map and conversion functions (`starts_with`
//! through `matches`), for [`crate::eval`]: one set of rules at plan time
//! and at run time. Errors name the function and never the value (which
//! may be derived from a secret).

use crate::eval::Eval::{self, Error, Known, Unknown};
use crate::value::Value;
use wfc_language::ir::Func;

/// More elements than any real `range` or `split` needs: a typo such as
/// `range(0, 1000000000)` fails rather than exhausting memory.
pub const MAX_ELEMENTS: usize = 100_000;

/// `f` applied to evaluated arguments; `None` for the other functions.
pub fn call(f: Func, vs: &[Value]) -> Option<Eval> {
    let text = |i: usize| match vs.get(i) {
        Some(Value::Str(x)) => Some(x.as_str()),
        _ => None,
    };
    let int = |i: usize| match vs.get(i) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    };
    Some(match f {
        Func::StartsWith => match (text(0), text(1)) {
            (Some(s), Some(p)) => Known(Value::Bool(s.starts_with(p))),
            _ => Unknown,
        },
        Func::EndsWith => match (text(0), text(1)) {
            (Some(s), Some(p)) => Known(Value::Bool(s.ends_with(p))),
            _ => Unknown,
        },
        Func::Replace => match (text(0), text(1), text(2)) {
            (Some(_), Some(""), Some(_)) => Error("replace(): the text to replace is empty".into()),
            (Some(s), Some(from), Some(to)) => Known(Value::Str(s.replace(from, to))),
            _ => Unknown,
        },
        Func::Split => match (text(0), text(1)) {
            (Some(_), Some("")) => Error("split(): the separator is empty".into()),
            (Some(s), Some(sep)) => {
                let parts: Vec<Value> = s.split(sep).map(|p| Value::Str(p.into())).collect();
                too_many("split", parts.len()).unwrap_or(Known(Value::List(parts)))
            }
            _ => Unknown,
        },
        Func::Slice => match (vs.first(), int(1), int(2)) {
            (Some(Value::Str(s)), Some(a), Some(b)) => {
                let chars: Vec<char> = s.chars().collect();
                let (a, b) = bounds(chars.len(), a, b);
                Known(Value::Str(chars[a..b].iter().collect()))
            }
            (Some(Value::List(xs)), Some(a), Some(b)) => {
                let (a, b) = bounds(xs.len(), a, b);
                Known(Value::List(xs[a..b].to_vec()))
            }
            _ => Unknown,
        },
        Func::Range => match (int(0), int(1)) {
            (Some(a), Some(b)) => {
                let n = b.saturating_sub(a).max(0) as u64;
                match too_many("range", usize::try_from(n).unwrap_or(usize::MAX)) {
                    Some(e) => e,
                    None => Known(Value::List((a..b).map(Value::Int).collect())),
                }
            }
            _ => Unknown,
        },
        Func::Keys => match vs.first() {
            Some(Value::Map(m)) => Known(Value::List(
                m.iter().map(|(k, _)| Value::Str(k.clone())).collect(),
            )),
            _ => Unknown,
        },
        Func::Values => match vs.first() {
            Some(Value::Map(m)) => Known(Value::List(m.iter().map(|(_, v)| v.clone()).collect())),
            _ => Unknown,
        },
        Func::String => match vs.first() {
            Some(Value::Null) => Error("string(): the value does not exist".into()),
            Some(v) => Known(Value::Str(v.to_text())),
            None => Unknown,
        },
        Func::Int => match vs.first() {
            Some(Value::Int(n)) => Known(Value::Int(*n)),
            Some(Value::Float(x)) if x.is_finite() && x.abs() < 9.2e18 => {
                Known(Value::Int(x.trunc() as i64))
            }
            Some(Value::Float(_)) => Error("int(): the float is too large for an int".into()),
            Some(Value::Str(s)) => match s.trim().parse::<i64>() {
                Ok(n) => Known(Value::Int(n)),
                Err(_) => Error("int(): the text is not a whole number".into()),
            },
            _ => Unknown,
        },
        Func::Float => match vs.first() {
            Some(Value::Int(n)) => Known(Value::Float(*n as f64)),
            Some(Value::Float(x)) => Known(Value::Float(*x)),
            Some(Value::Str(s)) => match s.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => Known(Value::Float(x)),
                _ => Error("float(): the text is not a number".into()),
            },
            _ => Unknown,
        },
        Func::Matches => match (text(0), text(1)) {
            (Some(s), Some(re)) => match regex::Regex::new(re) {
                Ok(re) => Known(Value::Bool(re.is_match(s))),
                Err(_) => Error("matches(): the regular expression is not valid".into()),
            },
            _ => Unknown,
        },
        _ => return None,
    })
}

/// `coalesce(a, b, …)`: the first argument that exists and is not `""`,
/// evaluated left to right and no further; `null` if none is.
pub fn coalesce(args: impl IntoIterator<Item = Eval>) -> Eval {
    for a in args {
        match a {
            Known(Value::Null) => {}
            Known(Value::Str(s)) if s.is_empty() => {}
            other => return other,
        }
    }
    Known(Value::Null)
}

/// Python's slice bounds: negative counts from the end, clamped to `0..=len`,
/// empty when the start is past the end.
fn bounds(len: usize, start: i64, end: i64) -> (usize, usize) {
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let at = |i: i64| {
        let i = if i < 0 { len_i.saturating_add(i) } else { i };
        i.clamp(0, len_i) as usize
    };
    let (a, b) = (at(start), at(end));
    (a.min(b), b)
}

fn too_many(f: &str, n: usize) -> Option<Eval> {
    (n > MAX_ELEMENTS).then(|| {
        Error(format!(
            "{f}(): {n} elements, more than the {MAX_ELEMENTS} a list may have"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Value::{Bool, Int, List, Map, Null, Str};

    fn s(x: &str) -> Value {
        Str(x.into())
    }

    fn run(f: Func, vs: &[Value]) -> Eval {
        call(f, vs).expect("a function of this module")
    }

    #[test]
    fn prefixes_and_suffixes() {
        assert_eq!(
            run(Func::StartsWith, &[s("v1.2"), s("v")]),
            Known(Bool(true))
        );
        assert_eq!(
            run(Func::StartsWith, &[s("v1.2"), s("")]),
            Known(Bool(true))
        );
        assert_eq!(run(Func::StartsWith, &[s(""), s("v")]), Known(Bool(false)));
        assert_eq!(
            run(Func::EndsWith, &[s("a.tar.gz"), s(".gz")]),
            Known(Bool(true))
        );
        assert_eq!(run(Func::EndsWith, &[s("é"), s("é")]), Known(Bool(true)));
        assert_eq!(run(Func::EndsWith, &[Null, s("x")]), Unknown);
    }

    #[test]
    fn replace_replaces_every_occurrence() {
        assert_eq!(
            run(Func::Replace, &[s("a-b-c"), s("-"), s("_")]),
            Known(s("a_b_c"))
        );
        assert_eq!(
            run(Func::Replace, &[s("aaa"), s("aa"), s("b")]),
            Known(s("ba"))
        );
        assert_eq!(
            run(Func::Replace, &[s("abc"), s("x"), s("y")]),
            Known(s("abc"))
        );
        assert!(matches!(
            run(Func::Replace, &[s("abc"), s(""), s("y")]),
            Error(_)
        ));
    }

    #[test]
    fn split_keeps_empty_parts_and_refuses_an_empty_separator() {
        assert_eq!(
            run(Func::Split, &[s("a,b,,c"), s(",")]),
            Known(List(vec![s("a"), s("b"), s(""), s("c")]))
        );
        assert_eq!(run(Func::Split, &[s(""), s(",")]), Known(List(vec![s("")])));
        assert_eq!(
            run(Func::Split, &[s("a::b"), s("::")]),
            Known(List(vec![s("a"), s("b")]))
        );
        assert!(matches!(run(Func::Split, &[s("ab"), s("")]), Error(_)));
    }

    #[test]
    fn slices_count_characters_clamp_and_take_negative_indexes() {
        assert_eq!(
            run(Func::Slice, &[s("héllo"), Int(1), Int(3)]),
            Known(s("él"))
        );
        assert_eq!(
            run(Func::Slice, &[s("hello"), Int(-3), Int(99)]),
            Known(s("llo"))
        );
        assert_eq!(
            run(Func::Slice, &[s("hello"), Int(4), Int(2)]),
            Known(s(""))
        );
        assert_eq!(run(Func::Slice, &[s(""), Int(0), Int(1)]), Known(s("")));
        let xs = List(vec![Int(1), Int(2), Int(3)]);
        assert_eq!(
            run(Func::Slice, &[xs.clone(), Int(0), Int(-1)]),
            Known(List(vec![Int(1), Int(2)]))
        );
        assert_eq!(
            run(Func::Slice, &[xs, Int(i64::MIN), Int(i64::MAX)]),
            Known(List(vec![Int(1), Int(2), Int(3)]))
        );
    }

    #[test]
    fn ranges_are_half_open_and_bounded() {
        assert_eq!(
            run(Func::Range, &[Int(1), Int(4)]),
            Known(List(vec![Int(1), Int(2), Int(3)]))
        );
        assert_eq!(run(Func::Range, &[Int(3), Int(3)]), Known(List(vec![])));
        assert_eq!(run(Func::Range, &[Int(5), Int(1)]), Known(List(vec![])));
        assert_eq!(
            run(Func::Range, &[Int(-2), Int(0)]),
            Known(List(vec![Int(-2), Int(-1)]))
        );
        assert!(matches!(
            run(Func::Range, &[Int(0), Int(i64::MAX)]),
            Error(_)
        ));
        assert!(matches!(
            run(Func::Range, &[Int(i64::MIN), Int(i64::MAX)]),
            Error(_)
        ));
    }

    #[test]
    fn keys_and_values_keep_the_map_order() {
        let m = Map(vec![("b".into(), Int(1)), ("a".into(), Int(2))]);
        assert_eq!(
            run(Func::Keys, std::slice::from_ref(&m)),
            Known(List(vec![s("b"), s("a")]))
        );
        assert_eq!(run(Func::Values, &[m]), Known(List(vec![Int(1), Int(2)])));
        assert_eq!(run(Func::Keys, &[Map(vec![])]), Known(List(vec![])));
        assert_eq!(run(Func::Values, &[Null]), Unknown);
    }

    #[test]
    fn coalesce_skips_what_does_not_exist_and_empty_text() {
        assert_eq!(
            coalesce([Known(Null), Known(s("")), Known(s("x")), Unknown]),
            Known(s("x"))
        );
        assert_eq!(coalesce([Known(Int(0)), Known(Int(1))]), Known(Int(0)));
        assert_eq!(coalesce([Known(Null), Unknown, Known(s("x"))]), Unknown);
        assert_eq!(coalesce([Known(Null), Known(s(""))]), Known(Null));
    }

    #[test]
    fn conversions() {
        assert_eq!(run(Func::String, &[Int(3)]), Known(s("3")));
        assert_eq!(run(Func::String, &[Bool(true)]), Known(s("true")));
        assert_eq!(
            run(Func::String, &[Value::Duration(90_000)]),
            Known(s("1m30s"))
        );
        assert!(matches!(run(Func::String, &[Null]), Error(_)));
        // A list or map: its JSON text.
        let map = Value::Map(vec![("eu".into(), Int(2)), ("us".into(), Int(3))]);
        assert_eq!(run(Func::String, &[map]), Known(s(r#"{"eu":2,"us":3}"#)));
        let list = Value::List(vec![s("a"), Bool(false)]);
        assert_eq!(run(Func::String, &[list]), Known(s(r#"["a",false]"#)));
        assert_eq!(run(Func::Int, &[s(" 42\n")]), Known(Int(42)));
        assert_eq!(run(Func::Int, &[s("-7")]), Known(Int(-7)));
        assert_eq!(run(Func::Int, &[Value::Float(-2.9)]), Known(Int(-2)));
        assert!(matches!(run(Func::Int, &[s("4.5")]), Error(_)));
        assert!(matches!(
            run(Func::Int, &[s("99999999999999999999")]),
            Error(_)
        ));
        assert!(matches!(run(Func::Int, &[Value::Float(1e300)]), Error(_)));
        assert_eq!(run(Func::Float, &[s("2.5")]), Known(Value::Float(2.5)));
        assert_eq!(run(Func::Float, &[Int(2)]), Known(Value::Float(2.0)));
        assert!(matches!(run(Func::Float, &[s("inf")]), Error(_)));
        assert!(matches!(run(Func::Float, &[s("abc")]), Error(_)));
    }

    #[test]
    fn matches_searches_and_reports_a_bad_pattern() {
        assert_eq!(
            run(Func::Matches, &[s("v1.20.3"), s(r"^v\d+\.\d+")]),
            Known(Bool(true))
        );
        assert_eq!(
            run(Func::Matches, &[s("release"), s("^v")]),
            Known(Bool(false))
        );
        assert_eq!(run(Func::Matches, &[s(""), s("")]), Known(Bool(true)));
        assert!(matches!(run(Func::Matches, &[s("x"), s("(")]), Error(_)));
    }
}
