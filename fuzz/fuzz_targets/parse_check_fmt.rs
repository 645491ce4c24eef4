//! Any UTF-8 input: parse, check and format must not panic, and formatted
//! output must parse again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let analysis = wfc_language::analysis::analyze("fuzz.wf", text);
    let _ = analysis.diagnostics();
    if let Ok(formatted) = wfc_language::fmt::format_source(text) {
        assert!(wfc_language::syntax::parse(&formatted).file.is_some());
    }
});
