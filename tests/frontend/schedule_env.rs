//! `on schedule env("…")` fixtures (`tests/schedule_env/`): each file's
//! `# env: NAME=VALUE` lines are the server's environment when it loads the
//! file; `<CODE>-*.wf` must then be refused with `<CODE>`, `ok-*.wf` load.

use std::collections::BTreeMap;

#[test]
fn env_schedules_are_checked_when_the_file_is_loaded() {
    let mut files: Vec<_> = std::fs::read_dir("tests/schedule_env")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wf"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let env: BTreeMap<String, String> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# env: "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let a = wfc_language::analysis::analyze(&name, &text);
        let errors: Vec<_> = a
            .diagnostics()
            .into_iter()
            .filter(|d| d.is_error())
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: `wfc check` knows no env: {errors:?}"
        );
        let mut codes = Vec::new();
        for c in a.module.unwrap().workflows {
            for t in c.ir.triggers {
                if let wfc_language::ir::Trigger::Schedule(mut s) = t {
                    let lookup = |n: &str| env.get(n).cloned();
                    match s.resolve_env(&lookup) {
                        Ok(()) => assert!(!s.cron.is_empty(), "{name}"),
                        Err(d) => codes.extend(d.iter().map(|d| d.code)),
                    }
                }
            }
        }
        let expected = name.split('-').next().unwrap();
        if expected == "ok" {
            assert!(codes.is_empty(), "{name}: {codes:?}");
        } else {
            assert!(codes.contains(&expected), "{name}: {codes:?}");
        }
    }
}
