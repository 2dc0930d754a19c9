/* decide_count: a fixed number of decisions, for counting instructions and
 * cache misses under valgrind (which a timed benchmark cannot give: its
 * decision count depends on the machine's load).
 *
 * usage: decide_count [--rules PATH] --requests FILE.jsonl [--decisions N]
 *
 * Loads the rulebooks (the defaults when --rules is not given), parses every
 * request of FILE beforehand, then decides N requests (default 100,000),
 * cycling through the file, one thread, and prints the outcome counts as one
 * JSON object. The cost of one decision is the difference between two runs
 * with different N, divided by the difference in N:
 *
 *   valgrind --tool=cachegrind --cache-sim=yes build/decide_count ... --decisions 20000
 *   valgrind --tool=cachegrind --cache-sim=yes build/decide_count ... --decisions 120000
 *
 * bench/decide_cost.sh does exactly that. */
#include "bench_common.h"
#include "clearance.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: decide_count [--rules PATH] --requests FILE.jsonl [--decisions N]\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"rules", required_argument, NULL, 'r'},
                                         {"requests", required_argument, NULL, 'q'},
                                         {"decisions", required_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *rules = NULL, *requests = NULL;
    long decisions = 100000;
    int opt;
    while ((opt = getopt_long(argc, argv, "r:q:n:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'r': rules = optarg; break;
        case 'q': requests = optarg; break;
        case 'n': decisions = strtol(optarg, NULL, 10); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!requests || decisions < 0 || optind != argc) {
        usage(stderr);
        return 2;
    }
    int rc = 1;
    clr_ruleset *rs = NULL;
    clr_request *reqs = NULL;
    size_t n = 0;
    if (bench_load_rules("decide_count", rules, &rs))
        goto done;
    if (bench_load_requests("decide_count", requests, &reqs, &n))
        goto done;
    clr_decision d;
    unsigned long outcomes[4] = {0};
    for (long k = 0; k < decisions; k++) {
        clr_decide(rs, &reqs[(size_t)k % n], &d, NULL);
        outcomes[d.outcome & 3]++;
    }
    printf("{\"decisions\":%ld,\"allow\":%lu,\"review\":%lu,\"license_required\":%lu,"
           "\"deny\":%lu}\n",
           decisions, outcomes[CLR_ALLOW], outcomes[CLR_REVIEW], outcomes[CLR_LICENSE_REQUIRED],
           outcomes[CLR_DENY]);
    rc = 0;
done:
    free(reqs);
    clr_ruleset_unref(rs);
    return rc;
}
