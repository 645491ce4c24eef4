// External scanner of the `.wf` grammar: the `_inline` token, zero-width,
// that exists where a field's value may start: on the same line, after
// blanks, and not at a comment or a `}` (see grammar.js). This is what
// grammar/wf.pest's `field_head` says: a field's value starts on the line of
// its name, so `optional` at a line's end never swallows the next field.
// It needs a blank before it, as `field_head` does, so `failure_rate(` in an
// alert's `when` reads its window rather than a value; and a comparison
// (`>`, `<`, `=`) is no value's start, so `when x >= 3` reads the operator.

#include "tree_sitter/parser.h"

enum TokenType { INLINE, ERROR_SENTINEL };

void *tree_sitter_wf_external_scanner_create(void) { return NULL; }
void tree_sitter_wf_external_scanner_destroy(void *payload) { (void)payload; }
unsigned tree_sitter_wf_external_scanner_serialize(void *payload, char *buffer) {
  (void)payload;
  (void)buffer;
  return 0;
}
void tree_sitter_wf_external_scanner_deserialize(void *payload, const char *buffer, unsigned length) {
  (void)payload;
  (void)buffer;
  (void)length;
}

bool tree_sitter_wf_external_scanner_scan(void *payload, TSLexer *lexer, const bool *valid_symbols) {
  (void)payload;
  // In error recovery every symbol is valid: let the grammar's own tokens decide.
  if (valid_symbols[ERROR_SENTINEL] || !valid_symbols[INLINE]) return false;
  bool blank = false;
  while (lexer->lookahead == ' ' || lexer->lookahead == '\t') {
    lexer->advance(lexer, true);
    blank = true;
  }
  int32_t c = lexer->lookahead;
  if (!blank || c == '\n' || c == '\r' || c == '#' || c == '}' || lexer->eof(lexer)) return false;
  if (c == '>' || c == '<' || c == '=') return false;
  lexer->mark_end(lexer);
  lexer->result_symbol = INLINE;
  return true;
}
