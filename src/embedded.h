/* The default rulebooks built into the library. */
#ifndef CLR_EMBEDDED_H
#define CLR_EMBEDDED_H

#include <stddef.h>

typedef struct clr__embedded_file {
    const char *name; /* file name within rules/, e.g. "us-ear.rules" */
    const char *data; /* NUL-terminated */
    size_t size;      /* bytes, without the NUL */
} clr__embedded_file;

/* Sorted by name; ends with an entry whose name is NULL. */
extern const clr__embedded_file clr__embedded_rules[];

#endif
