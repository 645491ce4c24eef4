//! Tool answers of bounded size. MCP clients refuse a message over 1 MiB
//! (an SSE event, a stdio line). The tools that page ([`super::pages`])
//! answer a summary or a page, under [`MAX_PAGED`]; this is the net under
//! every answer: one over its bound (a plan's groups and handlers, a long
//! list of workflows) has its longest lists cut, halving the longest each
//! time, and says what it cut in `truncated`: the list's JSON pointer, what
//! it shows and what it had.

use serde_json::{json, Value};

/// The most bytes of JSON one answer holds.
pub const MAX_ANSWER: usize = 256 << 10;
/// The most bytes of JSON one answer of a tool that pages holds.
pub const MAX_PAGED: usize = 64 << 10;

/// `value`, its longest lists cut until it is at most `max` bytes of JSON.
pub fn bound(mut value: Value, max: usize) -> Value {
    let size = |v: &Value| serde_json::to_vec(v).map_or(usize::MAX, |b| b.len());
    if size(&value) <= max {
        return value;
    }
    let mut cuts: Vec<(String, usize)> = Vec::new();
    while size(&value) > max {
        let Some((pointer, len)) = longest_list(&value, String::new()) else {
            break;
        };
        if len == 0 {
            break;
        }
        if !cuts.iter().any(|(p, _)| *p == pointer) {
            cuts.push((pointer.clone(), len));
        }
        if let Some(Value::Array(items)) = value.pointer_mut(&pointer) {
            items.truncate(len / 2);
        }
    }
    let notes: Vec<Value> = cuts
        .into_iter()
        .map(|(pointer, total)| {
            let shown = value
                .pointer(&pointer)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            json!({"list": pointer, "shown": shown, "total": total})
        })
        .collect();
    match &mut value {
        Value::Object(o) => {
            o.insert("truncated".into(), Value::Array(notes));
            value
        }
        _ => json!({"value": value, "truncated": notes}),
    }
}

/// The JSON pointer and length of the longest list (in bytes) in `v`.
fn longest_list(v: &Value, at: String) -> Option<(String, usize)> {
    fn walk(v: &Value, at: &str, best: &mut Option<(usize, String, usize)>) {
        match v {
            Value::Array(items) => {
                let weight = serde_json::to_vec(v).map_or(0, |b| b.len());
                if best.as_ref().is_none_or(|(w, _, _)| weight > *w) {
                    *best = Some((weight, at.to_owned(), items.len()));
                }
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}/{i}"), best);
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    let key = k.replace('~', "~0").replace('/', "~1");
                    walk(item, &format!("{at}/{key}"), best);
                }
            }
            _ => {}
        }
    }
    let mut best = None;
    walk(v, &at, &mut best);
    best.map(|(_, p, len)| (p, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_answer_is_kept_and_a_large_one_cut_with_a_note() {
        let small = json!({"id": "r1", "steps": [1, 2, 3]});
        assert_eq!(bound(small.clone(), 1000), small);
        let steps: Vec<Value> = (0..2000)
            .map(|i| json!({"name": format!("step-{i}"), "status": "succeeded"}))
            .collect();
        let big = json!({"id": "r1", "status": "succeeded", "steps": steps, "tags": ["a"]});
        let cut = bound(big, 10_000);
        assert!(serde_json::to_vec(&cut).unwrap().len() <= 10_000 + 200);
        assert_eq!(cut["id"], "r1");
        assert_eq!(cut["tags"], json!(["a"]));
        let shown = cut["steps"].as_array().unwrap().len();
        assert!(shown > 0 && shown < 2000, "{shown}");
        assert_eq!(
            cut["truncated"],
            json!([{"list": "/steps", "shown": shown, "total": 2000}])
        );
        assert_eq!(cut["steps"][0]["name"], "step-0", "the first ones are kept");
    }
}
