/* Writing JSON into a caller's buffer without allocating: snprintf semantics
 * (the full length is counted even when the buffer is too small). */
#ifndef CLR_JSONW_H
#define CLR_JSONW_H

#include <stddef.h>
#include <stdint.h>

typedef struct clr__jsonw {
    char *buf;
    size_t cap, len;
} clr__jsonw;

/* Starts writing into buf of cap bytes (cap may be 0 to measure). */
void clr__jsonw_init(clr__jsonw *w, char *buf, size_t cap);

/* Appends text as is. */
void clr__jsonw_raw(clr__jsonw *w, const char *s);

/* Appends s as a JSON string: quoted, escaped, invalid UTF-8 replaced by U+FFFD. */
void clr__jsonw_str(clr__jsonw *w, const char *s);

/* Appends a whole number; a number in the shortest form that reads back equal. */
void clr__jsonw_int(clr__jsonw *w, int64_t v);
void clr__jsonw_num(clr__jsonw *w, double v);

/* Length of the valid UTF-8 sequence at s (1 to 4 bytes), or 0 when the bytes
 * there are not valid UTF-8 (overlong forms and surrogates included). */
size_t clr__utf8_len(const unsigned char *s);

/* Replaces, in place, every byte of s that is a control character or not part
 * of valid UTF-8 with '?', so that s can be shown and written as JSON. */
void clr__text_scrub(char *s);

/* NUL-terminates (truncating if needed) and returns the full length. */
size_t clr__jsonw_finish(clr__jsonw *w);

#endif
