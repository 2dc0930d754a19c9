/* Screening speed: import time and memory of the default lists, median and
 * 99th-percentile latency of one query on one core, and batch names/s on one
 * core.
 *
 *   screen_speed [DATA_DIR] [SHARED_DATA_DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "clearance.h"
#include "clearance_screen.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6))
            v = atol(line + 6);
    if (f)
        fclose(f);
    return v;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    /* CMake gives every benchmark the source tree and the shared data folder */
    const char *data = argc > 1 ? argv[1] : CLR_SOURCE_DIR "/data";
    const char *shared = argc > 2 ? argv[2] : CLR_SHARED_DATA;
    long rss0 = rss_kb();
    clr_lists *l = NULL;
    double best_import = 1e9;
    for (int rep = 0; rep < 3; rep++) {
        clr_lists_unref(l);
        double t0 = now();
        if (clr_lists_load_defaults(&l, data, NULL)) {
            fprintf(stderr, "cannot load the lists\n");
            return 1;
        }
        double t = now() - t0;
        if (t < best_import)
            best_import = t;
    }
    long rss1 = rss_kb();
    printf("import: %zu entries, %zu names in %.3f s (best of 3); memory %.1f MB RSS over "
           "baseline\n",
           clr_lists_entity_count(l), clr_lists_name_count(l), best_import,
           (double)(rss1 - rss0) / 1024.0);

    /* queries: the labelled damaged SDN names and unlisted names */
    char path[8300], line[1024];
    char **q = NULL;
    size_t nq = 0, cap = 0;
    const char *files[] = {"labelled/sdn_2024_treated_queries.csv",
                           "labelled/nomenklatura/name_bench_cases.csv"};
    for (size_t fi = 0; fi < 2; fi++) {
        snprintf(path, sizeof path, "%s/%s", shared, files[fi]);
        FILE *f = fopen(path, "r");
        int first = 1;
        while (f && fgets(line, sizeof line, f)) {
            if (first) {
                first = 0;
                continue;
            }
            line[strcspn(line, "\r\n")] = 0;
            /* the query is the last field (treated) or the third (cases) */
            char *field = fi == 0 ? strrchr(line, ',') : NULL;
            if (fi == 1) {
                char *c1 = strchr(line, ',');
                char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
                char *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
                if (!c3 || c2[1] == '"')
                    continue;
                *c3 = 0;
                field = c2;
            }
            if (!field || !field[1])
                continue;
            if (nq == cap) {
                cap = cap ? cap * 2 : 1024;
                q = realloc(q, cap * sizeof *q);
            }
            q[nq++] = strdup(field + 1);
        }
        if (f)
            fclose(f);
    }
    if (!nq)
        return 1;
    clr_match m[10];
    size_t n;
    clr_screen_query sq = CLR_SCREEN_QUERY_INIT;
    for (size_t i = 0; i < nq; i++) { /* warm up: scratch, caches */
        sq.name = q[i];
        clr_screen_run(l, &sq, m, 10, &n);
    }
    double *lat = malloc(nq * 5 * sizeof *lat);
    size_t nl = 0;
    double t0 = now();
    for (int rep = 0; rep < 5; rep++) {
        for (size_t i = 0; i < nq; i++) {
            sq.name = q[i];
            double a = now();
            clr_screen_run(l, &sq, m, 10, &n);
            lat[nl++] = now() - a;
        }
    }
    double total = now() - t0;
    qsort(lat, nl, sizeof *lat, cmp_d);
    printf("query latency over %zu queries, one core: median %.1f us, p90 %.1f us, p99 %.1f us, "
           "max %.1f us\n",
           nl, lat[nl / 2] * 1e6, lat[nl * 9 / 10] * 1e6, lat[nl * 99 / 100] * 1e6,
           lat[nl - 1] * 1e6);
    printf("batch throughput, one core: %.0f names/s\n", (double)nl / total);
    for (size_t i = 0; i < nq; i++)
        free(q[i]);
    free(q);
    free(lat);
    clr_lists_unref(l);
    clr_screen_thread_cleanup();
    return 0;
}
