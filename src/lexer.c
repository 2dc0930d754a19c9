/* The rulebook lexer. */
#include "lexer.h"

void clr__lexer_init(clr__lexer *lx, const char *src, size_t len)
{
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->col = 1;
    lx->error = NULL;
}

static int is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '+' || c == '-';
}

static void advance(clr__lexer *lx)
{
    unsigned char c = (unsigned char)lx->src[lx->pos++];
    if (c == '\n') {
        lx->line++;
        lx->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        lx->col++; /* columns count characters' first bytes */
    }
}

clr__token clr__lexer_next(clr__lexer *lx)
{
    clr__token t = {TK_EOF, NULL, 0, 0, 0};
    for (;;) {
        while (lx->pos < lx->len) {
            char c = lx->src[lx->pos];
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                advance(lx);
            else
                break;
        }
        if (lx->pos < lx->len && lx->src[lx->pos] == '#') {
            while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
                advance(lx);
            continue;
        }
        break;
    }
    t.text = lx->src + lx->pos;
    t.line = lx->line;
    t.col = lx->col;
    if (lx->pos >= lx->len)
        return t;
    size_t start = lx->pos;
    unsigned char c = (unsigned char)lx->src[lx->pos];
    if (is_word(c)) {
        while (lx->pos < lx->len && is_word((unsigned char)lx->src[lx->pos]))
            advance(lx);
        t.kind = TK_WORD;
    } else if (c == '"') {
        advance(lx);
        t.kind = TK_ERROR;
        lx->error = "unterminated string";
        while (lx->pos < lx->len) {
            char d = lx->src[lx->pos];
            if (d == '\n' || d == '\0')
                break;
            if (d == '\\') {
                advance(lx);
                if (lx->pos >= lx->len)
                    break;
                d = lx->src[lx->pos];
                if (d != '"' && d != '\\' && d != 'n' && d != 't') {
                    lx->error = "unknown escape in string (use \\\" \\\\ \\n \\t)";
                    advance(lx);
                    break;
                }
                advance(lx);
                continue;
            }
            advance(lx);
            if (d == '"') {
                t.kind = TK_STRING;
                lx->error = NULL;
                break;
            }
        }
    } else {
        advance(lx);
        char n = lx->pos < lx->len ? lx->src[lx->pos] : '\0';
        switch (c) {
        case '{': t.kind = TK_LBRACE; break;
        case '}': t.kind = TK_RBRACE; break;
        case '(': t.kind = TK_LPAREN; break;
        case ')': t.kind = TK_RPAREN; break;
        case '[': t.kind = TK_LBRACK; break;
        case ']': t.kind = TK_RBRACK; break;
        case ',': t.kind = TK_COMMA; break;
        case '=':
            if (n == '=') {
                advance(lx);
                t.kind = TK_EQ;
            } else {
                t.kind = TK_ERROR;
                lx->error = "'=' is not an operator; compare with '=='";
            }
            break;
        case '!':
            if (n == '=') {
                advance(lx);
                t.kind = TK_NE;
            } else {
                t.kind = TK_ERROR;
                lx->error = "'!' is not an operator; negate with 'not' or compare with '!='";
            }
            break;
        case '<':
            if (n == '=')
                advance(lx);
            t.kind = n == '=' ? TK_LE : TK_LT;
            break;
        case '>':
            if (n == '=')
                advance(lx);
            t.kind = n == '=' ? TK_GE : TK_GT;
            break;
        default:
            t.kind = TK_ERROR;
            lx->error = "unexpected character";
            /* take a whole UTF-8 sequence so the mark covers the character */
            while (lx->pos < lx->len && ((unsigned char)lx->src[lx->pos] & 0xC0) == 0x80)
                advance(lx);
            break;
        }
    }
    t.len = lx->pos - start;
    return t;
}

const char *clr__token_kind_name(clr__token_kind k)
{
    switch (k) {
    case TK_EOF: return "the end of the file";
    case TK_WORD: return "a name";
    case TK_STRING: return "a string";
    case TK_LBRACE: return "'{'";
    case TK_RBRACE: return "'}'";
    case TK_LPAREN: return "'('";
    case TK_RPAREN: return "')'";
    case TK_LBRACK: return "'['";
    case TK_RBRACK: return "']'";
    case TK_COMMA: return "','";
    case TK_EQ: return "'=='";
    case TK_NE: return "'!='";
    case TK_LT: return "'<'";
    case TK_LE: return "'<='";
    case TK_GT: return "'>'";
    case TK_GE: return "'>='";
    case TK_ERROR: return "an invalid token";
    }
    return "a token";
}

const char *clr__source_line(const char *src, size_t srclen, const char *at, size_t *len)
{
    const char *s = at, *e = at;
    const char *end = src + srclen;
    while (s > src && s[-1] != '\n')
        s--;
    while (e < end && *e != '\n' && *e != '\r')
        e++;
    *len = (size_t)(e - s);
    return s;
}
