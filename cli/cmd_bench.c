/* clearance bench: decisions per second and latency on a request file. */
#include "cli_util.h"
#include "commands.h"

#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct line_ref {
    const char *text;
    size_t len;
    clr_time now; /* the request's time when it names none */
} line_ref;

typedef struct bench {
    const clr_ruleset *rs;
    clr_request *reqs;
    line_ref *lines;
    size_t n;
    int with_parse;
    double seconds;
} bench;

typedef struct worker {
    const bench *b;
    size_t offset;
    uint64_t decisions;
    double elapsed;
    uint64_t outcomes[4];
    uint32_t *samples; /* latency samples, ns */
    size_t nsamples, capsamples;
    int failed;
} worker;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline int one(const bench *b, size_t i, clr_decision *d, clr_request *scratch)
{
    if (b->with_parse) {
        /* only the line is read: the parsed copy of the request is not */
        const line_ref *line = &b->lines[i];
        clr_request_error err;
        if (clr_request_parse(scratch, line->text, line->len, line->now, &err))
            return -1;
        clr_decide(b->rs, scratch, d, NULL);
    } else {
        clr_decide(b->rs, &b->reqs[i], d, NULL);
    }
    return 0;
}

static void *run(void *arg)
{
    worker *w = arg;
    const bench *b = w->b;
    clr_decision d;
    clr_request *scratch = malloc(sizeof(*scratch));
    if (!scratch) {
        w->failed = 1;
        return NULL;
    }
    size_t i = w->offset % b->n;
    double start = now_s(), deadline = start + b->seconds;
    uint64_t count = 0;
    for (;;) {
        /* untimed batches for throughput; every 32nd decision timed alone */
        for (int k = 0; k < 31; k++) {
            if (one(b, i, &d, scratch))
                w->failed = 1;
            w->outcomes[d.outcome & 3]++;
            if (++i == b->n)
                i = 0;
        }
        uint64_t t0 = now_ns();
        if (one(b, i, &d, scratch))
            w->failed = 1;
        uint64_t t1 = now_ns();
        w->outcomes[d.outcome & 3]++;
        if (++i == b->n)
            i = 0;
        if (w->nsamples < w->capsamples)
            w->samples[w->nsamples++] = (uint32_t)(t1 - t0 > UINT32_MAX ? UINT32_MAX : t1 - t0);
        count += 32;
        if ((count & 1023) == 0 && now_s() >= deadline)
            break;
    }
    w->elapsed = now_s() - start;
    w->decisions = count;
    free(scratch);
    return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct loader {
    bench *b;
    size_t cap;
    int bad;
} loader;

static int load_line(void *arg, char *line, size_t len, size_t no)
{
    loader *l = arg;
    bench *b = l->b;
    if (b->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        clr_request *r = realloc(b->reqs, cap * sizeof(*r));
        if (!r)
            return -1;
        b->reqs = r;
        line_ref *lr = realloc(b->lines, cap * sizeof(*lr));
        if (!lr)
            return -1;
        b->lines = lr;
        l->cap = cap;
    }
    clr_request_error err;
    if (clr_request_parse(&b->reqs[b->n], line, len, clr_time_now(), &err)) {
        fprintf(stderr, "clearance: line %zu: %s: %s\n", no, err.path, err.message);
        l->bad = 1;
        return 0;
    }
    clr_decision d;
    if (clr_decide(b->rs, &b->reqs[b->n], &d, &err) == CLR_EREQUEST) {
        fprintf(stderr, "clearance: line %zu: %s: %s\n", no, err.path, err.message);
        l->bad = 1;
        return 0;
    }
    b->lines[b->n].text = line;
    b->lines[b->n].len = len;
    b->lines[b->n].now = b->reqs[b->n].time;
    b->n++;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: clearance bench [--rules PATH]... --requests FILE.jsonl [--threads N]\n"
               "                       [--seconds S] [--with-parse]\n"
               "  Decides the requests (parsed beforehand, unless --with-parse) in a loop and\n"
               "  prints {\"decisions_per_s\", \"p50_ns\", \"p99_ns\", \"outcomes\"} as JSON.\n");
}

