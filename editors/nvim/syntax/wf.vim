" Syntax highlighting for wfc workflow files (.wf).
" The language server adds semantic highlighting on top (names resolved).
if exists("b:current_syntax")
  finish
endif

syn keyword wfStorage workflow param secret step env defaults let nextgroup=wfName skipwhite
syn keyword wfKeyword if else for each in parallel sequence after wait finally depends on failure success rollback fail at backoff max within until every outputs
" Triggers and locks (`on schedule|webhook|change`, `catch up`, `lock`).
syn keyword wfKeyword schedule webhook change lock catch up
syn keyword wfBoolean true false
syn keyword wfType string int float bool duration json list map contained containedin=wfTypeAnn
" (`contains` cannot be a :syn-keyword, so functions are a match.)
syn match   wfFunction "\<\(env\|len\|contains\|lower\|upper\|trim\|json\|default\|raw\|join\|starts_with\|ends_with\|replace\|split\|slice\|range\|keys\|values\|coalesce\|string\|int\|float\|matches\)\>\ze\s*("
syn match   wfName "\<[A-Za-z_][A-Za-z0-9_-]*\>" contained
syn match   wfStepDecl "\<step\s\+[A-Za-z_][A-Za-z0-9_-]*\s*:\s*[A-Za-z_][A-Za-z0-9_-]*" contains=wfStorage,wfStepName,wfKind,wfCallKind
syn match   wfStepName "\(step\s\+\)\@<=[A-Za-z_][A-Za-z0-9_-]*" contained
syn match   wfKind ":\s*\zs[A-Za-z_][A-Za-z0-9_-]*" contained
" `step x: call rel.ship`: `call` a keyword, the target a workflow (`rel.` its module).
syn match   wfCallKind ":\s*\zscall\>" contained
syn match   wfCallTarget "\(\<call\s\+\)\@<=[A-Za-z_][A-Za-z0-9_-]*\(\.[A-Za-z_][A-Za-z0-9_-]*\)\=" contains=wfCallModule
syn match   wfCallModule "[A-Za-z_][A-Za-z0-9_-]*\ze\." contained
" `import "lib/release.wf" as rel`
syn match   wfImport "^\s*\zsimport\>"
syn match   wfImport "\(\"\s\+\)\@<=as\>\ze\s\+[A-Za-z_]" nextgroup=wfName skipwhite
syn match   wfTypeAnn "\(\<\(param\|secret\)\s\+[A-Za-z_][A-Za-z0-9_-]*\s*:\s*\)\@<=[A-Za-z<>, ?]\+" contains=wfType
syn match   wfField "^\s*\zs\(run\|shell\|workdir\|image\|entrypoint\|mount\|pull\|network\|get\|post\|put\|patch\|delete\|head\|headers\|body\|expect\|webhook\|message\|channel\|url\|method\|to\|subject\|smtp\|from\|username\|password\|check\|approval\|timeout\|retry\|estimate\|duration\|optional\|description\|concurrency\)\>"
syn match   wfDuration "\<\(\d\+\(ms\|s\|m\|h\|d\)\)\+\>"
syn match   wfNumber "\<\d\+\(\.\d\+\)\=\>"
syn match   wfOperator "==\|!=\|<=\|>=\|&&\|||\|\.\.\|?"
syn region  wfInterp matchgroup=wfInterpDelim start="\${" end="}" contained contains=wfFunction,wfNumber,wfBoolean,wfInnerString,wfOperator
syn match   wfEscape "\\\(u{\x\+}\|.\)" contained
syn region  wfInnerString start=+"+ skip=+\\"+ end=+"+ contained contains=wfEscape
syn region  wfString start=+"+ skip=+\\\\\|\\"+ end=+"\|$+ contains=wfEscape,wfInterp
syn region  wfTripleString start=+"""+ end=+"""+ contains=wfInterp
syn match   wfComment "#.*$" contains=wfTodo
syn match   wfDocComment "##.*$"
syn keyword wfTodo TODO FIXME XXX contained

hi def link wfStorage      StorageClass
hi def link wfKeyword      Keyword
hi def link wfBoolean      Boolean
hi def link wfType         Type
hi def link wfKind         Type
hi def link wfCallKind     Keyword
hi def link wfCallTarget   Function
hi def link wfCallModule   Include
hi def link wfImport       Include
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
