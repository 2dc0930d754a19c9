/* clearance demo: fills a store with demonstration data for the dashboard
 * (clearance serve --store DB, then /ui): the 2026 letter's stages as
 * rulebook versions, example organisations and users registered and screened (a few of them
 * possible matches awaiting review), licences, and weeks of generated requests decided through the
 * decision path that clearance serve takes (the registry fills the request, the rules and lists
 * decide, adjudications and licences apply, usage is metered), each appended to the signed audit
 * log at its own instant. */
#include "cli_meter.h"
#include "cli_util.h"
#include "commands.h"

#include "clearance_registry.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct demo_org {
    const char *id, *legal_name, *country, *hq;
} demo_org;

typedef struct demo_user {
    const char *id, *name, *org, *nationality, *country;
    int weight; /* how often it sends requests, relative to the others */
} demo_user;

/* Organisations: customers, the provider, trusted partners of the 2026 letter,
 * and a trading company whose name resembles a listed one. */
static const demo_org orgs[] = {
    {"org:acme", "Acme Widgets GmbH", "DE", "DE"},
    {"org:globex", "Globex Corporation", "US", "US"},
    {"org:initech", "Initech SAS", "FR", "FR"},
    {"org:anthropic", "Anthropic PBC", "US", "US"},
    {"org:aurora-security", "Aurora Security Ltd", "GB", "GB"},
    {"org:helix-cyber", "Helix Cyber KK", "JP", "JP"},
    {"org:tata-analytics", "Tata Analytics Private Limited", "IN", "IN"},
    {"org:pampas-ai", "Pampas AI Ltda", "BR", "BR"},
    {"org:shenzhen-robotics", "Shenzhen Robotics Co Ltd", "CN", "CN"},
    {"org:mekong-data", "Mekong Data Co Ltd", "KH", "KH"},
    {"org:rosoboron-trading", "Rosoboron Export Trading", "RU", "RU"},
};

static const demo_user users[] = {
    {"ana", "Ana Keller", "org:acme", "DE", "DE", 8},
    {"jonas", "Jonas Brandt", "org:acme", "DE", "DE", 5},
    {"mia", "Mia Johnson", "org:globex", "US", "US", 9},
    {"lin", "Lin Hao", "org:globex", "CN", "US", 4},
    {"chloe", "Chloe Martin", "org:initech", "FR", "FR", 6},
    {"ravi", "Ravi Iyer", "org:anthropic", "IN", "US", 3},
    {"lee", "Lee Parker", "org:aurora-security", "GB", "GB", 4},
    {"mo", "Mo Tanaka", "org:helix-cyber", "JP", "JP", 4},
    {"priya", "Priya Nair", "org:tata-analytics", "IN", "IN", 6},
    {"joao", "Joao Silva", "org:pampas-ai", "BR", "BR", 5},
    {"li", "Li Na", "org:shenzhen-robotics", "CN", "CN", 4},
    {"sok", "Sok Dara", "org:mekong-data", "KH", "KH", 3},
    {"oleg", "Oleg Petrov", "org:rosoboron-trading", "RU", "RU", 2},
    {"abdul", "Abdul Satar", "org:pampas-ai", "BR", "BR", 1},
    {"mohammad", "Mohammad Rahimi", "org:tata-analytics", "AF", "IN", 1},
};

static const char *const licences[] = {
    "{\"id\":\"L-2026-ACME-1\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\","
    "\"models\":[\"mythos-5\",\"fable-5\"],\"from\":\"2026-06-12\",\"until\":\"2026-12-31\","
    "\"quantity\":400,\"unit\":\"requests\"}",
    "{\"id\":\"L-2026-INITECH-1\",\"rulebook\":\"us-ear\",\"licensee\":\"org:initech\","
    "\"models\":[\"fable-5\"],\"from\":\"2026-06-15\",\"until\":\"2026-09-30\"}",
    "{\"id\":\"L-2026-TATA-1\",\"rulebook\":\"us-ear\",\"licensee\":\"org:tata-analytics\","
    "\"models\":[\"mythos-5\"],\"uses\":[\"research\"],\"from\":\"2026-06-20\","
    "\"until\":\"2026-07-20\",\"quantity\":50000000}",
};

static const char *const models[] = {"mythos-5", "mythos-5", "fable-5",  "fable-5",
                                     "atlas-2",  "small-1",  "open-70b", "lumen-3"};
