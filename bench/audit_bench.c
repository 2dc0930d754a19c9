/* audit_bench: what the audit log costs.
 *
 *   sync   THREADS callers each decide and append in sync mode (each waits
 *          until its record is durable; the writer commits what has queued
 *          meanwhile in one transaction): logged decisions/s.
 *   batch  THREADS callers each decide BATCH requests and append them with one
 *          clr_audit_append_batch (sync): logged decisions/s.
 *   notify one thread decides and appends with clr_audit_append_json_notify,
 *          keeping up to INFLIGHT records in flight; a decision counts once
 *          its record is durable (sync semantics without a thread per caller,
 *          as a server answering on completion would): logged decisions/s.
 *   none   one thread decides and writes the decision JSON (what a server does
 *          for its reply): decisions/s without the audit log.
 *   async  the same, plus clr_audit_append_json in async mode (the writer on
 *          its own thread): decisions/s, and the overhead against none.
 *
 * usage: audit_bench [--runs N] [--seconds S] [--threads T] [--batch B] [--dir DIR]
 *                    [--inflight N] [--only sync|batch|notify|none|async]
 * Prints each run and the medians. Every run starts with a new store in DIR
 * (default: a temporary folder under /tmp, removed afterwards). */
#include "clearance.h"
#include "clearance_store.h"

#include <glob.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define NREQ 11

static clr_ruleset *rules;
static clr_request reqs[NREQ];
static int seconds = 2, threads = 64, batch = 256, inflight = 16384;
static char dir[256];
static const char *only = ""; /* run only this mode: sync, batch, none or async */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct run {
    clr_audit *audit;
    atomic_int stop;
    atomic_ulong done;
} run;

static int open_log(clr_store **s, clr_audit **a, clr_audit_mode mode, int n)
{
    char db[512], err[512];
    clr_audit_options o = CLR_AUDIT_OPTIONS_INIT;
    snprintf(db, sizeof db, "%s/bench-%d.db", dir, n);
    unlink(db);
    o.mode = mode;
    if (clr_store_open(s, db, NULL, err, sizeof err) ||
        clr_audit_open(a, *s, db, &o, err, sizeof err)) {
        fprintf(stderr, "audit_bench: %s\n", err);
        return -1;
    }
    return 0;
}

static void *sync_worker(void *arg)
{
    run *r = arg;
    unsigned i = (unsigned)(uintptr_t)&i;
    while (!atomic_load(&r->stop)) {
        clr_decision d;
        const clr_request *q = &reqs[i++ % NREQ];
        clr_decide(rules, q, &d, NULL);
        if (clr_audit_append(r->audit, q, &d))
            break;
        atomic_fetch_add(&r->done, 1);
    }
    return NULL;
}

static void *batch_worker(void *arg)
{
    run *r = arg;
    clr_request *qs = malloc((size_t)batch * sizeof *qs);
    clr_decision *ds = malloc((size_t)batch * sizeof *ds);
    unsigned i = 0;
    while (qs && ds && !atomic_load(&r->stop)) {
        for (int k = 0; k < batch; k++) {
            qs[k] = reqs[i++ % NREQ];
            clr_decide(rules, &qs[k], &ds[k], NULL);
        }
        if (clr_audit_append_batch(r->audit, qs, ds, (size_t)batch))
            break;
        atomic_fetch_add(&r->done, (unsigned long)batch);
    }
    free(qs);
    free(ds);
    return NULL;
}

/* Logged decisions/s with nthreads callers running fn. */
static double run_sync(void *(*fn)(void *), int n)
{
    clr_store *s;
    run r = {0};
    if (open_log(&s, &r.audit, CLR_AUDIT_SYNC, n))
        return 0;
    pthread_t *t = calloc((size_t)threads, sizeof *t);
    double t0 = now();
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, fn, &r);
    usleep((useconds_t)seconds * 1000000);
    atomic_store(&r.stop, 1);
    unsigned long done = atomic_load(&r.done);
    double dt = now() - t0;
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    free(t);
    clr_audit_stats st;
    clr_audit_stats_get(r.audit, &st);
    clr_audit_close(r.audit);
    clr_store_close(s);
    printf("    %lu records in %.2f s, %llu commits (%.0f records per commit)\n", done, dt,
           (unsigned long long)st.transactions,
           st.transactions ? (double)st.committed / (double)st.transactions : 0.0);
    return (double)done / dt;
}

