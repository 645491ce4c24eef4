use super::*;
use crate::shell_syntax::Segment::{Raw, Text, Value};

/// The readings of a template written with `¤` for each value.
fn read(template: &str) -> Vec<String> {
    let mut segs = Vec::new();
    for (i, part) in template.split('¤').enumerate() {
        if i > 0 {
            segs.push(Value("v"));
        }
        segs.push(Text(part));
    }
    show(&readings(&segs))
}

fn show(found: &[Finding]) -> Vec<String> {
    found
        .iter()
        .map(|f| {
            let what = match &f.target {
                Target::Value(i) => format!("#{i}"),
                Target::Var { name, .. } => format!("${name}"),
                Target::Via { value, var, .. } => format!("#{value} via ${var}"),
            };
            let how = match &f.reading {
                Reading::Arithmetic(p) => format!("arith: {p}"),
                Reading::Name(p) => format!("name: {p}"),
                Reading::Prompt => "prompt".into(),
                Reading::PromptVariable => "prompt variable".into(),
                Reading::Code(p) => format!("code: {p}"),
            };
            format!("{what} {how}")
        })
        .collect()
}

#[test]
fn test_operands_in_double_brackets() {
    assert_eq!(
        read("[[ \"¤\" -eq 1 ]] || true"),
        ["#0 arith: the operand of `-eq` in `[[ … ]]`"]
    );
    assert_eq!(
        read("if [[ 1 -lt ¤ && ¤ == x ]]; then :; fi"),
        ["#0 arith: the operand of `-lt` in `[[ … ]]`"]
    );
    assert_eq!(
        read("[[ $N -ge 2 ]]"),
        ["$N arith: the operand of `-ge` in `[[ … ]]`"]
    );
    assert_eq!(
        read("[[ N -gt 2 ]]"),
        ["$N arith: the operand of `-gt` in `[[ … ]]`"]
    );
    assert_eq!(
        read("[[ -v ¤ ]]"),
        ["#0 name: the name given to `-v` in `[[ … ]]`"]
    );
    // Text comparisons, `[ … ]` (bash's test builtin) and quoted operators are not arithmetic.
    assert!(read("[[ ¤ == 1 ]]; [ ¤ -eq 1 ]; test ¤ -gt 0; [[ ¤ \"-eq\" 1 ]]").is_empty());
}

#[test]
fn let_declare_and_integer_variables() {
    assert_eq!(
        read("let n=¤ || true"),
        [
            "#0 arith: an argument of `let`",
            "$n arith: an argument of `let`"
        ]
    );
    assert_eq!(
        read("let \"n = N + 1\""),
        [
            "$n arith: an argument of `let`",
            "$N arith: an argument of `let`"
        ]
    );
    assert_eq!(
        read("declare -i n=¤"),
        ["#0 arith: the value of `declare -i`"]
    );
    assert_eq!(
        read("f() { local -ri n=\"¤\"; }"),
        ["#0 arith: the value of `declare -i`"]
    );
    assert_eq!(
        read("typeset -i n; echo; n=¤"),
        ["#0 arith: a value assigned to `n`, declared `-i`"]
    );
    assert_eq!(
        read("declare -i n; n+=$N"),
        ["$N arith: a value assigned to `n`, declared `-i`"]
    );
    assert_eq!(
        read("declare ¤=1"),
        ["#0 name: the name given to `declare`"]
    );
    assert_eq!(
        read("declare -n r=¤"),
        ["#0 name: the value of `declare -n`"]
    );
    // A plain assignment or `export` keeps the value as text.
    assert!(read("n=¤ x=\"¤\" export X=¤; declare -x y=¤; readonly Z=¤").is_empty());
}

#[test]
fn names_given_to_builtins() {
    assert_eq!(
        read("printf -v ¤ %s 1"),
        ["#0 name: the name given to `printf -v`"]
    );
    assert_eq!(
        read("printf -v\"¤\" %s 1"),
        ["#0 name: the name given to `printf -v`"]
    );
    assert!(read("printf '%s' ¤; printf -v out %s ¤").is_empty());
    assert_eq!(
        read("read -r ¤ <<< x"),
        ["#0 name: the name given to `read`"]
    );
    assert_eq!(
        read("read -p ¤ -a \"$A\" x"),
        ["$A name: the name given to `read -a`"]
    );
    assert!(read("read -r x <<< ¤; read -d ¤ -t 1 y < ¤").is_empty());
    assert_eq!(read("unset -v ¤"), ["#0 name: the name given to `unset`"]);
    assert_eq!(
        read("test -v \"$N\""),
        ["$N name: the name given to `test -v`"]
    );
}

