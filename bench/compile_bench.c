/* compile_bench: how long compiling a rulebook takes, and how much memory the
 * compiled set holds.
 *
 * usage: compile_bench [--runs N] FILE.rules
 *
 * Reads FILE once, then compiles it from memory with clr_ruleset_compile N
 * times (default 21), freeing each set before the next, and prints one JSON
 * object: the median and minimum wall time in ms, the rule count, and the
 * bytes the compiled set keeps allocated (mallinfo2 before compiling and
 * after, with the set alive and the diagnostics freed). Meant for the
 * generated 10,000-rule file of gen_rulebook; the target is under 100 ms. */
#include "clearance.h"

#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Reads a whole file; NULL on error. The caller frees the text. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                fclose(f);
                return NULL;
            }
            text = t;
        }
        size_t got = fread(text + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* Compiles text once; returns the set or NULL after printing the diagnostics. */
static clr_ruleset *compile_once(const char *path, const char *text, size_t len)
{
    clr_diags *diags = NULL;
    if (clr_diags_new(&diags))
        return NULL;
    clr_ruleset *rs = NULL;
    int rc = clr_ruleset_compile(&rs, path, text, len, NULL, diags);
    if (rc) {
        clr_diags_print(diags, stderr);
        fprintf(stderr, "compile_bench: %s: %s\n", path, clr_strerror(rc));
    }
    clr_diags_free(diags);
    return rs;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: compile_bench [--runs N] FILE.rules\n"
               "  Compiles FILE from memory N times (default 21) and prints\n"
               "  {\"median_ms\", \"min_ms\", \"rules\", \"compiled_bytes\"} as JSON.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"runs", required_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    long runs = 21;
    int opt;
    while ((opt = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'n': runs = strtol(optarg, NULL, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc - 1 || runs < 1 || runs > 100000) {
        usage(stderr);
        return 2;
    }
    const char *path = argv[optind];
    size_t len = 0;
    char *text = read_all(path, &len);
    if (!text) {
        perror(path);
        return 2;
    }
    int rc = 1;
    double *ms = calloc((size_t)runs, sizeof(*ms));
    if (!ms)
        goto done;

    /* one untimed run warms the caches and the allocator, and gives the memory */
    malloc_trim(0);
    size_t before = heap_in_use();
    clr_ruleset *rs = compile_once(path, text, len);
    if (!rs)
        goto done;
    size_t after = heap_in_use();
    size_t rules = clr_ruleset_rule_count(rs);
    clr_ruleset_unref(rs);

    for (long i = 0; i < runs; i++) {
        double t0 = now_ms();
        rs = compile_once(path, text, len);
        double t1 = now_ms();
        if (!rs)
            goto done;
        clr_ruleset_unref(rs);
        ms[i] = t1 - t0;
    }
    qsort(ms, (size_t)runs, sizeof(*ms), cmp_double);
    printf("{\"median_ms\":%.2f,\"min_ms\":%.2f,\"runs\":%ld,\"rules\":%zu,\"source_bytes\":%zu,"
           "\"compiled_bytes\":%zu}\n",
           ms[runs / 2], ms[0], runs, rules, len, after > before ? after - before : 0);
    rc = 0;
done:
    free(ms);
    free(text);
    return rc;
}
