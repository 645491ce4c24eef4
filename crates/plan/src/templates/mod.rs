//! The built-in templates of `wfc new` (and of MCP's
//! `create_from_template`): `.wf` files from the repository's `templates/`
//! directory, embedded in the binary so `wfc new` works from any directory
//! and matches the wfc version; [`answers`] makes given param values
//! their defaults.

pub mod answers;

use crate::Value;
use wfc_language::analysis;

/// One built-in template.
pub struct Template {
    /// What `wfc new NAME` calls it; also its default file's stem.
    pub name: &'static str,
    /// The template's source, as written to the new file.
    pub text: &'static str,
}

/// Every template, in the order `wfc new --list` shows them (after those
/// that fit the folder).
pub const TEMPLATES: &[Template] = &[
    template("blank", include_str!("../../../../templates/blank.wf")),
    template(
        "deploy-api",
        include_str!("../../../../templates/deploy-api.wf"),
    ),
    template(
        "test-suite",
        include_str!("../../../../templates/test-suite.wf"),
    ),
    template(
        "data-pipeline",
        include_str!("../../../../templates/data-pipeline.wf"),
    ),
    template(
        "ml-training",
        include_str!("../../../../templates/ml-training.wf"),
    ),
    template(
        "incident-response",
        include_str!("../../../../templates/incident-response.wf"),
    ),
    template(
        "security-alert",
        include_str!("../../../../templates/security-alert.wf"),
    ),
    template(
        "maintenance-window",
        include_str!("../../../../templates/maintenance-window.wf"),
    ),
    template(
        "config-update",
        include_str!("../../../../templates/config-update.wf"),
    ),
];

const fn template(name: &'static str, text: &'static str) -> Template {
    Template { name, text }
}

impl Template {
    /// The template named `name`.
    pub fn named(name: &str) -> Option<&'static Template> {
        TEMPLATES.iter().find(|t| t.name == name)
    }

    /// Its one-line summary: the workflow's `description`, so the list and
    /// the file never disagree.
    pub fn summary(&self) -> String {
        analysis::analyze_lean(self.name, self.text)
            .module
            .and_then(|m| m.into_first().ir.description)
            .unwrap_or_default()
    }
}

/// `template`'s text with `params` (name, value as `--param` reads it)
/// as the defaults of those params: each checked by its type and
/// constraint, the result checked again ([`answers::apply`]). A secret
/// (its value comes from the environment, never from a file) or an
/// unknown name is refused.
pub fn with_params(template: &Template, params: &[(String, String)]) -> Result<String, String> {
    let wf = analysis::analyze_lean(template.name, template.text)
        .module
        .map(|m| m.into_first().ir)
        .ok_or_else(|| format!("the template {} does not check", template.name))?;
    let mut answers: Vec<(usize, Value)> = Vec::new();
    for (name, text) in params {
        let Some(id) = wf.params.iter().position(|p| &p.name == name) else {
            let names = wf.params.iter().map(|p| p.name.as_str());
            let hint = wfc_language::diag::did_you_mean(name, names)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            return Err(format!(
                "the template {} has no param `{name}`{hint}",
                template.name
            ));
        };
        if wf.params[id].secret {
            return Err(format!(
                "`{name}` is a secret: its value comes from the environment, never from a file"
            ));
        }
        let value = answers::validate(&wf, id, text).map_err(|e| format!("`{name}`: {e}"))?;
        answers.push((id, value));
    }
    answers::apply(template.name, template.text, &answers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_checks_clean_and_is_named_after_its_workflow() {
        for t in TEMPLATES {
            let a = analysis::analyze_lean(t.name, t.text);
            assert!(
                a.diagnostics().is_empty(),
                "{}: {:?}",
                t.name,
                a.diagnostics()
            );
            let ir = a.module.expect("checked").into_first().ir;
            assert_eq!(ir.name, t.name);
            assert!(ir.description.is_some(), "{} has no description", t.name);
        }
    }

    #[test]
    fn every_template_says_what_it_is_and_that_it_has_stand_ins() {
        for t in TEMPLATES {
            assert!(
                t.text.starts_with(&format!("# {}.wf — ", t.name)),
                "{}",
                t.name
            );
            assert!(t.text.contains("stand-in"), "{}", t.name);
        }
    }
}
