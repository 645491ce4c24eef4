" Syntax highlighting for wfc workflow files (.wf).
" A word is coloured as a keyword only where the language gives it that
" meaning: most of them may also name a param or a step (`param env`,
" `step wait`), and a name is never coloured as a keyword. The language
" server adds semantic highlighting on top (names resolved).
" Checked by editors/nvim/test/syntax.wf (scripts/editors/nvim-e2e.sh).
if exists("b:current_syntax")
  finish
endif

" (Later definitions win where two start at the same place.)
syn keyword wfBoolean true false
syn keyword wfOperatorWord in is
syn keyword wfType string int float bool duration time json list map contained containedin=wfTypeAnn
syn match   wfName "\<[A-Za-z_][A-Za-z0-9_-]*\>" contained
" Fields: the first word of a line inside a step, a trigger or the workflow.
syn match   wfField "\(^\s*\|{\s*\)\zs\(run\|shell\|strict\|detach\|workdir\|image\|entrypoint\|mount\|pull\|network\|get\|post\|put\|patch\|delete\|head\|headers\|body\|json\|expect\|webhook\|message\|channel\|url\|method\|to\|subject\|smtp\|from\|username\|password\|check\|approval\|timeout\|retry\|estimate\|duration\|optional\|description\|concurrency\|version\|tags\|lock\|timezone\|debounce\|runner\)\>"
syn match   wfField "\<overlap\ze\s\+\(skip\|queue\|cancel\)\>"
" Declarations: the word, then the name it declares (never a keyword).
syn match   wfStorage "^\s*\zs\(workflow\|param\|secret\|step\|let\)\>\ze\s\+[A-Za-z_]" nextgroup=wfName skipwhite
syn match   wfStorage "\<\(env\|defaults\)\>\ze\s*{"
syn match   wfKeyword "\<\(outputs\|params\|resources\)\>\ze\s*{"
syn match   wfKeyword "\<executor\>\ze\s\+[A-Za-z_]"
" Control flow and the multi-word fields.
syn match   wfKeyword "^\s*\zs\(if\|parallel\|sequence\|finally\)\>"
syn match   wfKeyword "\(^\|}\)\s*\zselse\>"
syn match   wfKeyword "\(\<else\s\+\)\@<=if\>"
syn match   wfKeyword "^\s*\zsfor\s\+each\>"
syn match   wfKeyword "\(\<for\s\+each\>.*\)\@<=\<\(parallel\|batch\|max\s\+failures\)\>"
syn match   wfKeyword "\<wait\ze\s\+\(all\|any\)\>" nextgroup=wfConstant skipwhite
syn match   wfKeyword "\(^\s*\|\<\(parallel\|all\|any\|[0-9]\+\)\s\+\)\@<=fail\s\+fast\>"
syn match   wfKeyword "\<depends\s\+on\>"
syn match   wfKeyword "^\s*\zsafter\>\ze\s\+[A-Za-z_]"
syn match   wfKeyword "^\s*\zsuntil\>"
syn match   wfKeyword "\(\<until\>.*\)\@<=\<\(every\|within\)\>"
syn match   wfKeyword "\(^\s*retry\>.*\)\@<=\<\(backoff\|max\|within\)\>"
syn match   wfKeyword "\(^\s*mount\>.*\)\@<=\<at\>"
syn match   wfKeyword "\<on\s\+\(failure\(\s\+rollback\)\=\|success\|fail\|schedule\|webhook\|change\)\>"
syn match   wfKeyword "\<catch\s\+up\>"
syn match   wfKeyword "^\s*\zsup\s\+to\s\+date\s\+when\s\+\(shell\|sql\)\>"
syn match   wfConstant "\<\(all\|any\)\>" contained
syn match   wfConstant "\(\<on\s\+fail\s\+\)\@<=\(abort\|pause\|continue\)\>"
syn match   wfConstant "\(\<backoff\>.*\)\@<=\<\(exponential\|linear\|x\d\+\(\.\d\+\)\=\)\>"
syn match   wfConstant "\(\<overlap\s\+\)\@<=\(skip\|queue\|cancel\)\>"
" What the run provides: `run.id`, `failed.step`, `request.json` (webhooks).
syn match   wfBuiltinVar "\<\(run\|failed\|request\)\ze\."
" (`contains` cannot be a :syn-keyword, so functions are a match.)
syn match   wfFunction "\<\(env\|len\|contains\|lower\|upper\|trim\|json\|default\|raw\|join\|starts_with\|ends_with\|replace\|split\|slice\|range\|keys\|values\|coalesce\|string\|int\|float\|matches\|flatten\|any\|all\|sum\|min\|max\|sort\|unique\|count\|now\|format_time\|parse_time\|seconds\|duration\|require_env\)\>\ze\s*("
" `step NAME: KIND`, with the kinds of docs/language.md; `step x: call rel.ship`.
syn match   wfStepDecl "^\s*\zsstep\s\+[A-Za-z_][A-Za-z0-9_-]*\s*:\s*[A-Za-z_][A-Za-z0-9_-]*" contains=wfStorage,wfStepName,wfKind,wfCallKind
syn match   wfStorage "\<step\>" contained
syn match   wfStepName "\(step\s\+\)\@<=[A-Za-z_][A-Za-z0-9_-]*" contained
syn match   wfKind ":\s*\zs\(shell\|http\|docker\|slack\|webhook\|email\|gate\|sleep\)\>" contained
syn match   wfCallKind ":\s*\zscall\>" contained
syn match   wfCallTarget "\(\<call\s\+\)\@<=[A-Za-z_][A-Za-z0-9_-]*\(\.[A-Za-z_][A-Za-z0-9_-]*\)\=" contains=wfCallModule
syn match   wfCallModule "[A-Za-z_][A-Za-z0-9_-]*\ze\." contained
" `call file(EXPR)`: a keyword, then an expression (after wfCallTarget: it wins).
syn match   wfCallFile "\(\<call\s\+\)\@<=file\ze\s*("
" `import "lib/release.wf" as rel`
syn match   wfImport "^\s*\zsimport\>"
syn match   wfImport "\(\"\s\+\)\@<=as\>\ze\s\+[A-Za-z_]" nextgroup=wfName skipwhite
" Types: after `param NAME:`, and in `outputs { NAME: TYPE }`.
syn match   wfTypeAnn "\(\<\(param\|secret\)\s\+[A-Za-z_][A-Za-z0-9_-]*\s*:\s*\)\@<=[A-Za-z<>?]\+\(\s*,\s*[A-Za-z<>?]\+\)*" contains=wfType
syn region  wfOutputs matchgroup=wfKeyword start="\<outputs\s*{" end="}" contains=wfOutputType,wfComment,wfString,wfTripleString,wfFunction,wfNumber,wfDuration,wfBoolean,wfOperator,wfBuiltinVar
syn match   wfOutputType "\([A-Za-z_][A-Za-z0-9_-]*\s*:\s*\)\@<=[A-Za-z][A-Za-z<>?]*" contained contains=wfType
syn match   wfDuration "\<\(\d\+\(ms\|s\|m\|h\|d\)\)\+\>"
syn match   wfNumber "\<\d\+\(\.\d\+\)\=\>"
syn match   wfOperator "==\|!=\|<=\|>=\|&&\|||\|\.\.\|?"
syn region  wfInterp matchgroup=wfInterpDelim start="\${" end="}" contained contains=wfFunction,wfNumber,wfBoolean,wfInnerString,wfOperator,wfBuiltinVar
syn match   wfEscape "\\\(u{\x\+}\|.\)" contained
syn region  wfInnerString start=+"+ skip=+\\"+ end=+"+ contained contains=wfEscape
syn region  wfString start=+"+ skip=+\\\\\|\\"+ end=+"\|$+ contains=wfEscape,wfInterp
syn region  wfTripleString start=+"""+ end=+"""+ contains=wfInterp
syn match   wfComment "#.*$" contains=wfTodo
syn match   wfDocComment "##.*$"
syn keyword wfTodo TODO FIXME XXX contained

hi def link wfStorage      StorageClass
hi def link wfKeyword      Keyword
hi def link wfOperatorWord Keyword
hi def link wfConstant     Constant
hi def link wfBoolean      Boolean
hi def link wfType         Type
hi def link wfKind         Type
hi def link wfCallKind     Keyword
hi def link wfCallTarget   Function
hi def link wfCallFile     Keyword
hi def link wfCallModule   Include
hi def link wfImport       Include
hi def link wfBuiltinVar   Special
hi def link wfFunction     Function
hi def link wfStepName     Function
hi def link wfName         Identifier
hi def link wfField        Identifier
hi def link wfDuration     Number
hi def link wfNumber       Number
hi def link wfOperator     Operator
hi def link wfInterpDelim  Special
hi def link wfEscape       SpecialChar
hi def link wfString       String
hi def link wfInnerString  String
hi def link wfTripleString String
hi def link wfComment      Comment
hi def link wfDocComment   SpecialComment
hi def link wfTodo         Todo

let b:current_syntax = "wf"
