//! A workflow's alert rules as a run carries them to its end: the checked
//! rules, and the params' defaults their channels read. A channel's fields
//! are evaluated only when a message is sent ([`Rules::channel`]): a
//! webhook URL or a password lives in memory for that send, never in the
//! plan's renderings or the store.

use super::eval::{self, Eval, Scope};
use super::value::Value;
use wfc_language::ir::alerts::{Channel, ChannelKind};
use wfc_language::ir::{Alert, Expr, Workflow};

/// The fields whose values are credentials, masked in whatever is said
/// about a send (besides any value computed from a secret).
const CREDENTIALS: [&str; 5] = ["webhook", "url", "smtp", "username", "password"];

/// A workflow's rules, and what their channels need to be evaluated.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    pub workflow: String,
    pub alerts: Vec<Alert>,
    /// Each param's default, by id (empty without rules).
    defaults: Vec<Option<Expr>>,
}

/// A channel with its fields evaluated, for one send.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub kind: ChannelKind,
    /// Each field's text (`to`'s addresses joined by `, `).
    pub fields: Vec<(String, String)>,
    /// `to` as a list.
    pub to: Vec<String>,
    pub headers: Vec<(String, String)>,
    /// The values to mask in anything said about the send.
    pub secrets: Vec<String>,
}

impl Resolved {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Rules {
    /// The rules of `wf` (nothing kept when it has none).
    pub fn of(wf: &Workflow) -> Rules {
        if wf.alerts.is_empty() {
            return Rules {
                workflow: wf.name.clone(),
                ..Rules::default()
            };
        }
        Rules {
            workflow: wf.name.clone(),
            alerts: wf.alerts.clone(),
            defaults: wf.params.iter().map(|p| p.default.clone()).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }

    pub fn get(&self, name: &str) -> Option<&Alert> {
        self.alerts.iter().find(|a| a.name == name)
    }

    /// Evaluates `c`'s fields over the params' defaults (and `env(…)` of
    /// this process); `Err` says which field cannot be, never its value.
    pub fn channel(&self, c: &Channel) -> Result<Resolved, String> {
        let params = self.param_values();
        let none = |_| false;
        let scope = Scope {
            params: &params,
            loops: &[],
            pruned: &none,
        };
        let value = |name: &str, x: &Expr| match eval::eval(x, &scope) {
            Eval::Known(v) => Ok(v),
            Eval::Error(_) if x.tainted => Err(format!("`{name}` cannot be computed")),
            Eval::Error(why) => Err(format!("`{name}` cannot be computed: {why}")),
            Eval::Unknown => Err(format!("`{name}` cannot be computed without a run")),
        };
        let mut out = Resolved {
            kind: c.kind,
            fields: Vec::new(),
            to: Vec::new(),
            headers: Vec::new(),
            secrets: Vec::new(),
        };
        for (name, x) in &c.fields {
            let v = value(name, x)?;
            let texts: Vec<String> = match v {
                Value::List(items) => items.iter().map(Value::to_text).collect(),
                other => vec![other.to_text()],
            };
            if x.tainted || CREDENTIALS.contains(&name.as_str()) {
                out.secrets
                    .extend(texts.iter().filter(|t| !t.is_empty()).cloned());
            }
            if name == "to" {
                out.to.clone_from(&texts);
            }
            out.fields.push((name.clone(), texts.join(", ")));
        }
        for (name, x) in &c.headers {
            let text = value(&format!("headers.{name}"), x)?.to_text();
            if !text.is_empty() {
                out.secrets.push(text.clone());
            }
            out.headers.push((name.clone(), text));
        }
        Ok(out)
    }

    /// The params' defaults, in order (a default may read the ones before).
    fn param_values(&self) -> Vec<Option<Value>> {
        let mut values: Vec<Option<Value>> = vec![None; self.defaults.len()];
        for (id, d) in self.defaults.iter().enumerate() {
            let Some(d) = d else { continue };
            let none = |_| false;
            let scope = Scope {
                params: &values,
                loops: &[],
                pruned: &none,
            };
            if let Eval::Known(v) = eval::eval(d, &scope) {
                values[id] = Some(v);
            }
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Rules {
        let a = wfc_language::analysis::analyze("t.wf", text);
        let errors: Vec<_> = a
            .diagnostics()
            .into_iter()
            .filter(|d| d.is_error())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        Rules::of(&a.module.unwrap().workflows.remove(0).ir)
    }

    #[test]
    fn a_channel_reads_the_params_defaults_and_masks_its_credentials() {
        let r = rules(
            r#"
workflow w {
  param team: string = "ops"
  secret token: string = "t0ken"
  alert a {
    when consecutive_failures >= 2
    notify webhook { url "http://127.0.0.1:9/${team}"  headers { X-Token = token } }
    notify email { to ["${team}@example.com", "b@example.com"]  smtp "smtp://localhost:25" }
  }
  step s: shell { run "echo ${team}" }
}
"#,
        );
        let a = r.get("a").unwrap();
        let hook = r.channel(&a.channels[0]).unwrap();
        assert_eq!(hook.field("url"), Some("http://127.0.0.1:9/ops"));
        assert_eq!(hook.headers, [("X-Token".to_owned(), "t0ken".to_owned())]);
        assert!(hook.secrets.contains(&"t0ken".to_owned()));
        assert!(hook.secrets.contains(&"http://127.0.0.1:9/ops".to_owned()));
        let mail = r.channel(&a.channels[1]).unwrap();
        assert_eq!(mail.to, ["ops@example.com", "b@example.com"]);
        assert!(!mail.secrets.iter().any(|s| s.contains("example.com")));
    }
}
