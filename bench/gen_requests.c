/* gen_requests: writes M generated requests as JSON Lines to stdout, for the
 * core benchmarks.
 *
 * usage: gen_requests [--requests M] [--seed S] [--generated]
 *
 * By default the requests are valid under the default rulebooks: uses and
 * integrations from their vocabularies, the six catalogue models, now and
 * then a model described inline by model_attributes. With --generated they
 * draw from the vocabularies, the 50-model catalogue, the organisations and
 * apps of gen_rulebook's rulebook instead (whatever its seed). Either way:
 * real country codes, mostly the common ones, a few embargoed; principals
 * with and without organisation, nationality and headquarters; times spread
 * over 2025-2026, a quarter of them in June and early July 2026 (the letter's
 * window). The same seed gives the same file. */
#include "gen_common.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

/* 2025-01-01T00:00:00Z, 2027-01-01T00:00:00Z, 2026-06-01T00:00:00Z */
#define T_2025 1735689600LL
#define T_2027 1798761600LL
#define T_JUNE_2026 1780272000LL

typedef struct reqgen {
    gen_rng rng;
    int generated;
    gen_model models[GEN_NMODELS];
} reqgen;

static const char *country(reqgen *g)
{
    if (gen_chance(&g->rng, 2))
        return gen_embargoed[gen_below(&g->rng, GEN_COUNT(gen_embargoed))];
    if (gen_chance(&g->rng, 60))
        return gen_common_countries[gen_below(&g->rng, GEN_COUNT(gen_common_countries))];
    return gen_countries[gen_below(&g->rng, GEN_COUNT(gen_countries))];
}

static void write_time(reqgen *g, FILE *o)
{
    long long t;
    if (gen_chance(&g->rng, 25))
        t = T_JUNE_2026 + (long long)gen_below(&g->rng, 40 * 86400);
    else
        t = T_2025 + (long long)gen_below(&g->rng, (size_t)(T_2027 - T_2025));
    long long days = t / 86400, secs = t % 86400;
    /* civil date from days since 1970-01-01 (Howard Hinnant's algorithm) */
    long long z = days + 719468, era = z / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    long long d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    long long y = yoe + era * 400 + (m <= 2);
    fprintf(o, ",\"time\":\"%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ\"", y, m, d, secs / 3600,
            secs / 60 % 60, secs % 60);
}

static void write_model_attributes(reqgen *g, FILE *o)
{
    static const double ops[] = {5e23, 2e24, 2e25, 1.5e26, 6e26};
    static const char *const origins[] = {"US", "US", "FR", "DE", "GB", "CN", "JP", "AE"};
    fprintf(o, ",\"model_attributes\":{\"origin\":\"%s\",\"provider\":\"org:inline-%zu\"",
            origins[gen_below(&g->rng, GEN_COUNT(origins))], gen_below(&g->rng, 20));
    if (gen_chance(&g->rng, 90))
        fprintf(o, ",\"training_ops\":%g", ops[gen_below(&g->rng, GEN_COUNT(ops))]);
    if (gen_chance(&g->rng, 90))
        fprintf(o, ",\"open_weights\":%s", gen_chance(&g->rng, 30) ? "true" : "false");
    if (gen_chance(&g->rng, 50))
        fprintf(o, ",\"tags\":[\"%s\"]", gen_tags[gen_below(&g->rng, GEN_COUNT(gen_tags))]);
    fputc('}', o);
}

static void write_request(reqgen *g, FILE *o)
{
    size_t nmodels = g->generated ? GEN_NMODELS : 6;
    size_t nuses = g->generated ? GEN_COUNT(gen_uses) : GEN_NUSES_DEFAULT;
    size_t nints = g->generated ? GEN_COUNT(gen_integrations) : GEN_NINTEGRATIONS_DEFAULT;
    size_t norgs = g->generated ? GEN_NORGS : GEN_COUNT(gen_providers) + 10;
    int inline_model = gen_chance(&g->rng, 5);

    if (inline_model)
        fprintf(o, "{\"model\":\"custom-%zu\"", gen_below(&g->rng, 100));
    else if (gen_chance(&g->rng, 40))
        fprintf(o, "{\"model\":\"%s\"", g->models[gen_below(&g->rng, 2)].id); /* the letter's */
    else
        fprintf(o, "{\"model\":\"%s\"", g->models[gen_below(&g->rng, nmodels)].id);

    const char *nat = country(g);
    const char *where = gen_chance(&g->rng, 80) ? nat : country(g);
    fprintf(o, ",\"principal\":{\"id\":\"user:u%05zu\"", gen_below(&g->rng, 50000));
    if (gen_chance(&g->rng, 85)) {
        char org[40];
        size_t k = gen_below(&g->rng, norgs);
        if (!g->generated && k >= GEN_COUNT(gen_providers) + 4) /* beyond the named partners */
            k = GEN_COUNT(gen_providers) + gen_below(&g->rng, 4);
        gen_org(k, org, sizeof org);
        fprintf(o, ",\"org\":\"%s\"", org);
    }
    if (gen_chance(&g->rng, 90))
        fprintf(o, ",\"nationality\":\"%s\"", nat);
    fprintf(o, ",\"country\":\"%s\"", where);
    if (gen_chance(&g->rng, 70))
        fprintf(o, ",\"hq\":\"%s\"", gen_chance(&g->rng, 70) ? where : country(g));
    fputc('}', o);
    if (gen_chance(&g->rng, 75))
        fprintf(o, ",\"destination\":\"%s\"", gen_chance(&g->rng, 80) ? where : country(g));
    /* ordinary uses mostly, the controlled ones now and then */
    size_t u = gen_chance(&g->rng, 70) ? gen_below(&g->rng, 5) : gen_below(&g->rng, nuses);
    fprintf(o, ",\"use\":\"%s\"", gen_uses[u]);
    size_t in = gen_chance(&g->rng, 60) ? gen_below(&g->rng, 2) : gen_below(&g->rng, nints);
    fprintf(o, ",\"integration\":\"%s\"", gen_integrations[in]);
    if (gen_chance(&g->rng, 50))
        fprintf(o, ",\"app\":\"%s\"", gen_apps[gen_below(&g->rng, GEN_COUNT(gen_apps))]);
    write_time(g, o);
    if (gen_chance(&g->rng, 40))
        fprintf(o, ",\"units\":%zu", 1 + gen_below(&g->rng, 60000));
    if (inline_model)
        write_model_attributes(g, o);
    fputs("}\n", o);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: gen_requests [--requests M] [--seed S] [--generated]\n"
               "  Writes M requests (default 10000, seed 1) as JSON Lines to stdout, valid\n"
               "  under the default rulebooks, or with --generated under gen_rulebook's.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"requests", required_argument, NULL, 'n'},
                                         {"seed", required_argument, NULL, 's'},
                                         {"generated", no_argument, NULL, 'g'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    long n = 10000;
    unsigned long long seed = 1;
    reqgen g = {0};
    int opt;
    while ((opt = getopt_long(argc, argv, "n:s:gh", opts, NULL)) != -1) {
        switch (opt) {
        case 'n': n = strtol(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'g': g.generated = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (n < 1 || n > 100000000) {
        usage(stderr);
        return 2;
    }
    g.rng.s = seed ^ 0x5EEDULL;
    for (size_t i = 0; i < GEN_NMODELS; i++)
        gen_catalogue_model(i, &g.models[i]);
    for (long i = 0; i < n; i++)
        write_request(&g, stdout);
    return fflush(stdout) || ferror(stdout) ? 1 : 0;
}
