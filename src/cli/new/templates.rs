//! The built-in templates as `wfc new` offers them: the table and the
//! rendering of params as defaults are `wfc_plan::templates` (MCP's
//! `create_from_template` uses them too); here, their order and list for
//! a folder, those that fit it ([`super::fits`]) first.

pub use wfc_plan::templates::{Template, TEMPLATES};

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
