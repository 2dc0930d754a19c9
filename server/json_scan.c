/* A scanner that finds one top-level member of a JSON object without parsing
 * the whole document into a tree (the OPA-shaped endpoint takes {"input": ...}
 * and hands the input text to clr_request_parse). */
#include "server.h"

#include <string.h>

#define MAX_DEPTH 64

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* s[i] is '"'; returns the index after the closing quote, or 0 when unclosed. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\') {
            i++;
        } else if (s[i] == '"') {
            return i + 1;
        } else if ((unsigned char)s[i] < 0x20) {
            return 0;
        }
    }
    return 0;
}

/* value := string | number | literal | object | array; returns the index after
 * it, or 0 when malformed. Nested containers are checked for balance only. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return 0;
    if (s[i] == '"')
        return skip_string(s, n, i);
    if (s[i] == '{' || s[i] == '[') {
        char stack[MAX_DEPTH];
        size_t depth = 0;
        while (i < n) {
            char c = s[i];
            if (c == '"') {
                if (!(i = skip_string(s, n, i)))
                    return 0;
                continue;
            }
            if (c == '{' || c == '[') {
                if (depth == MAX_DEPTH)
                    return 0;
                stack[depth++] = c == '{' ? '}' : ']';
            } else if (c == '}' || c == ']') {
                if (depth == 0 || stack[depth - 1] != c)
                    return 0;
                if (--depth == 0)
                    return i + 1;
            }
            i++;
        }
        return 0;
    }
    size_t start = i;
    while (i < n && (s[i] == '-' || s[i] == '+' || s[i] == '.' || (s[i] >= '0' && s[i] <= '9') ||
                     (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
        i++;
    return i > start ? i : 0;
}

/* object := '{' [ string ':' value { ',' string ':' value } ] '}' */
int srv_json_member(const char *s, size_t n, const char *key, const char **val, size_t *vlen)
{
    size_t klen = strlen(key), i = skip_ws(s, n, 0);
    int found = 0;
    if (i >= n || s[i] != '{')
        return -1;
    i = skip_ws(s, n, i + 1);
    if (i < n && s[i] == '}') {
        i++;
    } else {
        for (;;) {
            if (i >= n || s[i] != '"')
                return -1;
            size_t kstart = i + 1, kend = skip_string(s, n, i);
            if (!kend)
                return -1;
            int match = kend - 1 - kstart == klen && memcmp(s + kstart, key, klen) == 0;
            i = skip_ws(s, n, kend);
            if (i >= n || s[i] != ':')
                return -1;
            i = skip_ws(s, n, i + 1);
            size_t vstart = i;
            if (!(i = skip_value(s, n, i)))
                return -1;
            if (match) {
                if (found)
                    return -1; /* a key given twice is ambiguous */
                found = 1;
                *val = s + vstart;
                *vlen = i - vstart;
            }
            i = skip_ws(s, n, i);
            if (i < n && s[i] == ',') {
                i = skip_ws(s, n, i + 1);
                continue;
            }
            if (i < n && s[i] == '}') {
                i++;
                break;
            }
            return -1;
        }
    }
    if (skip_ws(s, n, i) != n)
        return -1;
    return found ? 0 : 1;
}
