/* usage_bench: what metering and store-backed licences cost per decision.
 *
 *   record   clr_usage_record for a working set of KEYS keys (org, user,
 *            model, destination, day), one thread: ns per call
 *   source   the usage source's trailing sum over DAYS days: ns per call
 *   licence  clr_licences_apply of a store-backed licence that covers every
 *            request (leases from the store now and then): ns per call
 *
 * usage: usage_bench [--n N] [--keys KEYS] [--days DAYS]
 * One thread; a new store in a temporary folder, removed afterwards. The
 * figures are wall-clock ns per call; under valgrind --tool=callgrind they
 * give instruction counts. */
#include "clearance.h"
#include "clearance_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#define DAY 86400
#define T0 ((clr_time)1781913600) /* 2026-06-20 */

int main(int argc, char **argv)
{
    long n = 1000000, keys = 1000;
    int days = 30;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--n") == 0)
            n = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--keys") == 0)
            keys = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--days") == 0)
            days = atoi(argv[i + 1]);
    }
    if (n < 1 || keys < 1 || days < 1) {
        fprintf(stderr, "usage: usage_bench [--n N] [--keys KEYS] [--days DAYS]\n");
        return 2;
    }
    char dir[] = "/tmp/clr-usage-bench-XXXXXX", path[64], err[512];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/s.db", dir);
    clr_store *us = NULL, *ls = NULL;
    clr_usage *u = NULL;
    clr_licences *l = NULL;
    clr_ruleset *rs = NULL;
    clr_request *reqs = NULL;
    int rc = 1;
    if (clr_store_open(&us, path, NULL, err, sizeof err) ||
        clr_store_open(&ls, path, NULL, err, sizeof err) ||
        clr_usage_open(&u, us, NULL, T0, err, sizeof err)) {
        fprintf(stderr, "usage_bench: %s\n", err);
        goto done;
    }
    reqs = calloc((size_t)keys, sizeof *reqs);
    clr_decision d;
    memset(&d, 0, sizeof d);
    d.outcome = CLR_ALLOW;
    d.at = T0;
    for (long k = 0; reqs && k < keys; k++) {
        snprintf(reqs[k].principal.org, sizeof reqs[k].principal.org, "org:%ld", k % 50);
        snprintf(reqs[k].principal.id, sizeof reqs[k].principal.id, "user:%ld", k);
        snprintf(reqs[k].model, sizeof reqs[k].model, "model-%ld", k % 7);
        memcpy(reqs[k].destination, "DE", 3);
        reqs[k].units = 1000;
    }
    if (!reqs)
        goto done;
    /* warm: every key seen once, so the measured calls allocate nothing */
    for (long k = 0; k < keys; k++)
        clr_usage_record(u, &reqs[k], &d);
    double t = now_ns();
    for (long i = 0; i < n; i++)
        clr_usage_record(u, &reqs[i % keys], &d);
    double record_ns = (now_ns() - t) / (double)n;

    const clr_usage_source *src = clr_usage_as_source(u);
    int64_t sink = 0;
    t = now_ns();
    for (long i = 0; i < n; i++)
        sink += src->units(src->arg, (int)(i & 1),
                           (i & 1) ? reqs[i % keys].principal.id : reqs[i % keys].principal.org,
                           (i & 2) ? reqs[i % keys].model : NULL, days, T0);
    double source_ns = (now_ns() - t) / (double)n;

    const char *lic = "{\"id\":\"B\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\","
                      "\"quantity\":1000000000000}";
    clr_request q;
    clr_request_error qe;
    const char *letter =
        "{\"model\":\"mythos-5\",\"principal\":{\"id\":\"user:ana\",\"org\":\"org:acme\","
        "\"nationality\":\"DE\",\"country\":\"DE\"},\"use\":\"software-development\","
        "\"integration\":\"api\",\"time\":\"2026-06-20T12:00:00Z\",\"units\":1000}";
    if (clr_licence_store_add(ls, lic, strlen(lic), T0, NULL, err, sizeof err) ||
        clr_licences_open(&l, ls, NULL, T0, err, sizeof err) ||
        clr_ruleset_load_defaults(&rs, NULL) ||
        clr_request_parse(&q, letter, strlen(letter), 0, &qe)) {
        fprintf(stderr, "usage_bench: %s\n", err);
        goto done;
    }
    clr_decision base;
    clr_decide(rs, &q, &base, NULL);
    long covered = 0;
    t = now_ns();
    for (long i = 0; i < n; i++) {
        d = base;
        covered += clr_licences_apply(l, &q, &d) > 0;
    }
    double licence_ns = (now_ns() - t) / (double)n;
    printf("record   %8.1f ns/call (%ld keys)\n", record_ns, keys);
    printf("source   %8.1f ns/call (%d-day window)\n", source_ns, days);
    printf("licence  %8.1f ns/call (store-backed, %ld of %ld covered; includes copying the "
           "decision)\n",
           licence_ns, covered, n);
    rc = sink < 0 || covered != n;
done:
    clr_licences_free(l);
    clr_usage_close(u);
    clr_store_close(us);
    clr_store_close(ls);
    clr_ruleset_unref(rs);
    free(reqs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
