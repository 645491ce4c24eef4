//! `wfc plan --diff [RUN]` and "what changed since the last run": two
//! plans' fingerprints ([`super::reuse`]) compared as Terraform shows a
//! plan — steps added, removed and changed field by field (text fields
//! line by line, with `similar`), the workflow's env and params changed.

use serde::Serialize;
use serde_json::{Map, Value as J};
use std::collections::BTreeMap;

/// How two plans differ.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanDelta {
    /// New steps, with their kinds.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<String>>))]
    pub added: Vec<(String, String)>,
    /// Steps no longer in the plan, with their kinds.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<String>>))]
    pub removed: Vec<(String, String)>,
    pub changed: Vec<StepDelta>,
    /// `(name, before, after)`: a param only one side has is `null` there;
    /// secrets are never compared (both are `***`).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<serde_json::Value>>))]
    pub params: Vec<(String, J, J)>,
    /// `(key, before, after)` of the workflow's `env`.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<serde_json::Value>>))]
    pub env: Vec<(String, J, J)>,
}

impl PlanDelta {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.params.is_empty()
            && self.env.is_empty()
    }
}

/// One step's changes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepDelta {
    pub step: String,
    pub kind: String,
    pub fields: Vec<FieldDelta>,
}

/// One field that changed: `path` as `fields.run`, `depends_on`, ….
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldDelta {
    pub path: String,
    #[cfg_attr(feature = "openapi", schema(value_type = serde_json::Value))]
    pub before: J,
    #[cfg_attr(feature = "openapi", schema(value_type = serde_json::Value))]
    pub after: J,
    /// For text on several lines: the line diff, each line marked ` `,
    /// `-` or `+` (unchanged lines far from a change left out).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Vec<String>>, required = false))]
    pub lines: Vec<(char, String)>,
}

fn steps(v: &J) -> BTreeMap<String, &J> {
    let mut out = BTreeMap::new();
    for s in v["steps"].as_array().into_iter().flatten() {
        if let Some(n) = s["name"].as_str() {
            out.insert(n.to_owned(), s);
        }
    }
    out
}

fn kind(s: &J) -> String {
    s["kind"].as_str().unwrap_or("").to_owned()
}

/// `before` → `after`: two plans' fingerprints (as `runs.plan` keeps
/// them) and the params each ran with.
pub fn compare(
    before: &J,
    after: &J,
    params_before: &Map<String, J>,
    params_after: &Map<String, J>,
) -> PlanDelta {
    let (a, b) = (steps(before), steps(after));
    let mut d = PlanDelta::default();
    for (name, s) in &b {
        if !a.contains_key(name) {
            d.added.push((name.clone(), kind(s)));
        }
    }
    for (name, s) in &a {
        match b.get(name) {
            None => d.removed.push((name.clone(), kind(s))),
            Some(n) if n["def"] != s["def"] || n.get("files") != s.get("files") => {
                let mut fields = Vec::new();
                fields_of(&s["def"], &n["def"], "", &mut fields);
                if n.get("files") != s.get("files") {
                    fields.push(field(
                        "files (the content of what it runs)",
                        s.get("files"),
                        n.get("files"),
                    ));
                }
                if !fields.is_empty() {
                    d.changed.push(StepDelta {
                        step: name.clone(),
                        kind: kind(n),
                        fields,
                    });
                }
            }
            Some(_) => {}
        }
    }
    d.params = changed(params_before, params_after);
    let env = |v: &J| {
        v.get("env")
            .and_then(J::as_object)
            .cloned()
            .unwrap_or_default()
    };
    d.env = changed(&env(before), &env(after));
    d
}

fn changed(a: &Map<String, J>, b: &Map<String, J>) -> Vec<(String, J, J)> {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter_map(|k| {
            let (x, y) = (
                a.get(k).cloned().unwrap_or(J::Null),
                b.get(k).cloned().unwrap_or(J::Null),
            );
            let masked = |v: &J| v.as_str() == Some(wfc_contract::MASK);
            (x != y && !masked(&x) && !masked(&y)).then(|| (k.clone(), x, y))
        })
        .collect()
}

fn field(path: &str, before: Option<&J>, after: Option<&J>) -> FieldDelta {
    let (before, after) = (
        before.cloned().unwrap_or(J::Null),
        after.cloned().unwrap_or(J::Null),
    );
    let lines = match (&before, &after) {
        (J::String(x), J::String(y)) if x.contains('\n') || y.contains('\n') => text_lines(x, y),
        _ => Vec::new(),
    };
    FieldDelta {
        path: path.to_owned(),
        before,
        after,
        lines,
    }
}

