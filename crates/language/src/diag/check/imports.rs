//! Constructors for imports (codes `E0220`–`E0229`, `W0135`): the files a
//! module imports, the names they bind, and the errors inside them.

use super::super::Diagnostic;
use super::list;
use crate::span::Span;

/// E0220: an import whose file cannot be read (or a `std/` module that does not exist).
pub fn import_not_found(
    span: Span,
    path: &str,
    tried: &str,
    why: &str,
    std: &[&str],
) -> Diagnostic {
    let d = Diagnostic::error("E0220", format!("cannot import `{path}`: {why}"))
        .primary(span, format!("looked for {tried}"));
    if path.starts_with("std/") {
        d.help(format!("the std library has {}", list(std)))
    } else {
        d.help(
            "a path is relative to the importing file; `std/…` names the library shipped with wfc",
        )
    }
}

/// E0221: two imports, or an import and a workflow of this file, bind one name.
pub fn module_name_clash(span: Span, first: Span, name: &str, what: &str) -> Diagnostic {
    Diagnostic::error("E0221", format!("the name `{name}` is bound twice"))
        .primary(span, format!("module `{name}` imported here"))
        .secondary(first, format!("{what} `{name}` here"))
        .help(format!(
            "name one of them otherwise: `import \"…\" as {name}_2`"
        ))
}

/// E0222: files that import each other (the chain, from this file).
pub fn import_cycle(span: Span, chain: &[String]) -> Diagnostic {
    Diagnostic::error("E0222", format!("import cycle: {}", chain.join(" → ")))
        .primary(span, "this import is part of the cycle")
        .help("modules form a tree: move what both files need into a third file that both import")
}

/// E0223: an import path that is not a plain `.wf` path.
pub fn bad_import_path(span: Span, why: &str) -> Diagnostic {
    Diagnostic::error("E0223", format!("this import path {why}"))
        .primary(span, "not a plain path")
        .help("write the path of a `.wf` file, e.g. `import \"./lib/release.wf\"` or `import \"std/notify.wf\"`")
}

/// E0224: an imported file has errors (each is reported at its own file and line).
pub fn imported_errors(span: Span, path: &str, count: usize) -> Diagnostic {
    let plural = if count == 1 { "" } else { "s" };
    Diagnostic::error("E0224", format!("`{path}` has {count} error{plural}"))
        .primary(span, "imported here")
        .help(format!("fix them first: `wfc check {path}` shows each one"))
}

/// W0135: a module imported and never called.
/// `line` is the import's whole line, which the fix removes.
pub fn unused_import(span: Span, line: Span, name: &str) -> Diagnostic {
    Diagnostic::warning(
        "W0135",
        format!("module `{name}` is imported but never called"),
    )
    .primary(span, "never called")
    .help(format!(
        "remove the import, or call it: `step x: call {name} {{ … }}`"
    ))
    .fix(line, "", "remove the import")
}
