/* A small in-place CSV reader for the list formats: RFC 4180 quoting, comma or
 * tab separators, OFAC's "-0-" empty marker, CR LF line ends. */
#include <string.h>

#include "screen_internal.h"

void clr__csv_init(clr__csv *c, char *buf, size_t len, char sep)
{
    c->p = buf;
    c->end = buf + len;
    c->sep = sep;
    c->line = 1;
    c->rec_line = 1;
    /* OFAC files end with a 0x1A (SUB) byte; a UTF-8 BOM may start a file. */
    while (c->end > c->p && (c->end[-1] == 0x1A || c->end[-1] == 0))
        c->end--;
    if (c->end - c->p >= 3 && !memcmp(c->p, "\xEF\xBB\xBF", 3))
        c->p += 3;
}

static char *trim(char *s, char *e)
{
    while (s < e && (*s == ' ' || *s == '\r'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\r'))
        e--;
    *e = 0;
    if (!strcmp(s, "-0-"))
        *s = 0;
    return s;
}

int clr__csv_next(clr__csv *c, char **fields, size_t maxf, size_t *nf)
{
    *nf = 0;
    /* skip blank lines */
    while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
        if (*c->p == '\n')
            c->line++;
        c->p++;
    }
    if (c->p >= c->end)
        return 0;
    c->rec_line = c->line;
    for (;;) {
        char *p = c->p;
        char *val;
        int at_eol = 0;
        while (p < c->end && *p == ' ')
            p++;
        if (p < c->end && *p == '"') {
            char *r = p + 1, *w = p;
            int closed = 0;
            while (r < c->end) {
                if (*r == '"') {
                    if (r + 1 < c->end && r[1] == '"') {
                        *w++ = '"';
                        r += 2;
                        continue;
                    }
                    r++;
                    closed = 1;
                    break;
                }
                if (*r == '\n')
                    c->line++;
                *w++ = *r++;
            }
            if (!closed) {
                *w = 0;
                c->p = c->end;
                return -1;
            }
            /* anything between the closing quote and the separator is dropped */
            while (r < c->end && *r != c->sep && *r != '\n')
                r++;
            if (r >= c->end || *r == '\n')
                at_eol = 1;
            *w = 0;
            val = p;
            if (!strcmp(val, "-0-"))
                *val = 0;
            if (r < c->end && *r == '\n')
                c->line++;
            c->p = r < c->end ? r + 1 : c->end;
        } else {
            char *e = p;
            while (e < c->end && *e != c->sep && *e != '\n')
                e++;
            if (e >= c->end || *e == '\n')
                at_eol = 1;
            if (e < c->end && *e == '\n')
                c->line++;
            c->p = e < c->end ? e + 1 : c->end;
            val = trim(p, e);
        }
        if (*nf < maxf)
            fields[*nf] = val;
        (*nf)++;
        if (at_eol)
            return 1;
    }
}