static const char *const uses[] = {
    "software-development", "software-development", "research",   "research", "data-analysis",
    "customer-service",     "cyber-defense",        "simulation", "military"};
static const char *const integrations[] = {"api",   "api",         "api",         "chat",
                                           "batch", "agent-tools", "fine-tuning", "weights"};

/* A small deterministic generator (xorshift64*), so that a seed gives the same
 * traffic every time. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static size_t pick(uint64_t *s, size_t n)
{
    return (size_t)(next(s) % n);
}

#define PICK(s, arr) arr[pick(s, sizeof arr / sizeof arr[0])]

static const demo_user *pick_user(uint64_t *s)
{
    int total = 0;
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++)
        total += users[i].weight;
    int x = (int)(next(s) % (uint64_t)total);
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        if (x < users[i].weight)
            return &users[i];
        x -= users[i].weight;
    }
    return &users[0];
}

static int register_parties(clr_store *s, const clr_lists *lists)
{
    clr_registry_error err;
    for (size_t i = 0; i < sizeof orgs / sizeof orgs[0]; i++) {
        clr_org o;
        memset(&o, 0, sizeof o);
        snprintf(o.id, sizeof o.id, "%s", orgs[i].id);
        snprintf(o.legal_name, sizeof o.legal_name, "%s", orgs[i].legal_name);
        snprintf(o.country, sizeof o.country, "%s", orgs[i].country);
        snprintf(o.hq, sizeof o.hq, "%s", orgs[i].hq);
        int rc = clr_registry_org_put(s, &o, 0, lists, &err);
        if (rc) {
            fprintf(stderr, "clearance demo: organisation %s: %s %s\n", o.id, clr_strerror(rc),
                    rc == CLR_EINVAL ? err.message : "");
            return rc;
        }
    }
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        clr_user u;
        memset(&u, 0, sizeof u);
        snprintf(u.id, sizeof u.id, "%s", users[i].id);
        snprintf(u.name, sizeof u.name, "%s", users[i].name);
        snprintf(u.org, sizeof u.org, "%s", users[i].org);
        snprintf(u.nationality, sizeof u.nationality, "%s", users[i].nationality);
        snprintf(u.country, sizeof u.country, "%s", users[i].country);
        int rc = clr_registry_user_put(s, &u, 0, lists, &err);
        if (rc) {
            fprintf(stderr, "clearance demo: user %s: %s %s\n", u.id, clr_strerror(rc),
                    rc == CLR_EINVAL ? err.message : "");
            return rc;
        }
    }
    return 0;
}

static int add_licences(clr_store *s)
{
    for (size_t i = 0; i < sizeof licences / sizeof licences[0]; i++) {
        char err[512];
        int rc = clr_licence_store_add(s, licences[i], strlen(licences[i]), clr_time_now(), NULL,
                                       err, sizeof err);
        if (rc && rc != CLR_EEXIST) {
            fprintf(stderr, "clearance demo: licence: %s %s\n", clr_strerror(rc),
                    rc == CLR_EINVAL ? err : "");
            return rc;
        }
    }
    return 0;
}

/* One generated request at instant t. */
static void make_request(clr_request *req, uint64_t *s, clr_time t)
{
    const demo_user *u = pick_user(s);
    memset(req, 0, sizeof *req);
    snprintf(req->principal.id, sizeof req->principal.id, "%s", u->id);
    snprintf(req->model, sizeof req->model, "%s", PICK(s, models));
    snprintf(req->use, sizeof req->use, "%s", PICK(s, uses));
    snprintf(req->integration, sizeof req->integration, "%s", PICK(s, integrations));
    /* now and then a request for use elsewhere than where the user is */
    static const char *const elsewhere[] = {"US", "DE", "CN", "RU", "IR", "KH", "AE", "SG", "MX"};
    if (next(s) % 10 == 0)
        snprintf(req->destination, sizeof req->destination, "%s", PICK(s, elsewhere));
    req->time = t;
    req->units = (int64_t)(200 + next(s) % 4000);
    req->model_attributes.training_ops = -1;
    req->model_attributes.open_weights = -1;
}

/* Removes from text the first span that starts at start and ends after end
 * (inclusive); with inner, only inner's first occurrence inside that span.
 * Returns 0, or -1 when the text lacks them. */
