/* What the decision benchmarks share: loading the rulebooks, a monotonic
 * clock in nanoseconds, an ordering of 64-bit counts for qsort, and reading
 * a file of requests into parsed clr_requests. */
#ifndef CLR_BENCH_COMMON_H
#define CLR_BENCH_COMMON_H

#include "clearance.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>

/* Loads the rulebooks at path (the defaults when path is NULL) into *rs.
 * Returns 0; or, having printed the rulebooks' errors to stderr, -1. */
static inline int bench_load_rules(const char *tool, const char *path, clr_ruleset **rs)
{
    clr_diags *diags = NULL;
    *rs = NULL;
    if (clr_diags_new(&diags)) {
        fprintf(stderr, "%s: out of memory\n", tool);
        return -1;
    }
    int rc = path ? clr_ruleset_load(rs, &path, 1, diags) : clr_ruleset_load_defaults(rs, diags);
    if (rc) {
        clr_diags_print(diags, stderr);
        fprintf(stderr, "%s: %s\n", tool, clr_strerror(rc));
    }
    clr_diags_free(diags);
    return rc ? -1 : 0;
}

/* CLOCK_MONOTONIC, in nanoseconds. */
static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* qsort's comparison for uint64_t, ascending. */
static inline int bench_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Reads the JSON Lines file path (blank lines skipped) and parses each line
 * into *out (*n requests, malloc'd; the caller frees *out). Returns 0; or,
 * having printed why to stderr prefixed with tool (a file that cannot be read,
 * a request that does not parse with its line number, no request at all, no
 * memory), -1 with *out freed and NULL. */
static inline int bench_load_requests(const char *tool, const char *path, clr_request **out,
                                      size_t *n)
{
    *out = NULL;
    *n = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: ", tool);
        perror(path);
        return -1;
    }
    char *line = NULL;
    size_t linecap = 0, cap = 0, lineno = 0;
    ssize_t len;
    int rc = 0;
    while ((len = getline(&line, &linecap, f)) > 0) {
        lineno++;
        if (len <= 1)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 1024;
            clr_request *r = realloc(*out, cap * sizeof(**out));
            if (!r) {
                fprintf(stderr, "%s: out of memory\n", tool);
                rc = -1;
                break;
            }
            *out = r;
        }
        clr_request_error err;
        if (clr_request_parse(&(*out)[*n], line, (size_t)len, clr_time_now(), &err)) {
            fprintf(stderr, "%s: %s:%zu: %s: %s\n", tool, path, lineno, err.path, err.message);
            rc = -1;
            break;
        }
        (*n)++;
    }
    free(line);
    fclose(f);
    if (rc == 0 && *n == 0) {
        fprintf(stderr, "%s: %s holds no request\n", tool, path);
        rc = -1;
    }
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

#endif
