//! Local recovery over the corpus of half-typed examples
//! ([`super::recovery_corpus`]): the targets of issue 34, guarded.
//!
//! `RECOVERY_DUMP=1 cargo test --test frontend recovery::` prints every
//! variant that misses a target, with its diagnostics' codes.

use super::recovery_corpus::{examples, measure, outline, variants, Edit, Summary};

#[test]
fn half_typed_examples_give_one_diagnostic_and_keep_the_rest_of_the_outline() {
    let dump = std::env::var_os("RECOVERY_DUMP").is_some();
    // `RECOVERY_SHOW=NAME`: also the text and diagnostics of those variants.
    let show = std::env::var("RECOVERY_SHOW").ok();
    let (mut cuts, mut deletes) = (Summary::default(), Summary::default());
    let mut declarations = Summary::default();
    for (file, text) in examples() {
        let original = outline(&file, &text);
        // Every third variant: the whole corpus is the benchmark's
        // (`cargo bench --bench recovery`); this keeps the test quick.
        for v in variants(&file, &text).into_iter().step_by(3) {
            let o = measure(&original, &v);
            if dump
                && v.edit != Edit::CutDeclaration
                && (o.diagnostics > 1 || o.kept * 10 < o.outside * 9)
            {
                println!("{}: {:?} kept {}/{}", v.name, o.codes, o.kept, o.outside);
                if show.as_deref().is_some_and(|s| v.name.contains(s)) {
                    let doc = wfc_language::ide::Doc::analyze("v.wf", &v.text);
                    println!("{}\n{:#?}", v.text, doc.diagnostics());
                }
            }
            match v.edit {
                Edit::Cut => cuts.add(&o),
                Edit::CutDeclaration => declarations.add(&o),
                Edit::Delete => deletes.add(&o),
            }
        }
    }
    println!("{}", cuts.line("cuts"));
    println!("{}", deletes.line("deleted closers"));
    println!("{}", declarations.line("declarations cut"));
    assert!(cuts.variants + deletes.variants >= 40);
    for s in [&cuts, &deletes] {
        assert!(
            s.one_diagnostic_share() >= 0.9,
            "{}",
            s.line("below target")
        );
        assert!(s.kept_share() >= 0.9, "{}", s.line("below target"));
    }
}
