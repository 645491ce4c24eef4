//! A param's default and constraint as listings show them (`wfc list`, the
//! server's workflow list): as written, a secret's literal default masked.

use super::expr::{show, MASK};
use wfc_language::ir::{Constraint, ExprKind, Func, Param, Workflow};

/// The texts of param `p` of `wf`.
pub struct ParamText {
    /// As written (`***` for a secret's literal default); `None` when required.
    pub default: Option<String>,
    /// `in [a, b]` or `in lo..hi`, as written.
    pub constraint: Option<String>,
}

pub fn param_text(wf: &Workflow, p: &Param) -> ParamText {
    let default = p.default.as_ref().map(|d| {
        // A secret's default is shown only when it says where the value
        // comes from (`env("TOKEN")`), never when it is the value.
        let from_env = matches!(&d.kind, ExprKind::Call(Func::Env | Func::RequireEnv, _));
        if p.secret && !from_env {
            MASK.to_string()
        } else {
            show(wf, d)
        }
    });
    let constraint = p.constraint.as_ref().map(|c| match c {
        Constraint::OneOf(xs) => {
            let items: Vec<String> = xs.iter().map(|x| show(wf, x)).collect();
            format!("in [{}]", items.join(", "))
        }
        Constraint::Range(lo, hi) => format!("in {}..{}", show(wf, lo), show(wf, hi)),
    });
    ParamText {
        default,
        constraint,
    }
}
