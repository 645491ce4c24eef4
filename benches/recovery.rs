//! Recovery benchmark: how the parser fares on half-typed examples.
//!
//! `cargo bench --bench recovery` cuts every `examples/*.wf` at many points
//! and deletes each closing `}` and `"` (the corpus of
//! `tests/frontend/recovery_corpus.rs`), then prints per example (cuts and
//! deletes) and in all the share of variants reported with one diagnostic,
//! the share of the outline symbols outside the broken item still in the
//! outline, the variants with the most diagnostics, and the time per
//! variant. Not timing-sensitive; the targets are asserted by the
//! `frontend` test `recovery::` (on every third variant). Under `cargo test`
//! it runs on one example, as a smoke test.

#[path = "../tests/frontend/recovery_corpus.rs"]
mod recovery_corpus;

use recovery_corpus::{examples, measure, outline, variants, Edit, Summary};
use std::time::Instant;

fn main() {
    // Under `cargo test` (no `--bench`): one example, as a smoke test.
    let full = std::env::args().any(|a| a == "--bench");
    let examples = examples();
    let count = if full { examples.len() } else { 1 };
    let (mut cuts, mut deletes) = (Summary::default(), Summary::default());
    let mut declarations = Summary::default();
    // Cuts and deletes reported with more than one diagnostic.
    let mut worst: Vec<(usize, String, String)> = Vec::new();
    let start = Instant::now();
    for (file, text) in examples.into_iter().take(count) {
        let original = outline(&file, &text);
        let mut mine = Summary::default();
        for v in variants(&file, &text) {
            let o = measure(&original, &v);
            if v.edit != Edit::CutDeclaration {
                mine.add(&o);
                if o.diagnostics > 1 {
                    worst.push((o.diagnostics, v.name.clone(), o.codes.join(" ")));
                }
            }
            match v.edit {
                Edit::Cut => cuts.add(&o),
                Edit::CutDeclaration => declarations.add(&o),
                Edit::Delete => deletes.add(&o),
            }
        }
        println!("{}", mine.line(&file));
    }
    println!("{}", cuts.line("all cuts"));
    println!("{}", deletes.line("all deleted closers"));
    println!("{}", declarations.line("all declarations cut"));
    worst.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    println!("most diagnostics (of {} with more than one):", worst.len());
    for (n, name, codes) in worst.iter().take(10) {
        println!("  {n:>2}  {name}: {codes}");
    }
    let n = cuts.variants + deletes.variants + declarations.variants;
    println!(
        "{n} variants in {:.2}s ({:.1} ms each)",
        start.elapsed().as_secs_f64(),
        start.elapsed().as_secs_f64() * 1e3 / n.max(1) as f64
    );
}