static int cut(char *text, const char *start, const char *inner, const char *end)
{
    char *p = strstr(text, start);
    char *e = p ? strstr(p, end) : NULL;
    if (!e)
        return -1;
    e += strlen(end);
    char *q = p;
    if (inner) {
        q = strstr(p, inner);
        if (!q || q + strlen(inner) > e)
            return -1;
        e = q + strlen(inner);
    }
    memmove(q, e, strlen(e) + 1);
    return 0;
}

/* The stages of the 2026 letter as rulebook versions: as published on
 * 2026-06-12 (no end, no exemption), with the trusted partners' exemption of
 * 2026-06-26, and lifted on 2026-06-30 (the current rules, rs). */
typedef struct demo_stage {
    const char *at, *by, *reason;
    int exemption, lifted;
} demo_stage;

static const demo_stage stages[] = {
    {"2026-06-12T09:00:00Z", "policy-team",
     "Informed letter of 2026-06-12: a licence for any foreign person's use of Mythos 5 and Fable "
     "5",
     0, 0},
    {"2026-06-26T09:00:00Z", "policy-team",
     "Letter of 2026-06-26: trusted partners exempted, Mythos 5 only", 1, 0},
    {"2026-06-30T09:00:00Z", "policy-team", "Restriction lifted on 2026-06-30", 1, 1},
};
#define NSTAGES (sizeof stages / sizeof stages[0])

/* Compiles rs's sources as they stood at stage st into *out. Returns 0, or -1
 * when the rulebooks no longer read as the stages expect. */
static int stage_rules(clr_ruleset **out, const clr_ruleset *rs, const demo_stage *st)
{
    size_t n = clr_ruleset_source_count(rs);
    clr_rule_file *files = calloc(n ? n : 1, sizeof *files);
    char **texts = calloc(n ? n : 1, sizeof *texts);
    int rc = -1;
    if (!files || !texts)
        goto done;
    for (size_t i = 0; i < n; i++) {
        if (clr_ruleset_source(rs, i, &files[i]) ||
            !(texts[i] = strndup(files[i].text, files[i].len)))
            goto done;
        size_t len = strlen(files[i].name);
        if (len >= 12 && strcmp(files[i].name + len - 12, "us-ear.rules") == 0) {
            if (!st->lifted &&
                cut(texts[i], "rule informed-letter-2026 {", "    until 2026-06-30\n", "\n}\n"))
                goto done;
            if (!st->exemption && cut(texts[i], "exemption trusted-partners-2026 {", NULL, "\n}\n"))
                goto done;
        }
        files[i].text = texts[i];
        files[i].len = strlen(texts[i]);
    }
    rc = clr_ruleset_compile_bundle(out, files, n, NULL) ? -1 : 0;
done:
    for (size_t i = 0; texts && i < n; i++)
        free(texts[i]);
    free(texts);
    free(files);
    return rc;
}

/* On a store without rulebook versions, stores the stages of the letter as
 * versions and compiles each into sets[] (sets[NSTAGES - 1] is rs itself).
 * Returns the number of stages stored (0: the store had versions, or the
 * rulebooks no longer read as the stages expect; every request is then
 * decided under rs). */
static size_t store_stages(clr_store *s, clr_ruleset *rs, clr_ruleset **sets, clr_time *from)
{
    clr_rules_version latest;
    if (clr_rules_version_latest(&latest, s) != CLR_ENOTFOUND)
        return 0;
    for (size_t k = 0; k < NSTAGES; k++) {
        clr_time_parse(&from[k], stages[k].at, strlen(stages[k].at));
        if (k + 1 == NSTAGES)
            sets[k] = clr_ruleset_ref(rs);
        else if (stage_rules(&sets[k], rs, &stages[k]))
            goto fail;
    }
    for (size_t k = 0; k < NSTAGES; k++)
        if (clr_rules_version_store(NULL, s, sets[k], stages[k].by, stages[k].reason, from[k])) {
            fprintf(stderr, "clearance demo: cannot store the rulebook versions: %s\n",
                    clr_store_errmsg(s));
            goto fail;
        }
    return NSTAGES;
fail:
    for (size_t k = 0; k < NSTAGES; k++) {
        clr_ruleset_unref(sets[k]);
        sets[k] = NULL;
    }
    return 0;
}

