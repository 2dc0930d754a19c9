/* A bump allocator whose blocks are freed together. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct clr__arena_block {
    clr__arena_block *next;
    size_t size;
    size_t used;
    max_align_t data[];
};

#define BLOCK_MIN (64 * 1024)

/* Under AddressSanitizer every allocation is followed by a poisoned red zone,
 * so that a write past the end of one allocation into the next is reported
 * rather than silently corrupting the compiled set. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define REDZONE 32
#else
#define REDZONE 0
#define ASAN_POISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#define ASAN_UNPOISON_MEMORY_REGION(p, n) ((void)(p), (void)(n))
#endif

void clr__arena_init(clr__arena *a)
{
    a->head = NULL;
    a->total = 0;
    a->failed = 0;
}

void clr__arena_free(clr__arena *a)
{
    clr__arena_block *b = a->head;
    while (b) {
        clr__arena_block *next = b->next;
        ASAN_UNPOISON_MEMORY_REGION(b->data, b->size);
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

void *clr__arena_alloc(clr__arena *a, size_t size)
{
    const size_t align = sizeof(max_align_t);
    size_t need = (size + REDZONE + align - 1) / align * align;
    if (need < size) {
        a->failed = 1;
        return NULL;
    }
    if (need == 0)
        need = align;
    clr__arena_block *b = a->head;
    if (!b || b->size - b->used < need) {
        size_t bsize = need > BLOCK_MIN ? need : BLOCK_MIN;
        if (bsize > SIZE_MAX - sizeof(*b)) {
            a->failed = 1;
            return NULL;
        }
        b = malloc(sizeof(*b) + bsize);
        if (!b) {
            a->failed = 1;
            return NULL;
        }
        b->size = bsize;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        a->total += bsize;
        ASAN_POISON_MEMORY_REGION(b->data, bsize);
    }
    void *p = (char *)b->data + b->used;
    b->used += need;
    ASAN_UNPOISON_MEMORY_REGION(p, size);
    memset(p, 0, size);
    return p;
}

char *clr__arena_strndup(clr__arena *a, const char *s, size_t len)
{
    char *p = clr__arena_alloc(a, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *clr__arena_strdup(clr__arena *a, const char *s)
{
    return clr__arena_strndup(a, s, strlen(s));
}

char *clr__arena_printf(clr__arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = clr__arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