fn fields_of(a: &J, b: &J, path: &str, out: &mut Vec<FieldDelta>) {
    walk(a, b, path, &mut |p, x, y| {
        out.push(field(p, Some(x), Some(y)))
    });
}

/// Calls `f` with the path (`fields.run`) and both values of every leaf
/// that differs between `a` and `b`, keys in order (a side without a key
/// is `null` there). Also what a resume's changes are made of.
pub(crate) fn walk(a: &J, b: &J, path: &str, f: &mut impl FnMut(&str, &J, &J)) {
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let null = J::Null;
                walk(x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null), &p, f);
            }
        }
        (x, y) if x != y => f(path, x, y),
        _ => {}
    }
}

/// A line diff of two texts, with two lines of context around changes.
fn text_lines(a: &str, b: &str) -> Vec<(char, String)> {
    let diff = similar::TextDiff::from_lines(a, b);
    let mut out = Vec::new();
    for group in diff.grouped_ops(2) {
        for op in group {
            for change in diff.iter_changes(&op) {
                let mark = match change.tag() {
                    similar::ChangeTag::Equal => ' ',
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                };
                out.push((mark, change.value().trim_end_matches('\n').to_owned()));
            }
        }
    }
    out
}

/// The newest run of workflow `workflow` (what `--diff` compares with).
pub fn last_of(store: &crate::Store, workflow: &str) -> crate::Result<Option<String>> {
    use crate::db::Optional;
    store
        .conn
        .query_row(
            "SELECT id FROM runs WHERE workflow = ?1 ORDER BY started_at DESC, id DESC LIMIT 1",
            [workflow],
            |r| r.get(0),
        )
        .optional()
}

/// The run of the same workflow started just before run `id`.
pub fn previous_of(store: &crate::Store, id: &str) -> crate::Result<Option<String>> {
    use crate::db::Optional;
    store
        .conn
        .query_row(
            "SELECT p.id FROM runs r JOIN runs p ON p.workflow = r.workflow
              AND (p.started_at < r.started_at OR (p.started_at = r.started_at AND p.id < r.id))
             WHERE r.id = ?1 ORDER BY p.started_at DESC, p.id DESC LIMIT 1",
            [id],
            |r| r.get(0),
        )
        .optional()
}

/// Run `from`'s plan against run `to`'s (`None`: either has no recorded plan).
pub fn between(store: &crate::Store, from: &str, to: &str) -> crate::Result<Option<PlanDelta>> {
    let (a, b) = (
        crate::reuse::recorded(store, from)?,
        crate::reuse::recorded(store, to)?,
    );
    Ok(match (&a.plan, &b.plan) {
        (Some(x), Some(y)) => Some(compare(x, y, &a.params, &b.params)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn steps_added_removed_and_changed_field_by_field() {
        let before = json!({"steps": [
            {"name": "a", "kind": "shell", "def": {"fields": {"run": "make a"}}},
            {"name": "b", "kind": "shell", "def": {"fields": {"run": "x\ny\nz"}}},
            {"name": "old", "kind": "http", "def": {}},
        ], "env": {"K": "1"}});
        let after = json!({"steps": [
            {"name": "a", "kind": "shell", "def": {"fields": {"run": "make a"}}},
            {"name": "b", "kind": "shell", "def": {"fields": {"run": "x\nY\nz"}}},
            {"name": "new", "kind": "shell", "def": {}},
        ], "env": {"K": "2"}});
        let p = |v: J| v.as_object().unwrap().clone();
        let d = compare(
            &before,
            &after,
            &p(json!({"v": "1", "s": "***"})),
            &p(json!({"v": "2", "s": "***"})),
        );
        assert_eq!(d.added, [("new".to_owned(), "shell".to_owned())]);
        assert_eq!(d.removed, [("old".to_owned(), "http".to_owned())]);
        assert_eq!(d.changed.len(), 1);
        let f = &d.changed[0].fields[0];
        assert_eq!(f.path, "fields.run");
        assert_eq!(
            f.lines,
            [
                (' ', "x".into()),
                ('-', "y".into()),
                ('+', "Y".into()),
                (' ', "z".into())
            ]
        );
        assert_eq!(d.params, [("v".to_owned(), json!("1"), json!("2"))]);
        assert_eq!(d.env, [("K".to_owned(), json!("1"), json!("2"))]);
        assert!(compare(&after, &after, &Map::new(), &Map::new()).is_empty());
    }
}