static atomic_ulong acked, inflight_now;

static void on_durable(void *arg, int rc)
{
    (void)arg;
    if (rc == 0)
        atomic_fetch_add(&acked, 1);
    atomic_fetch_sub(&inflight_now, 1);
}

/* Logged decisions/s from one thread appending with completion callbacks. */
static double run_notify(int n)
{
    clr_store *s;
    clr_audit *a;
    char json[16384], reqjson[4096];
    if (open_log(&s, &a, CLR_AUDIT_SYNC, n))
        return 0;
    atomic_store(&acked, 0);
    unsigned long i = 0;
    double t0 = now(), t1;
    do {
        for (int k = 0; k < 256; k++, i++) {
            while (atomic_load(&inflight_now) >= (unsigned long)inflight)
                usleep(50);
            clr_decision d;
            const clr_request *q = &reqs[i % NREQ];
            clr_decide(rules, q, &d, NULL);
            size_t len = clr_decision_to_json(&d, json, sizeof json);
            size_t rlen = clr_request_to_json(q, reqjson, sizeof reqjson);
            atomic_fetch_add(&inflight_now, 1);
            if (clr_audit_append_json_notify(a, d.decision_id, clr_time_now(), d.outcome,
                                             d.rules_version, reqjson, rlen, json, len, on_durable,
                                             NULL)) {
                atomic_fetch_sub(&inflight_now, 1);
                break;
            }
        }
    } while ((t1 = now()) - t0 < seconds);
    unsigned long done = atomic_load(&acked);
    clr_audit_stats st;
    clr_audit_stats_get(a, &st);
    clr_audit_close(a);
    clr_store_close(s);
    printf("    %lu durable of %lu appended in %.2f s, %llu commits (%.0f records per commit)\n",
           done, i, t1 - t0, (unsigned long long)st.transactions,
           st.transactions ? (double)st.committed / (double)st.transactions : 0.0);
    return (double)done / (t1 - t0);
}

/* Decisions/s on one thread, with (async) or without the audit log. */
static double run_single(int with_audit, int n, clr_audit_stats *st)
{
    clr_store *s = NULL;
    clr_audit *a = NULL;
    char json[16384], reqjson[4096];
    if (with_audit && open_log(&s, &a, CLR_AUDIT_ASYNC, n))
        return 0;
    unsigned long done = 0;
    volatile size_t sink = 0;
    double t0 = now(), t1, c0 = cpu();
    do {
        for (int k = 0; k < 1000; k++) {
            clr_decision d;
            const clr_request *q = &reqs[done % NREQ];
            clr_decide(rules, q, &d, NULL);
            size_t len = clr_decision_to_json(&d, json, sizeof json);
            sink += len;
            if (a) {
                size_t rlen = clr_request_to_json(q, reqjson, sizeof reqjson);
                clr_audit_append_json(a, d.decision_id, clr_time_now(), d.outcome, d.rules_version,
                                      reqjson, rlen, json, len);
            }
            done++;
        }
    } while ((t1 = now()) - t0 < seconds);
    if (a) {
        clr_audit_stats_get(a, st);
        clr_audit_close(a); /* the writer's work on what was queued counts too */
        clr_store_close(s);
    }
    printf("    %lu decisions, %.2f us of CPU (all threads) each\n", done,
           (cpu() - c0) * 1e6 / (double)done);
    (void)sink;
    return (double)done / (t1 - t0);
}

