//! Completion inside a `sql` step's `params { }`: the `:name`s its query
//! uses, less those already bound — also while the file does not parse.

use wfc_language::ide::Doc;

/// The completion labels where `$0` stands in `src` (removed first).
fn labels(src: &str) -> Vec<String> {
    let at = src.find("$0").expect("a $0 cursor");
    let text = src.replacen("$0", "", 1);
    let d = Doc::analyze("test.wf", &text);
    d.completion(at).into_iter().map(|i| i.label).collect()
}

const LOAD: &str = r#"workflow w {
  param day: string = "2024-01-01"
  step load: sql {
    database "sqlite::memory:"
    query """
      -- :commented is not a param; ':quoted' neither
      insert into t select * from staging where day = :day and region = :region;
      delete from staging where day = :day and kept < :keep
    """
    params {
      region = "eu"
      $0
    }
  }
}
"#;

#[test]
fn offers_the_query_params_not_yet_bound_in_query_order() {
    assert_eq!(labels(LOAD), ["day", "keep"]);
    // The item inserts `name = ` with the cursor after it.
    let at = LOAD.find("$0").unwrap();
    let d = Doc::analyze("test.wf", &LOAD.replacen("$0", "", 1));
    let item = &d.completion(at)[0];
    assert_eq!(item.insert_text.as_deref(), Some("day = $0"));
}

#[test]
fn works_while_the_block_is_still_open_and_the_word_half_typed() {
    let src = "workflow w {\n  step q: sql {\n    database \"sqlite::memory:\"\n    query \"select :since, :limit_rows\"\n    params {\n      li$0";
    assert_eq!(labels(src), ["limit_rows"]);
}

#[test]
fn other_maps_and_other_kinds_get_no_sql_params() {
    // `env { }` of a sql step, and `params` of a step of another kind.
    let env = LOAD.replace(
        "params {\n      region = \"eu\"\n      $0",
        "env {\n      $0",
    );
    assert!(labels(&env).is_empty(), "{:?}", labels(&env));
    let shell = "workflow w {\n  step s: shell {\n    run \"echo :day\"\n    params {\n      $0\n    }\n  }\n}\n";
    assert!(labels(shell).is_empty());
}
