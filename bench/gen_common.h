/* What the benchmark generators share: a seeded PRNG, the vocabularies, the
 * country codes, the model catalogue, organisations and apps of the generated
 * rulebook. gen_rulebook writes them into its rulebook; gen_requests draws
 * requests from them, so its requests are valid under that rulebook. The
 * first entries of each vocabulary and the first six models are those of the
 * default rulebooks (rules/common.rules). */
#ifndef CLR_BENCH_GEN_COMMON_H
#define CLR_BENCH_GEN_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- PRNG: splitmix64, deterministic for a seed --------------------------- */

typedef struct gen_rng {
    uint64_t s;
} gen_rng;

static inline uint64_t gen_next(gen_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* A uniform integer in [0, n); n > 0. */
static inline size_t gen_below(gen_rng *r, size_t n)
{
    return (size_t)(gen_next(r) % n);
}

/* Non-zero with probability pct percent. */
static inline int gen_chance(gen_rng *r, unsigned pct)
{
    return gen_below(r, 100) < pct;
}

/* ---- vocabularies ---------------------------------------------------------- */

#define GEN_NUSES_DEFAULT 13
static const char *const gen_uses[] = {
    "software-development", "customer-service", "research", "data-analysis", "simulation",
    "cyber-defense", "military", "military-intelligence", "nuclear", "missile", "chem-bio",
    "internal-surveillance", "unspecified",
    /* the generated rulebook's own */
    "medical-research", "financial-modeling", "education", "translation", "content-moderation",
    "autonomous-systems", "biometric-identification", "critical-infrastructure", "space",
    "law-enforcement", "drug-discovery", "semiconductor-design", "cryptanalysis", "marketing"};

#define GEN_NINTEGRATIONS_DEFAULT 7
static const char *const gen_integrations[] = {"api", "chat", "batch", "fine-tuning", "weights",
                                               "on-prem", "agent-tools",
                                               /* the generated rulebook's own */
                                               "plugin", "edge-device", "embedded", "distillation"};

/* ---- countries: ISO 3166-1 alpha-2, all officially assigned ------------------ */

static const char *const gen_countries[] = {
    "US", "CA", "MX", "BR", "AR", "CL", "CO", "PE", "GB", "IE", "FR", "DE", "NL", "BE", "LU",
    "DK", "SE", "NO", "FI", "IS", "ES", "PT", "IT", "AT", "CH", "PL", "CZ", "SK", "HU", "RO",
    "BG", "GR", "HR", "SI", "EE", "LV", "LT", "CY", "MT", "TR", "IL", "AE", "SA", "QA", "KW",
    "EG", "MA", "NG", "KE", "ZA", "IN", "PK", "BD", "LK", "SG", "MY", "TH", "VN", "ID", "PH",
    "JP", "KR", "TW", "HK", "AU", "NZ", "CN", "MO", "RU", "BY", "UA", "KZ", "UZ", "GE", "AM",
    "AZ", "MM", "KH", "LA", "NI", "VE", "CU", "IR", "KP", "SY", "IQ", "LY", "SD", "AF", "YE"};

/* Where requests mostly come from: drawn twice as often as the rest. */
static const char *const gen_common_countries[] = {"US", "DE", "GB", "FR", "JP", "IN", "CA",
                                                   "NL", "KR", "SG", "BR", "AU", "ES", "IT"};

static const char *const gen_eu_members[] = {"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI",
                                             "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
                                             "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"};

static const char *const gen_embargoed[] = {"IR", "KP", "SY", "CU"};

/* ---- the model catalogue --------------------------------------------------- */

#define GEN_NMODELS 50

typedef struct gen_model {
    char id[40];
    char provider[40];
    const char *origin;
    double training_ops;
    int open_weights;
    const char *tags[2];
    size_t ntags;
} gen_model;

static const char *const gen_families[] = {"aurora",  "borealis", "cirrus",   "delta",  "ember",
                                           "fjord",   "gale",     "helio",    "iris",   "juniper",
                                           "kestrel", "lyra",     "meridian", "nimbus", "orion"};
static const char *const gen_providers[] = {
    "org:anthropic",   "org:northwind", "org:commons-ai", "org:lumen-ai",  "org:tessera",
    "org:quanta-labs", "org:halcyon",   "org:bluefin",    "org:sakura-ai", "org:maple-ml",
    "org:dragon-ai",   "org:fennec",    "org:kiwi-labs"};
static const char *const gen_provider_origin[] = {"US", "US", "US", "FR", "DE", "GB", "US",
                                                  "IL", "JP", "CA", "CN", "AE", "NZ"};
static const char *const gen_tags[] = {"frontier", "multimodal", "code",   "reasoning",
                                       "biology",  "vision",     "speech", "agentic"};

/* The i-th model of the catalogue (i < GEN_NMODELS). Fixed: it does not depend
 * on any seed, so requests and rulebooks generated apart agree on it. */
static inline void gen_catalogue_model(size_t i, gen_model *m)
{
    static const struct {
        const char *id, *provider, *origin;
        double ops;
        int open;
        const char *tag;
    } defaults[] = {{"mythos-5", "org:anthropic", "US", 5e26, 0, "frontier"},
                    {"fable-5", "org:anthropic", "US", 3e26, 0, "frontier"},
                    {"atlas-2", "org:northwind", "US", 2e26, 0, NULL},
                    {"small-1", "org:northwind", "US", 1e24, 0, NULL},
                    {"open-70b", "org:commons-ai", "US", 6e24, 1, NULL},
                    {"lumen-3", "org:lumen-ai", "FR", 2e25, 0, NULL}};
    if (i < GEN_COUNT(defaults)) {
        snprintf(m->id, sizeof m->id, "%s", defaults[i].id);
        snprintf(m->provider, sizeof m->provider, "%s", defaults[i].provider);
        m->origin = defaults[i].origin;
        m->training_ops = defaults[i].ops;
        m->open_weights = defaults[i].open;
        m->ntags = 0;
        if (defaults[i].tag)
            m->tags[m->ntags++] = defaults[i].tag;
        return;
    }
    gen_rng r = {0xC0FFEEULL + i * 7919};
    size_t p = gen_below(&r, GEN_COUNT(gen_providers));
    snprintf(m->id, sizeof m->id, "%s-%zu", gen_families[i % GEN_COUNT(gen_families)],
             1 + i / GEN_COUNT(gen_families));
    snprintf(m->provider, sizeof m->provider, "%s", gen_providers[p]);
    m->origin = gen_provider_origin[p];
    static const double ops[] = {3e23, 1e24, 4e24, 1e25, 3e25, 8e25, 1.2e26, 4e26, 9e26};
    m->training_ops = ops[gen_below(&r, GEN_COUNT(ops))];
    m->open_weights = gen_chance(&r, 30);
    m->ntags = 0;
    if (m->training_ops >= 1e26)
        m->tags[m->ntags++] = "frontier";
    if (gen_chance(&r, 60))
        m->tags[m->ntags++] = gen_tags[1 + gen_below(&r, GEN_COUNT(gen_tags) - 1)];
}

/* ---- organisations, principals and apps -------------------------------------- */

#define GEN_NORGS 400

/* The i-th organisation (i < GEN_NORGS): a provider, a named partner, or
 * "org:c0042". */
static inline void gen_org(size_t i, char *buf, size_t cap)
{
    static const char *const named[] = {
        "org:acme",          "org:aurora-security", "org:helix-cyber", "org:northstar-labs",
        "org:indigo",        "org:globex",          "org:initech",     "org:umbrella-bio",
        "org:stark-defense", "org:wayne-research"};
    if (i < GEN_COUNT(gen_providers))
        snprintf(buf, cap, "%s", gen_providers[i]);
    else if (i - GEN_COUNT(gen_providers) < GEN_COUNT(named))
        snprintf(buf, cap, "%s", named[i - GEN_COUNT(gen_providers)]);
    else
        snprintf(buf, cap, "org:c%04zu", i);
}

static const char *const gen_apps[] = {
    "support-bot", "code-assist", "search",   "copilot",      "analytics",    "translator",
    "tutor",       "triage",      "red-team", "lab-notebook", "trading-desk", "soc-console"};

#endif