int clr_cmd_bench(int argc, char **argv)
{
    static const struct option opts[] = {{"rules", required_argument, NULL, 'r'},
                                         {"requests", required_argument, NULL, 'q'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"seconds", required_argument, NULL, 's'},
                                         {"with-parse", no_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    cli_strv rules = {0};
    const char *requests = NULL;
    long threads = 1;
    bench b = {0};
    b.seconds = 3;
    int rc = CLR_EXIT_BADINPUT, opt;
    clr_ruleset *rs = NULL;
    char *text = NULL;
    worker *ws = NULL;
    pthread_t *tids = NULL;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "r:q:t:s:ph", opts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (cli_strv_push(&rules, optarg))
                goto done;
            break;
        case 'q': requests = optarg; break;
        case 't': threads = strtol(optarg, NULL, 10); break;
        case 's': b.seconds = strtod(optarg, NULL); break;
        case 'p': b.with_parse = 1; break;
        case 'h':
            usage(stdout);
            rc = CLR_EXIT_OK;
            goto done;
        default: usage(stderr); goto done;
        }
    }
    if (!requests || threads < 1 || threads > 256 || !(b.seconds > 0)) {
        usage(stderr);
        goto done;
    }
    if ((rc = cli_load_rules(rules.v, rules.n, 0, &rs)))
        goto done;
    rc = CLR_EXIT_BADINPUT;
    size_t len;
    if (!(text = cli_read_all(requests, &len)))
        goto done;
    b.rs = rs;
    loader l = {&b, 0, 0};
    if (cli_each_line(text, len, load_line, &l) || l.bad || b.n == 0) {
        fprintf(stderr, "clearance: no usable requests in %s\n", requests);
        goto done;
    }
    ws = calloc((size_t)threads, sizeof(*ws));
    tids = calloc((size_t)threads, sizeof(*tids));
    if (!ws || !tids)
        goto done;
    for (long t = 0; t < threads; t++) {
        ws[t].b = &b;
        ws[t].offset = (size_t)t * 7919;
        ws[t].capsamples = 1 << 20;
        ws[t].samples = malloc(ws[t].capsamples * sizeof(uint32_t));
        if (!ws[t].samples || pthread_create(&tids[t], NULL, run, &ws[t])) {
            fprintf(stderr, "clearance: cannot start thread\n");
            threads = t;
            goto done;
        }
    }
    double rate = 0;
    uint64_t outcomes[4] = {0};
    size_t nsamples = 0;
    for (long t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        rate += (double)ws[t].decisions / ws[t].elapsed;
        for (int k = 0; k < 4; k++)
            outcomes[k] += ws[t].outcomes[k];
        nsamples += ws[t].nsamples;
    }
    uint32_t *all = malloc((nsamples ? nsamples : 1) * sizeof(uint32_t));
    if (!all)
        goto done;
    size_t k = 0;
    for (long t = 0; t < threads; t++) {
        memcpy(all + k, ws[t].samples, ws[t].nsamples * sizeof(uint32_t));
        k += ws[t].nsamples;
    }
    qsort(all, nsamples, sizeof(uint32_t), cmp_u32);
    uint32_t p50 = nsamples ? all[nsamples / 2] : 0;
    uint32_t p99 = nsamples ? all[(size_t)((double)nsamples * 0.99)] : 0;
    free(all);
    printf("{\"decisions_per_s\":%.0f,\"p50_ns\":%u,\"p99_ns\":%u,\"outcomes\":{\"allow\":%llu,"
           "\"review\":%llu,\"license_required\":%llu,\"deny\":%llu},\"requests\":%zu,"
           "\"threads\":%ld,\"with_parse\":%s,\"rules\":%zu}\n",
           rate, p50, p99, (unsigned long long)outcomes[CLR_ALLOW],
           (unsigned long long)outcomes[CLR_REVIEW],
           (unsigned long long)outcomes[CLR_LICENSE_REQUIRED],
           (unsigned long long)outcomes[CLR_DENY], b.n, threads, b.with_parse ? "true" : "false",
           clr_ruleset_rule_count(rs));
    rc = CLR_EXIT_OK;
    for (long t = 0; t < threads; t++)
        if (ws[t].failed)
            rc = CLR_EXIT_FAILED;
done:
    if (ws)
        for (long t = 0; t < threads; t++)
            free(ws[t].samples);
    free(ws);
    free(tids);
    free(b.reqs);
    free(b.lines);
    free(text);
    clr_ruleset_unref(rs);
    cli_strv_free(&rules);
    return rc;
}
