/* The rulebook lexer: text to tokens. */
#ifndef CLR_LEXER_H
#define CLR_LEXER_H

#include <stddef.h>

typedef enum {
    TK_EOF,
    TK_WORD,   /* names, numbers, dates, keywords: [A-Za-z0-9_.:+-]+ */
    TK_STRING, /* "..." with \" \\ \n \t escapes */
    TK_LBRACE,
    TK_RBRACE,
    TK_LPAREN,
    TK_RPAREN,
    TK_LBRACK,
    TK_RBRACK,
    TK_COMMA,
    TK_EQ,
    TK_NE,
    TK_LT,
    TK_LE,
    TK_GT,
    TK_GE,
    TK_ERROR /* text that is no token; the lexer's message says why */
} clr__token_kind;

typedef struct clr__token {
    clr__token_kind kind;
    const char *text; /* into the source; for TK_STRING including the quotes */
    size_t len;
    int line, col;
} clr__token;

typedef struct clr__lexer {
    const char *src;
    size_t len, pos;
    int line, col;
    const char *error; /* for TK_ERROR: a static message */
} clr__lexer;

/* Starts lexing len bytes of src. */
void clr__lexer_init(clr__lexer *lx, const char *src, size_t len);

/* The next token; comments (# to end of line) and white space are skipped.
 * Returns TK_EOF at the end, for ever after. */
clr__token clr__lexer_next(clr__lexer *lx);

/* A readable name of a token kind, for messages ("'{'", "a name"). */
const char *clr__token_kind_name(clr__token_kind k);

/* The line of src that holds byte offset pos: sets *len and returns its start. */
const char *clr__source_line(const char *src, size_t srclen, const char *at, size_t *len);

#endif
