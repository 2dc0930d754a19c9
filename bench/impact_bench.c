/* impact_bench: the cost of an impact analysis on the default rulebooks, the
 * 2026 letter's imposition (2026-06-11 against 2026-06-13), over N generated
 * combinations (default 1,000,000; issue 7's target: under 5 s on one core).
 *
 *   impact_bench [--n N] [--orgs K] [--no-cache] [--seed S]
 *
 * Each combination is generated into one reused request: a distinct principal
 * ("user:N"), one of K organisations (default GEN_NORGS), a nationality, a
 * country, a model of the default catalogue, a use and an integration. It
 * prints one line of JSON: combinations, changed, groups, seconds and
 * combinations/s. One timing run: on a shared machine, prefer instruction
 * counts (valgrind --tool=callgrind --toggle-collect=run_impact). */
#include "clearance.h"
#include "gen_common.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const models[] = {"mythos-5", "fable-5",  "atlas-2",
                                     "small-1",  "open-70b", "lumen-3"};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill(clr_request *req, gen_rng *rng, size_t i, size_t norgs)
{
    snprintf(req->principal.id, sizeof req->principal.id, "user:%zu", i);
    gen_org(gen_below(rng, norgs), req->principal.org, sizeof req->principal.org);
    const char *nat = gen_chance(rng, 60)
                          ? gen_common_countries[gen_below(rng, GEN_COUNT(gen_common_countries))]
                          : gen_countries[gen_below(rng, GEN_COUNT(gen_countries))];
    const char *in =
        gen_chance(rng, 80) ? nat : gen_countries[gen_below(rng, GEN_COUNT(gen_countries))];
    memcpy(req->principal.nationality, nat, 3);
    memcpy(req->principal.country, in, 3);
    memcpy(req->principal.hq, in, 3);
    memcpy(req->destination, in, 3);
    snprintf(req->model, sizeof req->model, "%s", models[gen_below(rng, GEN_COUNT(models))]);
    snprintf(req->use, sizeof req->use, "%s", gen_uses[gen_below(rng, GEN_NUSES_DEFAULT)]);
    snprintf(req->integration, sizeof req->integration, "%s",
             gen_integrations[gen_below(rng, GEN_NINTEGRATIONS_DEFAULT)]);
}

/* The measured part: a separate function so that callgrind can count it alone. */
__attribute__((noinline)) static int run_impact(clr_impact *im, size_t n, size_t norgs,
                                                uint64_t seed)
{
    clr_request req;
    memset(&req, 0, sizeof req);
    req.model_attributes.training_ops = -1;
    req.model_attributes.open_weights = -1;
    gen_rng rng = {seed};
    for (size_t i = 0; i < n; i++) {
        fill(&req, &rng, i, norgs);
        if (clr_impact_add(im, &req, i + 1))
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t n = 1000000, norgs = GEN_NORGS;
    uint64_t seed = 1;
    clr_impact_options opts = CLR_IMPACT_OPTIONS_INIT;
    opts.max_examples = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--n") == 0 && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--orgs") == 0 && i + 1 < argc)
            norgs = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--no-cache") == 0)
            opts.no_cache = 1;
        else {
            fprintf(stderr, "usage: impact_bench [--n N] [--orgs K] [--no-cache] [--seed S]\n");
            return 2;
        }
    }
    if (norgs < 1 || norgs > GEN_NORGS)
        norgs = GEN_NORGS;
    clr_ruleset *rs = NULL;
    if (clr_ruleset_load_defaults(&rs, NULL)) {
        fprintf(stderr, "impact_bench: cannot compile the default rulebooks\n");
        return 1;
    }
    clr_time t0, t1;
    clr_time_parse(&t0, "2026-06-11", 10);
    clr_time_parse(&t1, "2026-06-13", 10);
    clr_side before = {rs, t0}, after = {rs, t1};
    clr_impact *im = NULL;
    if (clr_impact_new(&im, &before, &after, &opts)) {
        fprintf(stderr, "impact_bench: out of memory\n");
        clr_ruleset_unref(rs);
        return 1;
    }
    double start = now_s();
    int rc = run_impact(im, n, norgs, seed);
    double secs = now_s() - start;
    if (rc)
        fprintf(stderr, "impact_bench: out of memory\n");
    else
        printf("{\"combinations\":%zu,\"changed\":%zu,\"groups\":%zu,\"cache\":%s,"
               "\"seconds\":%.3f,\"combinations_per_s\":%.0f}\n",
               clr_impact_total(im), clr_impact_changed(im), clr_impact_group_count(im),
               opts.no_cache ? "false" : "true", secs, secs > 0 ? (double)n / secs : 0.0);
    clr_impact_free(im);
    clr_ruleset_unref(rs);
    return rc ? 1 : 0;
}