typedef struct demo_opts {
    const char *db;
    cli_strv lists;
    clr_time from;
    int days, per_day;
    uint64_t seed;
} demo_opts;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: clearance demo --store DB [--from DATE] [--days N] [--per-day N] [--seed N]\n"
            "                      [--lists PATH]...\n"
            "  Fills the store with demonstration data for the dashboard: example organisations\n"
            "  and users (screened; some are possible matches awaiting review), licences, and\n"
            "  generated requests decided as clearance serve decides them and appended to the\n"
            "  signed audit log at their own instants (default: 40 a day for 35 days from\n"
            "  2026-06-01, around the 2026 letter). Then: clearance serve --store DB.\n");
}

static int parse(demo_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"store", required_argument, NULL, 's'},   {"lists", required_argument, NULL, 'l'},
        {"from", required_argument, NULL, 'f'},    {"days", required_argument, NULL, 'd'},
        {"per-day", required_argument, NULL, 'p'}, {"seed", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end = NULL;
        long v = 0;
        if (opt == 'd' || opt == 'p' || opt == 'r')
            v = strtol(optarg, &end, 10);
        switch (opt) {
        case 's': o->db = optarg; break;
        case 'l':
            if (cli_strv_push(&o->lists, optarg))
                return CLR_EXIT_FAILED;
            break;
        case 'f':
            if (clr_time_parse(&o->from, optarg, strlen(optarg))) {
                fprintf(stderr, "clearance demo: --from: not a date: '%s'\n", optarg);
                return CLR_EXIT_BADINPUT;
            }
            break;
        case 'd':
        case 'p':
        case 'r':
            if (*end || v < 1 || v > (opt == 'r' ? 1000000000L : 10000L)) {
                fprintf(stderr, "clearance demo: bad number '%s'\n", optarg);
                return CLR_EXIT_BADINPUT;
            }
            if (opt == 'd')
                o->days = (int)v;
            else if (opt == 'p')
                o->per_day = (int)v;
            else
                o->seed = (uint64_t)v;
            break;
        case 'h': usage(stdout); return -1;
        default: usage(stderr); return CLR_EXIT_BADINPUT;
        }
    }
    if (!o->db || optind < argc) {
        usage(stderr);
        return CLR_EXIT_BADINPUT;
    }
    return 0;
}

