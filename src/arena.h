/* A bump allocator: many allocations, freed together. Not thread-safe; a
 * compiled ruleset's arena is only read after compilation. */
#ifndef CLR_ARENA_H
#define CLR_ARENA_H

#include <stddef.h>

typedef struct clr__arena_block clr__arena_block;

typedef struct clr__arena {
    clr__arena_block *head;
    size_t total; /* bytes obtained from malloc */
    int failed;   /* sticky: an allocation failed */
} clr__arena;

/* An empty arena; allocates nothing until first used. */
void clr__arena_init(clr__arena *a);

/* Frees every block. The arena may be reused after clr__arena_init. */
void clr__arena_free(clr__arena *a);

/* size bytes aligned for any type, zeroed; NULL (and a->failed set) when out
 * of memory. */
void *clr__arena_alloc(clr__arena *a, size_t size);

/* A copy of len bytes of s with a NUL added; NULL when out of memory. */
char *clr__arena_strndup(clr__arena *a, const char *s, size_t len);

/* A copy of a NUL-terminated string; NULL when out of memory. */
char *clr__arena_strdup(clr__arena *a, const char *s);

/* A printf-formatted string in the arena; NULL when out of memory. */
char *clr__arena_printf(clr__arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
