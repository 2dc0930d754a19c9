/* decide_profile: what each request's decision costs, cold and warm, and how
 * the cost grows with the rules a request fires.
 *
 * usage: decide_profile [--rules PATH] --requests FILE.jsonl [--passes N]
 *
 * Loads the rulebooks (the defaults when --rules is not given) and parses
 * every request of FILE beforehand. Then, one thread:
 *   - cold: N passes (default 15) over the requests in file order, each
 *     decision timed on its own, each request's median kept; a request's
 *     data and the index it reads have been pushed out of the caches by the
 *     others since its last turn, as in `clearance bench`;
 *   - warm: each request decided 30 times in a row, its fastest kept.
 * Prints the mean of each, then a table by rules fired (reasons, obligations
 * and exemptions together): how many requests, their mean cold cost, and
 * their share of the total time. The clock's own cost (the median of an
 * empty timed interval) is subtracted from every figure. The machine is
 * shared: compare runs made together, not with figures from another day. */
#include "bench_common.h"
#include "clearance.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WARM_RUNS 30
#define FIRED_ROWS 7 /* 0 .. 5, then "6 or more" */

static void usage(FILE *f)
{
    fprintf(f, "usage: decide_profile [--rules PATH] --requests FILE.jsonl [--passes N]\n");
}

/* The median of n values (sorted in place). */
static uint64_t median(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_u64);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"rules", required_argument, NULL, 'r'},
                                         {"requests", required_argument, NULL, 'q'},
                                         {"passes", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *rules = NULL, *requests = NULL;
    long passes = 15;
    int opt;
    while ((opt = getopt_long(argc, argv, "r:q:p:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'r': rules = optarg; break;
        case 'q': requests = optarg; break;
        case 'p': passes = strtol(optarg, NULL, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!requests || passes < 1 || passes > 1000 || optind != argc) {
        usage(stderr);
        return 2;
    }
    int rc = 1;
    clr_ruleset *rs = NULL;
    clr_request *reqs = NULL;
    clr_decision *d = NULL;
    uint64_t *samples = NULL, *cold = NULL, *fired = NULL;
    size_t n = 0;
    if (bench_load_rules("decide_profile", rules, &rs))
        goto done;
    if (bench_load_requests("decide_profile", requests, &reqs, &n))
        goto done;
    size_t np = (size_t)passes;
    d = malloc(sizeof *d);
    samples = malloc(n * np * sizeof *samples);
    cold = malloc(n * sizeof *cold);
    fired = malloc(n * sizeof *fired);
    if (!d || !samples || !cold || !fired) {
        fprintf(stderr, "decide_profile: out of memory\n");
        goto done;
    }

    /* the clock's own cost */
    uint64_t sample[WARM_RUNS];
    for (size_t k = 0; k < WARM_RUNS; k++) {
        uint64_t t0 = bench_now_ns();
        sample[k] = bench_now_ns() - t0;
    }
    uint64_t clock_ns = median(sample, WARM_RUNS);

    for (size_t p = 0; p < np; p++)
        for (size_t i = 0; i < n; i++) {
            uint64_t t0 = bench_now_ns();
            clr_decide(rs, &reqs[i], d, NULL);
            samples[i * np + p] = bench_now_ns() - t0;
        }
    double cold_sum = 0, warm_sum = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t c = median(&samples[i * np], np);
        cold[i] = c > clock_ns ? c - clock_ns : 0;
        cold_sum += (double)cold[i];
        uint64_t best = UINT64_MAX;
        for (size_t k = 0; k < WARM_RUNS; k++) {
            uint64_t t0 = bench_now_ns();
            clr_decide(rs, &reqs[i], d, NULL);
            uint64_t t = bench_now_ns() - t0;
            if (t < best)
                best = t;
        }
        warm_sum += (double)(best > clock_ns ? best - clock_ns : 0);
        fired[i] = d->nreasons + d->reasons_dropped + d->nobligations + d->obligations_dropped +
                   d->nexempted;
    }

    printf("decide_profile: %zu requests, %zu passes, one thread; the clock's own %llu ns "
           "subtracted\n",
           n, np, (unsigned long long)clock_ns);
    printf("cold (median over the passes, each request): mean %.0f ns a decision\n",
           cold_sum / (double)n);
    printf("warm (fastest of %d in a row, each request): mean %.0f ns a decision\n\n", WARM_RUNS,
           warm_sum / (double)n);
    printf("%-12s %9s %8s %13s %14s\n", "rules fired", "requests", "share", "mean cold ns",
           "share of time");
    size_t count[FIRED_ROWS] = {0};
    double spent[FIRED_ROWS] = {0};
    for (size_t i = 0; i < n; i++) {
        size_t row = fired[i] < FIRED_ROWS - 1 ? (size_t)fired[i] : FIRED_ROWS - 1;
        count[row]++;
        spent[row] += (double)cold[i];
    }
    for (size_t row = 0; row < FIRED_ROWS; row++) {
        char label[16];
        snprintf(label, sizeof label, row < FIRED_ROWS - 1 ? "%zu" : "%zu or more", row);
        printf("%-12s %9zu %7.1f%% %13.0f %13.1f%%\n", label, count[row],
               100.0 * (double)count[row] / (double)n,
               count[row] ? spent[row] / (double)count[row] : 0.0,
               cold_sum > 0 ? 100.0 * spent[row] / cold_sum : 0.0);
    }
    rc = 0;
done:
    free(fired);
    free(cold);
    free(samples);
    free(d);
    free(reqs);
    clr_ruleset_unref(rs);
    return rc;
}