#[test]
fn subscripts_offsets_and_expansions() {
    assert_eq!(read("a[¤]=1"), ["#0 arith: an array subscript"]);
    assert_eq!(read("a[\"¤\"]+=1 cmd"), ["#0 arith: an array subscript"]);
    assert_eq!(
        read("echo \"${a[N]}\" ${#a[$M]}"),
        [
            "$N arith: an array subscript",
            "$M arith: an array subscript"
        ]
    );
    assert_eq!(
        read("echo ${v:N:2}"),
        ["$N arith: the offset of a `${…:…}`"]
    );
    assert!(read("echo ${v:-N} ${a[@]} ${!p*} ${#N} ${N%x}").is_empty());
    assert_eq!(read("echo ${!N}"), ["$N name: a `${!…}` indirection"]);
    assert_eq!(read("echo ${N@P}"), ["$N prompt"]);
    assert_eq!(
        read("echo $(( N + 1 )) $[ M ]; (( K > 2 ))"),
        [
            "$N arith: shell arithmetic",
            "$M arith: shell arithmetic",
            "$K arith: shell arithmetic"
        ]
    );
    assert!(read("echo $(( 0x1f + 16#ff + 2 ))").is_empty());
}

#[test]
fn array_literals_and_associative_arrays() {
    assert_eq!(read("a=([¤]=1)"), ["#0 arith: an array subscript"]);
    assert_eq!(
        read("declare -a a=(x [¤]=1 ¤)"),
        ["#0 arith: an array subscript"]
    );
    assert_eq!(
        read("a+=(\"[¤]=1\" [$N]=2)"),
        ["$N arith: an array subscript"]
    );
    // An associative array's keys are text.
    assert!(read("declare -A m=([¤]=1); m[¤]=2; m+=([¤]=3); echo \"${m[K]}\"").is_empty());
    assert!(read("f() { local -A m; m[\"¤\"]=1; }; a=(¤ ¤); b=(\"¤\")").is_empty());
    // A name is a name, whatever the array.
    assert_eq!(
        read("declare -A m; unset \"m[¤]\""),
        ["#0 name: the name given to `unset`"]
    );
}

/// The findings through the command's own variables only.
fn via(template: &str) -> Vec<String> {
    read(template)
        .into_iter()
        .filter(|f| f.contains(" via "))
        .collect()
}

#[test]
fn values_through_the_commands_own_variables() {
    let arith = |n: &str| format!("#0 via ${n} arith: shell arithmetic");
    assert_eq!(via("n=¤; echo $(( n + 1 ))"), [arith("n")]);
    assert_eq!(via("f() { local m=\"v¤\"; n=$m; (( n )); }"), [arith("n")]);
    assert_eq!(via("for i in a ¤; do (( i > 1 )); done"), [arith("i")]);
    assert_eq!(via("n=$(echo ¤ | tr a b); echo $[ n ]"), [arith("n")]);
    assert_eq!(via("set -- ¤; echo $(( $1 + 1 ))"), [arith("1")]);
    assert_eq!(
        via("read -r n <<< \"¤\"; [[ $n -gt 1 ]]"),
        ["#0 via $n arith: the operand of `-gt` in `[[ … ]]`"]
    );
    assert_eq!(
        via("printf '%s\\n' ¤ | while read -r n; do printf -v \"$n\" x; done"),
        ["#0 via $n name: the name given to `printf -v`"]
    );
    // Read as text, or read from a file the value names: no flow.
    assert!(via("n=¤; echo \"$n\"; [[ $n == 1 ]]; read m < ¤; (( m )); a=¤ || (( a ))").len() == 1);
    assert!(via("read m < ¤; (( m )); echo ¤ || read k; (( k ))").is_empty());
}

#[test]
fn values_through_arrays_loops_and_functions() {
    let arith = |n: &str| format!("#0 via ${n} arith: shell arithmetic");
    assert_eq!(via("a=(x ¤); echo $(( a[1] ))"), [arith("a")]);
    assert_eq!(via("a+=(¤); (( a ))"), [arith("a")]);
    assert_eq!(
        via("while read -r l; do echo $(( l )); done <<< ¤"),
        [arith("l")]
    );
    assert_eq!(via("f() { echo $(( $1 )); }; f ¤"), [arith("1")]);
    assert_eq!(
        via("function g { local n=$2; (( n )); }; g a ¤"),
        [arith("n")]
    );
    assert_eq!(
        via("h () { let \"$1\"; }\nh ¤"),
        ["#0 via $1 arith: an argument of `let`"]
    );
    // Another command's arguments are not a function's.
    assert!(via("f() { echo $(( $1 )); }; echo ¤").is_empty());
}

#[test]
fn values_a_command_substitution_echoes() {
    assert_eq!(
        read("echo $(( $(echo ¤) + 1 ))"),
        ["#0 arith: echoed by a `$(…)` into shell arithmetic"]
    );
    assert_eq!(
        read("[[ $(printf %s \"¤\" | tr -d x) -gt 1 ]]"),
        ["#0 arith: echoed by a `$(…)` into the operand of `-gt` in `[[ … ]]`"]
    );
    // What a command makes of a value is no longer the value.
    let found = read("[[ $(wc -l < ¤) -gt 1 ]]; n=$(cat ¤); (( n ))");
    assert!(found.iter().all(|f| !f.starts_with('#')), "{found:?}");
}

