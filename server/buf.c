/* The server's growable buffer. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int srv_buf_reserve(srv_buf *b, size_t extra, size_t limit)
{
    if (b->oom)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    if (limit && need > limit + 1) {
        b->oom = 1;
        return -1;
    }
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int srv_buf_append(srv_buf *b, const void *p, size_t n)
{
    if (srv_buf_reserve(b, n, 0))
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int srv_buf_puts(srv_buf *b, const char *s)
{
    return srv_buf_append(b, s, strlen(s));
}

int srv_buf_printf(srv_buf *b, const char *fmt, ...)
{
    va_list ap;
    if (srv_buf_reserve(b, 64, 0))
        return -1;
    va_start(ap, fmt);
    int n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n >= b->cap - b->len) {
        if (srv_buf_reserve(b, (size_t)n, 0))
            return -1;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
    return 0;
}

int srv_buf_json_str(srv_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (srv_buf_reserve(b, n * 6 + 2, 0))
        return -1;
    char *o = b->data + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        } else if (c == '\t') {
            *o++ = '\\';
            *o++ = 't';
        } else if (c == '\r') {
            *o++ = '\\';
            *o++ = 'r';
        } else if (c < 0x20) {
            *o++ = '\\';
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    b->len = (size_t)(o - b->data);
    return 0;
}

void srv_buf_free(srv_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}