int clr_cmd_demo(int argc, char **argv)
{
    demo_opts o = {0};
    clr_store *s = NULL, *audit_store = NULL;
    clr_ruleset *rs = NULL;
    clr_lists *lists = NULL;
    clr_registry *reg = NULL;
    clr_audit *audit = NULL;
    cli_meter meter;
    char *rjson = NULL, *djson = NULL;
    size_t rcap = 8192, dcap = 65536;
    uint64_t counts[4] = {0};
    clr_ruleset *sets[NSTAGES] = {NULL};
    clr_time stage_from[NSTAGES] = {0};
    size_t nstages = 0;
    int rc;
    memset(&meter, 0, sizeof meter);
    clr_time_parse(&o.from, "2026-06-01", 10);
    o.days = 35;
    o.per_day = 40;
    o.seed = 20260612;
    if ((rc = parse(&o, argc, argv)) != 0) {
        rc = rc < 0 ? CLR_EXIT_OK : rc;
        goto done;
    }
    rc = CLR_EXIT_FAILED;
    if (!(rjson = malloc(rcap)) || !(djson = malloc(dcap)))
        goto done;
    if ((rc = cli_open_store(&s, o.db, 0)) != 0)
        goto done;
    if ((rc = cli_load_rules(NULL, 0, 0, &rs)) != 0)
        goto done;
    if ((rc = cli_load_lists(o.lists.v, o.lists.n, &lists)) != 0)
        goto done;
    rc = CLR_EXIT_FAILED;
    if (register_parties(s, lists) || add_licences(s))
        goto done;
    nstages = store_stages(s, rs, sets, stage_from);
    if (clr_registry_load(&reg, s, lists)) {
        fprintf(stderr, "clearance demo: cannot load the registry: %s\n", clr_store_errmsg(s));
        goto done;
    }
    if ((rc = cli_meter_open(&meter, o.db, NULL, "clearance demo")) != 0)
        goto done;
    rc = CLR_EXIT_FAILED;
    clr_audit_options ao = CLR_AUDIT_OPTIONS_INIT;
    char aerr[512];
    ao.mode = CLR_AUDIT_ASYNC;
    ao.key_path = getenv("CLEARANCE_AUDIT_KEY");
    if (ao.key_path && !*ao.key_path)
        ao.key_path = NULL;
    if (clr_store_open(&audit_store, o.db, NULL, aerr, sizeof aerr) ||
        clr_audit_open(&audit, audit_store, o.db, &ao, aerr, sizeof aerr)) {
        fprintf(stderr, "clearance demo: %s: %s\n", o.db, aerr);
        goto done;
    }

    uint64_t seed = o.seed * 0x9E3779B97F4A7C15ULL + 1;
    clr_decide_env env = {lists, clr_usage_as_source(meter.usage)};
    for (int d = 0; d < o.days; d++) {
        /* weekdays busier than weekends */
        int wday = (int)(((o.from / 86400 + d) % 7 + 4) % 7); /* 0: Sunday */
        int n = (wday == 0 || wday == 6) ? o.per_day / 3 : o.per_day;
        for (int i = 0; i < n; i++) {
            clr_time t = o.from + (clr_time)d * 86400 + 6 * 3600 + (clr_time)(next(&seed) % 50400);
            clr_request req;
            clr_registry_check chk;
            clr_decision dec;
            make_request(&req, &seed, t);
            clr_registry_fill(reg, &req, &chk);
            /* the rules in force then: before the first version, the first answers */
            const clr_ruleset *then = nstages ? sets[0] : rs;
            for (size_t k = 1; k < nstages; k++)
                if (t >= stage_from[k])
                    then = sets[k];
            if (clr_decide_env_run(then, &env, &req, &dec, NULL) == 0) {
                clr_registry_apply_adjudications(reg, &req, &dec);
                clr_registry_flag(&chk, &dec);
                clr_licences_apply(meter.licences, &req, &dec);
                clr_usage_record(meter.usage, &req, &dec);
            }
            size_t rn = clr_request_to_json(&req, rjson, rcap);
            size_t dn = clr_decision_to_json(&dec, djson, dcap);
            if (rn >= rcap || dn >= dcap) {
                fprintf(stderr, "clearance demo: a record is too large\n");
                goto done;
            }
            if (clr_audit_append_json(audit, dec.decision_id, t, dec.outcome, dec.rules_version,
                                      rjson, rn, djson, dn)) {
                fprintf(stderr, "clearance demo: the audit log failed\n");
                goto done;
            }
            counts[dec.outcome <= CLR_DENY ? dec.outcome : CLR_DENY]++;
        }
    }
    if (clr_audit_flush(audit)) {
        fprintf(stderr, "clearance demo: the audit log failed\n");
        goto done;
    }
    printf("clearance demo: %zu rulebook versions, %zu organisations, %zu users, %zu licences, "
           "%llu decisions "
           "(allow %llu, review %llu, license_required %llu, deny %llu) in %s\n",
           nstages, sizeof orgs / sizeof orgs[0], sizeof users / sizeof users[0],
           sizeof licences / sizeof licences[0],
           (unsigned long long)(counts[0] + counts[1] + counts[2] + counts[3]),
           (unsigned long long)counts[CLR_ALLOW], (unsigned long long)counts[CLR_REVIEW],
           (unsigned long long)counts[CLR_LICENSE_REQUIRED], (unsigned long long)counts[CLR_DENY],
           o.db);
    rc = CLR_EXIT_OK;
done:
    if (audit && clr_audit_close(audit) != 0 && rc == CLR_EXIT_OK) {
        fprintf(stderr, "clearance demo: the audit log could not be closed cleanly\n");
        rc = CLR_EXIT_FAILED;
    }
    clr_store_close(audit_store);
    if (cli_meter_close(&meter, "clearance demo") && rc == CLR_EXIT_OK)
        rc = CLR_EXIT_FAILED;
    for (size_t k = 0; k < NSTAGES; k++)
        clr_ruleset_unref(sets[k]);
    clr_registry_unref(reg);
    clr_lists_unref(lists);
    clr_ruleset_unref(rs);
    clr_store_close(s);
    cli_strv_free(&o.lists);
    free(rjson);
    free(djson);
    return rc;
}
