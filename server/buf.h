/* A growable byte buffer, reused across requests so that steady-state serving
 * allocates nothing. */
#ifndef CLR_SERVER_BUF_H
#define CLR_SERVER_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct srv_buf {
    char *data;
    size_t len;
    size_t cap;
    int oom; /* sticky: set when a growth failed; the content is then truncated */
} srv_buf;

/* Makes room for at least extra more bytes plus a NUL. Returns 0, or -1 (and
 * sets oom) when memory runs out or the buffer would exceed limit bytes
 * (0: no limit). */
int srv_buf_reserve(srv_buf *b, size_t extra, size_t limit);

/* Appends n bytes. Returns 0 or -1 as srv_buf_reserve. */
int srv_buf_append(srv_buf *b, const void *p, size_t n);

/* Appends a NUL-terminated string. */
int srv_buf_puts(srv_buf *b, const char *s);

/* Appends printf-formatted text. */
int srv_buf_printf(srv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s as a JSON string literal, quotes included, escaping as RFC 8259
 * requires. Invalid UTF-8 is passed through unchanged. */
int srv_buf_json_str(srv_buf *b, const char *s, size_t n);

/* Empties the buffer, keeping its memory. */
static inline void srv_buf_reset(srv_buf *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Frees the memory. */
void srv_buf_free(srv_buf *b);

#endif