#[test]
fn the_command_string_of_an_inner_shell() {
    assert_eq!(
        via("bash -c 'echo $(( $1 + 1 ))' _ ¤"),
        ["#0 via $1 arith: shell arithmetic"]
    );
    assert_eq!(
        read("x=¤ bash -c 'let n=x'"),
        [
            "$n arith: an argument of `let`",
            "$x arith: an argument of `let`",
            "#0 via $x arith: an argument of `let`"
        ]
    );
    // Text the outer shell expands is not known here.
    assert!(read("bash -c \"let n=$M\" _ ¤")
        .iter()
        .all(|f| !f.contains("let")));
}

#[test]
fn second_shells() {
    assert_eq!(read("eval \"echo ¤\""), ["#0 code: the argument of `eval`"]);
    assert_eq!(
        read("sh -c \"echo ¤\""),
        ["#0 code: the command string of `sh -c`"]
    );
    assert_eq!(
        read("/bin/bash -euo pipefail -c 'echo ¤' _ ¤"),
        ["#0 code: the command string of `bash -c`"]
    );
    assert_eq!(
        read("find . -exec sh -c \"echo $N\" \\;"),
        ["$N code: the command string of `sh -c`"]
    );
    assert_eq!(
        read("ls | xargs bash -c \"rm ¤\""),
        ["#0 code: the command string of `bash -c`"]
    );
    assert_eq!(
        read("ssh -p 22 -o X=y ¤ ls ¤ \"$N\""),
        [
            "#1 code: the remote command of `ssh`",
            "$N code: the remote command of `ssh`"
        ]
    );
    assert_eq!(
        read("su -l root -c \"id ¤\""),
        ["#0 code: the command of `su -c`"]
    );
    assert_eq!(
        read("su --command=\"id ¤\" root"),
        ["#0 code: the command of `su -c`"]
    );
    // The value as an argument of the inner shell, or read by it from its
    // environment: no second parse.
    assert!(read("sh -c 'echo \"$1\" \"$N\"' _ ¤; bash ./x.sh -c ¤").is_empty());
    // A value that is the whole command is a command by design.
    assert!(read("sh -c ¤; eval \"¤\"; ssh host \"$CMD\"; bash -c \"${CMD}\"").is_empty());
}

#[test]
fn quoting_comments_heredocs_and_redirections() {
    assert!(read("echo '[[ ¤ -eq 1 ]]' \"let ¤\" # let ¤").is_empty());
    assert!(read("cat <<EOF >f\nlet x=1\nEOF\necho let ¤").is_empty());
    assert_eq!(
        read("cat <<E; let ¤\nE\n"),
        ["#0 arith: an argument of `let`"]
    );
    assert!(read("read x < ¤; read y 2> ¤ <<< ¤").is_empty());
    assert_eq!(
        read("x=$(let ¤); y=`let z`"),
        ["#0 arith: an argument of `let`"]
    );
    // A raw() value ends the reading.
    assert!(readings(&[Text("echo "), Raw("x"), Text("; let "), Value("v")]).is_empty());
}

/// Any text, however broken, is read without a panic.
#[test]
fn reads_any_text() {
    const TOKENS: [&str; 40] = [
        "¤",
        " ",
        "\n",
        ";",
        "|",
        "&",
        "(",
        ")",
        "((",
        "))",
        "[[",
        "]]",
        "[",
        "]",
        "{",
        "}",
        "$",
        "${",
        "$(",
        "$[",
        "'",
        "\"",
        "\\",
        "`",
        "<",
        ">",
        "<<",
        "<<<",
        "=",
        "+=",
        "-eq",
        "let",
        "declare -i",
        "read",
        "printf -v",
        "sh -c",
        "ssh",
        "a",
        "n",
        "#",
    ];
    let mut seed: u64 = 0x5eed;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(seed % 24) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            text.push_str(TOKENS[(seed >> 33) as usize % TOKENS.len()]);
        }
        read(&text);
    }
}

/// Every way a value reaches a variable declared `-i` or `-n`, and every
/// value assigned to a prompt variable, is refused.
#[test]
fn test_values_reaching_integer_nameref_and_prompt_variables() {
    let cases = [
        "declare -i n; read n <<< ¤",
        "declare -i n; for n in ¤; do :; done",
        "declare -i n; printf -v n %s ¤",
        "declare -i n; mapfile -t n <<< ¤",
        "declare -i n=(¤)",
        "f(){ local -i n=$1; }; f ¤",
        "f(){ local -n r=$1; echo $r; }; f ¤",
        "n=¤; declare -n r=n; echo $((r))",
        "PS4=¤; set -x; true",
        "export PROMPT_COMMAND=¤",
        "read PS1 <<< ¤",
    ];
    for case in cases {
        let found = read(case);
        assert!(
            found.iter().any(|f| f.starts_with("#0")),
            "{case}: {found:?}"
        );
    }
    assert!(read("declare -i n=5; m=¤; echo \"$m\"").is_empty());
}