int main(int argc, char **argv)
{
    int runs = 5;
    const char *userdir = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--runs"))
            runs = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds"))
            seconds = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--threads"))
            threads = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--batch"))
            batch = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--inflight"))
            inflight = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--only"))
            only = argv[i + 1];
        else if (!strcmp(argv[i], "--dir"))
            userdir = argv[i + 1];
    }
    if (runs < 1 || runs > 99 || seconds < 1 || threads < 1 || batch < 1 || inflight < 1) {
        fprintf(stderr, "usage: audit_bench [--runs N] [--seconds S] [--threads T] [--batch B] "
                        "[--dir DIR]\n");
        return 2;
    }
    if (userdir) {
        snprintf(dir, sizeof dir, "%s", userdir);
    } else {
        strcpy(dir, "/tmp/audit-bench-XXXXXX");
        if (!mkdtemp(dir))
            return 1;
    }
    if (clr_ruleset_load_defaults(&rules, NULL))
        return 1;
    glob_t g;
    if (glob(CLR_SOURCE_DIR "/examples/*.json", 0, NULL, &g) != 0 || g.gl_pathc < NREQ) {
        fprintf(stderr, "audit_bench: fewer than %d examples in %s/examples\n", NREQ,
                CLR_SOURCE_DIR);
        return 1;
    }
    for (int i = 0; i < NREQ; i++) {
        char text[4096];
        FILE *f = fopen(g.gl_pathv[i], "r");
        size_t len = f ? fread(text, 1, sizeof text, f) : 0;
        if (f)
            fclose(f);
        if (clr_request_parse(&reqs[i], text, len, clr_time_now(), NULL)) {
            fprintf(stderr, "audit_bench: cannot parse %s\n", g.gl_pathv[i]);
            return 1;
        }
    }
    globfree(&g);
    double sync[99], bat[99], notify[99], none[99], async[99];
    int n = 0;
    for (int r = 0; r < runs; r++) {
        clr_audit_stats st = {0};
        printf("run %d\n", r + 1);
        sync[r] = bat[r] = notify[r] = none[r] = async[r] = 1;
        if (!*only || !strcmp(only, "sync"))
            sync[r] = run_sync(sync_worker, n++);
        printf("  sync, %d callers:              %10.0f logged decisions/s\n", threads, sync[r]);
        if (!*only || !strcmp(only, "batch"))
            bat[r] = run_sync(batch_worker, n++);
        printf("  sync, %d callers x batch %d:  %10.0f logged decisions/s\n", threads, batch,
               bat[r]);
        if (!*only || !strcmp(only, "notify")) {
            notify[r] = run_notify(n++);
            printf("  sync, 1 thread, notify:        %10.0f logged decisions/s\n", notify[r]);
        }
        if (!*only || !strcmp(only, "none") || !strcmp(only, "async"))
            none[r] = run_single(0, n++, NULL);
        printf("  no audit log, 1 thread:        %10.0f decisions/s\n", none[r]);
        if (!*only || !strcmp(only, "async"))
            async[r] = run_single(1, n++, &st);
        printf("  async, 1 thread:               %10.0f decisions/s (%.1f%% overhead; queue "
               "full %llu times, %.3f s waiting)\n",
               async[r], 100.0 * (1 - async[r] / none[r]), (unsigned long long)st.full_waits,
               (double)st.full_wait_ns / 1e9);
    }
    double mn = median(none, runs), ma = median(async, runs);
#define RAN(mode) (!*only || !strcmp(only, mode))
    printf("\nmedians over %d runs of %d s:\n", runs, seconds);
    if (RAN("sync"))
        printf("  sync, %d callers:             %10.0f logged decisions/s (target >= 50000)\n",
               threads, median(sync, runs));
    if (RAN("batch"))
        printf("  sync, %d callers x batch %d: %10.0f logged decisions/s (target >= 50000)\n",
               threads, batch, median(bat, runs));
    if (RAN("notify"))
        printf("  sync, 1 thread, notify:       %10.0f logged decisions/s (target >= 50000)\n",
               median(notify, runs));
    if (RAN("none") || RAN("async"))
        printf("  no audit log:                 %10.0f decisions/s\n", mn);
    if (RAN("async"))
        printf("  async:                        %10.0f decisions/s, %.1f%% overhead "
               "(target <= 10%%)\n",
               ma, 100.0 * (1 - ma / mn));
    clr_ruleset_unref(rules);
    if (!userdir) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            return 1;
    }
    return 0;
}
