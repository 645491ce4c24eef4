//! The built-in templates of `wfc new`: `.wf` files from the repository's
//! `templates/` directory, embedded in the binary so `wfc new` works from
//! any directory and matches the wfc version.

use wfc_language::analysis;

/// One built-in template.
pub struct Template {
    /// What `wfc new NAME` calls it; also its default file's stem.
    pub name: &'static str,
    /// The template's source, as written to the new file.
    pub text: &'static str,
}

/// Every template, in the order `wfc new --list` shows them.
pub const TEMPLATES: &[Template] = &[
    template("blank", include_str!("../../../templates/blank.wf")),
    template(
        "deploy-api",
        include_str!("../../../templates/deploy-api.wf"),
    ),
    template(
        "test-suite",
        include_str!("../../../templates/test-suite.wf"),
    ),
    template(
        "data-pipeline",
        include_str!("../../../templates/data-pipeline.wf"),
    ),
    template(
        "ml-training",
        include_str!("../../../templates/ml-training.wf"),
    ),
    template(
        "incident-response",
        include_str!("../../../templates/incident-response.wf"),
    ),
    template(
        "security-alert",
        include_str!("../../../templates/security-alert.wf"),
    ),
    template(
        "maintenance-window",
        include_str!("../../../templates/maintenance-window.wf"),
    ),
    template(
        "config-update",
        include_str!("../../../templates/config-update.wf"),
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

/// Every template in the order to offer them for `dir`: those that fit
/// (the best first), then `blank`, then the rest.
pub fn ordered(dir: &std::path::Path) -> Vec<(&'static Template, Option<super::fits::Fit>)> {
    let fits = super::fits::of(dir);
    let mut out: Vec<(&'static Template, Option<super::fits::Fit>)> = fits
        .into_iter()
        .filter_map(|f| Template::named(f.template).map(|t| (t, Some(f))))
        .collect();
    for t in TEMPLATES {
        if !out.iter().any(|(o, _)| o.name == t.name) {
            out.push((t, None));
        }
    }
    out
}

/// `wfc new --list`: one line per template, names aligned; those that fit
/// `dir` say why at the end of their line.
pub fn list(dir: &std::path::Path) -> String {
    let fits = super::fits::of(dir);
    let width = TEMPLATES.iter().map(|t| t.name.len()).max().unwrap_or(0);
    TEMPLATES
        .iter()
        .map(|t| match fits.iter().find(|f| f.template == t.name) {
            Some(f) => format!(
                "{:width$}  {}  [fits: {}]\n",
                t.name,
                t.summary(),
                f.because.join(", ")
            ),
            None => format!("{:width$}  {}\n", t.name, t.summary()),
        })
        .collect()
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
