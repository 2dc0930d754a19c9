/* Red flags: IP geolocation against a country database built for the test
 * (tests/lib/make_mmdb.pl), the rule set's country groups, and the usage
 * spike against a usage source whose history the test sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clearance.h"

static char dir[64];
static char db6[128], db4[128];
static clr_geoip *geo6, *geo4;
static clr_ruleset *defaults;

static int setup(void **state)
{
    (void)state;
    char cmd[512];
    strcpy(dir, "/tmp/clr-redflags-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(db6, sizeof db6, "%s/countries6.mmdb", dir);
    snprintf(db4, sizeof db4, "%s/countries4.mmdb", dir);
    snprintf(cmd, sizeof cmd,
             "perl %s/tests/lib/make_mmdb.pl %s 6 && perl %s/tests/lib/make_mmdb.pl %s 4",
             CLR_SOURCE_DIR, db6, CLR_SOURCE_DIR, db4);
    if (system(cmd) != 0)
        return -1;
    char err[256];
    if (clr_geoip_open(&geo6, db6, err, sizeof err) || clr_geoip_open(&geo4, db4, err, sizeof err))
        return -1;
    return clr_ruleset_load_defaults(&defaults, NULL) ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    clr_geoip_close(geo6);
    clr_geoip_close(geo4);
    clr_ruleset_unref(defaults);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The request of examples/01 (allowed, destination DE), with a source IP. */
static clr_request request_from(const char *ip, const char *dest, const char *org)
{
    char json[1024];
    snprintf(json, sizeof json,
             "{\"model\":\"mythos-5\",\"principal\":{\"id\":\"user:ana\"%s%s%s,"
             "\"nationality\":\"DE\",\"country\":\"DE\",\"hq\":\"DE\"},\"destination\":\"%s\","
             "\"use\":\"software-development\",\"integration\":\"api\","
             "\"time\":\"2026-06-01T12:00:00Z\",\"units\":1200%s%s%s}",
             org[0] ? ",\"org\":\"" : "", org, org[0] ? "\"" : "", dest,
             ip[0] ? ",\"source_ip\":\"" : "", ip, ip[0] ? "\"" : "");
    clr_request r;
    clr_request_error err;
    if (clr_request_parse(&r, json, strlen(json), 0, &err))
        fail_msg("bad request %s: %s %s", json, err.path, err.message);
    return r;
}

static const clr_reason *reason(const clr_decision *d, const char *rule)
{
    for (size_t i = 0; i < d->nreasons; i++)
        if (strcmp(d->reasons[i].rule, rule) == 0)
            return &d->reasons[i];
    return NULL;
}

/* Decides req under rs and applies opts; returns what the red flags added. */
static int decide(const clr_ruleset *rs, const clr_redflags_options *opts, const clr_request *req,
                  clr_decision *d)
{
    assert_int_equal(clr_decide(rs, req, d, NULL), 0);
    return clr_redflags_apply(opts, rs, req, d);
}

static clr_redflags_options geo_options(const clr_geoip *g)
{
    clr_redflags_options o = CLR_REDFLAGS_OPTIONS_INIT;
    o.geoip = g;
    return o;
}

static void test_geoip_lookup(void **state)
{
    (void)state;
    static const struct {
        const char *ip, *country;
    } cases[] = {
        {"198.51.100.7", "DE"},   {"203.0.113.9", "US"},      {"203.0.113.200", "CN"},
        {"192.0.2.9", "IR"},      {"192.0.2.200", "KP"},      {"198.18.0.5", "CU"},
        {"2001:db8:de::1", "DE"}, {"2001:db8:5::abcd", "US"}, {"2001:db8:c4:1::1", "CN"},
        {"2001:db8:1a::9", "IR"}, {"2001:db8:4b::1", "KP"},   {"::ffff:192.0.2.9", "IR"},
        {"10.1.2.3", ""},         {"127.0.0.1", ""},          {"fd00::1", ""},
        {"198.51.101.1", ""},
    };
    char cc[3];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(clr_geoip_country(geo6, cases[i].ip, cc), 0);
        if (strcmp(cc, cases[i].country) != 0)
            fail_msg("%s: '%s', expected '%s'", cases[i].ip, cc, cases[i].country);
    }
    /* the IPv4-only database knows IPv4 and cannot answer for IPv6 */
    assert_int_equal(clr_geoip_country(geo4, "192.0.2.200", cc), 0);
    assert_string_equal(cc, "KP");
    assert_int_equal(clr_geoip_country(geo4, "2001:db8:4b::1", cc), CLR_EIO);
    assert_string_equal(cc, "");
    assert_int_equal(clr_geoip_country(geo6, "not-an-address", cc), CLR_EINVAL);
    assert_int_equal(clr_geoip_country(geo6, "198.51.100.7/24", cc), CLR_EINVAL);
    assert_int_equal(clr_geoip_country(NULL, "198.51.100.7", cc), CLR_EINVAL);

    /* opening: a missing file, a file that is not a database */
    clr_geoip *g = (clr_geoip *)1;
    char err[256] = "";
    char path[160];
    snprintf(path, sizeof path, "%s/missing.mmdb", dir);
    assert_int_equal(clr_geoip_open(&g, path, err, sizeof err), CLR_EIO);
    assert_null(g);
    assert_non_null(strstr(err, "missing.mmdb"));
    snprintf(path, sizeof path, "%s/not.mmdb", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not a MaxMind DB file\n", f);
    fclose(f);
    assert_int_equal(clr_geoip_open(&g, path, err, sizeof err), CLR_EIO);
    assert_null(g);
    clr_geoip_close(NULL);
}

static void test_group_membership(void **state)
{
    (void)state;
    clr_time t = 1780000000; /* 2026-05-28 */
    assert_true(clr_ruleset_group_has(defaults, "E:1", "IR", t));
    assert_true(clr_ruleset_group_has(defaults, "E:1", "KP", t));
    assert_true(clr_ruleset_group_has(defaults, "E:2", "CU", t));
    assert_false(clr_ruleset_group_has(defaults, "E:1", "CU", t));
    assert_false(clr_ruleset_group_has(defaults, "E:1", "DE", t));
    assert_false(clr_ruleset_group_has(defaults, "E:1", "ZZ", t));
    assert_false(clr_ruleset_group_has(defaults, "E:1", "", t));
    assert_false(clr_ruleset_group_has(defaults, "no-such-group", "IR", t));
    assert_false(clr_ruleset_group_has(NULL, "E:1", "IR", t));

    /* dated membership: KP joins on 2027-01-01 */
    static const char text[] = "group E:1 { IR, KP from 2027-01-01 }\n"
                               "rulebook r { }\n";
    clr_ruleset *rs = NULL;
    assert_int_equal(clr_ruleset_compile(&rs, "t.rules", text, strlen(text), NULL, NULL), 0);
    assert_false(clr_ruleset_group_has(rs, "E:1", "KP", 1798761599));
    assert_true(clr_ruleset_group_has(rs, "E:1", "KP", 1798761600));
    assert_true(clr_ruleset_group_has(rs, "E:1", "IR", 0));
    clr_ruleset_unref(rs);
}

static void test_country_mismatch_is_review(void **state)
{
    (void)state;
    clr_redflags_options o = geo_options(geo6);
    clr_decision d;
    clr_request q = request_from("203.0.113.200", "DE", "org:acme");
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_int_equal(d.outcome, CLR_REVIEW);
    const clr_reason *r = reason(&d, "ip-country-mismatch");
    assert_non_null(r);
    assert_string_equal(r->rulebook, "clearance");
    assert_int_equal(r->effect, CLR_EFFECT_REVIEW);
    assert_string_equal(r->evidence, "source IP 203.0.113.200 is in CN; the declared destination "
                                     "is DE");
    /* the rulebooks' own results are as they judged */
    for (size_t i = 0; i < d.nrulebooks; i++)
        assert_true(!d.rulebooks[i].applicable || d.rulebooks[i].outcome == CLR_ALLOW);

    char json[8192];
    assert_true(clr_decision_to_json(&d, json, sizeof json) < sizeof json);
    assert_non_null(strstr(json, "{\"rulebook\":\"clearance\",\"rule\":\"ip-country-mismatch\","
                                 "\"effect\":\"review\""));
    assert_non_null(strstr(json, "\"evidence\":\"source IP 203.0.113.200 is in CN; the declared "
                                 "destination is DE\"}"));

    /* IPv6, and the explanation shows the evidence */
    q = request_from("2001:db8:5::1", "DE", "org:acme");
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_int_equal(d.outcome, CLR_REVIEW);
    assert_string_equal(reason(&d, "ip-country-mismatch")->evidence,
                        "source IP 2001:db8:5::1 is in US; the declared destination is DE");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    clr_decision_explain(defaults, NULL, &q, &d, f);
    fclose(f);
    assert_non_null(strstr(text, "raised        review ip-country-mismatch"));
    assert_non_null(
        strstr(text, "evidence: source IP 2001:db8:5::1 is in US; the declared destination is DE"));
    free(text);
}

static void test_same_country_unknown_or_absent_ip_raise_nothing(void **state)
{
    (void)state;
    clr_redflags_options o = geo_options(geo6);
    const char *ips[] = {"198.51.100.7", "2001:db8:de::42", "10.1.2.3", "fd00::1", ""};
    for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
        clr_decision d;
        clr_request q = request_from(ips[i], "DE", "org:acme");
        assert_int_equal(decide(defaults, &o, &q, &d), 0);
        assert_int_equal(d.outcome, CLR_ALLOW);
        assert_int_equal(d.nreasons, 0);
        char json[8192];
        assert_true(clr_decision_to_json(&d, json, sizeof json) < sizeof json);
        assert_null(strstr(json, "evidence"));
    }
    /* no database: no IP flags at all */
    clr_redflags_options none = CLR_REDFLAGS_OPTIONS_INIT;
    clr_decision d;
    clr_request q = request_from("192.0.2.9", "DE", "org:acme");
    assert_int_equal(decide(defaults, &none, &q, &d), 0);
    assert_int_equal(d.outcome, CLR_ALLOW);
}

static void test_embargoed_source_is_deny_whatever_declared(void **state)
{
    (void)state;
    clr_redflags_options o = geo_options(geo6);
    static const struct {
        const char *ip, *evidence;
    } cases[] = {
        {"192.0.2.9", "source IP 192.0.2.9 is in IR (country group E:1); the declared destination "
                      "is DE"},
        {"2001:db8:4b::1", "source IP 2001:db8:4b::1 is in KP (country group E:1); the declared "
                           "destination is DE"},
        {"198.18.0.5", "source IP 198.18.0.5 is in CU (country group E:2); the declared "
                       "destination is DE"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clr_decision d;
        clr_request q = request_from(cases[i].ip, "DE", "org:acme");
        assert_int_equal(decide(defaults, &o, &q, &d), 1);
        assert_int_equal(d.outcome, CLR_DENY);
        const clr_reason *r = reason(&d, "ip-embargoed-country");
        assert_non_null(r);
        assert_int_equal(r->effect, CLR_EFFECT_DENY);
        assert_string_equal(r->evidence, cases[i].evidence);
        assert_null(reason(&d, "ip-country-mismatch"));
    }

    /* membership is read at the request's time from the rule set's groups */
    static const char text[] = "group E:1 { IR, KP from 2027-01-01 }\n"
                               "model mythos-5 { provider org:p origin US }\n"
                               "rulebook r { }\n"
                               "rule never { effect deny when false }\n";
    clr_ruleset *rs = NULL;
    assert_int_equal(clr_ruleset_compile(&rs, "t.rules", text, strlen(text), NULL, NULL), 0);
    clr_decision d;
    clr_request q = request_from("192.0.2.200", "DE", "org:acme");
    assert_int_equal(decide(rs, &o, &q, &d), 1);
    assert_int_equal(d.outcome, CLR_REVIEW);
    assert_non_null(reason(&d, "ip-country-mismatch"));
    q.time = 1798761600; /* 2027-01-01 */
    assert_int_equal(decide(rs, &o, &q, &d), 1);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_non_null(reason(&d, "ip-embargoed-country"));
    clr_ruleset_unref(rs);
}

static void test_never_lowers_the_outcome(void **state)
{
    (void)state;
    clr_redflags_options o = geo_options(geo6);
    clr_decision d;
    /* declared IR: the rulebooks deny; a US source adds its review, deny stays */
    clr_request q = request_from("203.0.113.9", "IR", "org:acme");
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_non_null(reason(&d, "ip-country-mismatch"));
    size_t rulebook_reasons = 0;
    for (size_t i = 0; i < d.nreasons; i++)
        rulebook_reasons += strcmp(d.reasons[i].rulebook, "clearance") != 0;
    assert_true(rulebook_reasons > 0);

    /* a full list of reasons: the flag is counted, and still raises the outcome */
    q = request_from("203.0.113.200", "DE", "org:acme");
    assert_int_equal(clr_decide(defaults, &q, &d, NULL), 0);
    d.nreasons = CLR_MAX_REASONS;
    for (size_t i = 0; i < CLR_MAX_REASONS; i++)
        d.reasons[i] = (clr_reason){.rulebook = "x", .rule = "y", .effect = CLR_EFFECT_REVIEW};
    d.outcome = CLR_ALLOW;
    assert_int_equal(clr_redflags_apply(&o, defaults, &q, &d), 1);
    assert_int_equal(d.reasons_dropped, 1);
    assert_int_equal(d.outcome, CLR_REVIEW);
}

static void test_licences_lift_only_what_they_cover(void **state)
{
    (void)state;
    /* examples/02: license_required under the 2026 letter */
    static const char json[] =
        "{\"model\":\"mythos-5\",\"principal\":{\"id\":\"user:ana\",\"org\":\"org:acme\","
        "\"nationality\":\"DE\",\"country\":\"DE\",\"hq\":\"DE\"},\"use\":\"software-development\","
        "\"integration\":\"api\",\"time\":\"2026-06-20T12:00:00Z\",\"units\":1200,"
        "\"source_ip\":\"203.0.113.200\"}";
    static const char lic[] =
        "{\"id\":\"L-1\",\"rulebook\":\"us-ear\",\"licensee\":\"org:acme\"}\n";
    clr_request q;
    assert_int_equal(clr_request_parse(&q, json, strlen(json), 0, NULL), 0);
    clr_licences *l = NULL;
    char err[256];
    assert_int_equal(clr_licences_parse(&l, lic, strlen(lic), "l.jsonl", err, sizeof err), 0);
    clr_redflags_options o = geo_options(geo6);
    clr_decision d;
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED); /* the review does not lower it */
    assert_int_equal(clr_licences_apply(l, &q, &d), 1);
    /* the licence covers the letter, not the red flag: review remains */
    assert_int_equal(d.outcome, CLR_REVIEW);
    assert_string_equal(reason(&d, "informed-letter-2026")->licence, "L-1");
    assert_string_equal(reason(&d, "ip-country-mismatch")->evidence,
                        "source IP 203.0.113.200 is in CN; the declared destination is DE");
    for (size_t i = 0; i < d.nrulebooks; i++)
        assert_true(!d.rulebooks[i].applicable || d.rulebooks[i].outcome == CLR_ALLOW);
    clr_licences_free(l);
}

static void test_lookup_failure_fails_closed(void **state)
{
    (void)state;
    clr_redflags_options o = geo_options(geo4);
    clr_decision d;
    clr_request q = request_from("2001:db8:de::1", "DE", "org:acme");
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_int_equal(d.outcome, CLR_DENY);
    const clr_reason *r = reason(&d, "geoip-unavailable");
    assert_non_null(r);
    assert_int_equal(r->effect, CLR_EFFECT_DENY);
    assert_string_equal(r->evidence, "the country database failed on the lookup of 2001:db8:de::1");
    /* the IPv4-only database still answers for IPv4 */
    q = request_from("198.51.100.7", "DE", "org:acme");
    assert_int_equal(decide(defaults, &o, &q, &d), 0);
    assert_int_equal(d.outcome, CLR_ALLOW);

    /* a database whose search tree is corrupt opens, then fails on lookups */
    char path[160], buf[8192];
    snprintf(path, sizeof path, "%s/corrupt.mmdb", dir);
    FILE *in = fopen(db6, "rb"), *out = fopen(path, "wb");
    assert_non_null(in);
    assert_non_null(out);
    size_t n = fread(buf, 1, sizeof buf, in);
    assert_true(n > 600 && n < sizeof buf);
    memset(buf, 0xff, 600);
    assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    clr_geoip *bad = NULL;
    assert_int_equal(clr_geoip_open(&bad, path, NULL, 0), 0);
    o = geo_options(bad);
    q = request_from("198.51.100.7", "DE", "org:acme");
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_non_null(reason(&d, "geoip-unavailable"));
    clr_geoip_close(bad);
}

/* ---- the usage spike --------------------------------------------------------- */

/* The units of one organisation by day: day[0] is the request's day, day[i]
 * the i-th day before. */
typedef struct fake_usage {
    int64_t day[64];
    clr_time today; /* the request's instant */
    int fail;
    int calls;
} fake_usage;

static int64_t fake_units(void *arg, int by_user, const char *who, const char *model, int days,
                          clr_time at)
{
    fake_usage *u = arg;
    u->calls++;
    assert_int_equal(by_user, 0);
    assert_string_equal(who, "org:acme");
    assert_null(model);
    if (u->fail)
        return -1;
    int64_t last = (u->today / 86400) - (at / 86400); /* days before the request's day */
    int64_t sum = 0;
    for (int64_t i = last; i < last + days; i++) {
        assert_true(i >= 0 && i < 64);
        sum += u->day[i];
    }
    return sum;
}

static void history(fake_usage *u, int64_t today, int64_t each_day_before)
{
    memset(u, 0, sizeof *u);
    u->today = 1780315200; /* 2026-06-01T12:00:00Z, as request_from */
    u->day[0] = today;
    for (int i = 1; i <= 30; i++)
        u->day[i] = each_day_before;
    u->day[31] = 1000000000; /* outside the window: never counted */
}

static void test_usage_spike(void **state)
{
    (void)state;
    fake_usage u;
    clr_usage_source src = {fake_units, &u};
    clr_redflags_options o = CLR_REDFLAGS_OPTIONS_INIT;
    o.usage = &src;
    clr_request q = request_from("", "DE", "org:acme");
    clr_decision d;

    /* 2.5 times the average: nothing */
    history(&u, 1000000, 400000);
    assert_int_equal(decide(defaults, &o, &q, &d), 0);
    assert_int_equal(d.outcome, CLR_ALLOW);
    assert_int_equal(u.calls, 2);

    /* 30 times: review, with the figures */
    history(&u, 12000000, 400000);
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_int_equal(d.outcome, CLR_REVIEW);
    const clr_reason *r = reason(&d, "usage-spike");
    assert_non_null(r);
    assert_string_equal(r->rulebook, "clearance");
    assert_int_equal(r->effect, CLR_EFFECT_REVIEW);
    assert_string_equal(r->evidence, "12,000,000 units today; 30-day average 400,000 (a spike is "
                                     "above 5 times the average and at least 100,000 units)");

    /* exactly five times is not above it */
    history(&u, 2000000, 400000);
    assert_int_equal(decide(defaults, &o, &q, &d), 0);

    /* a small customer: fifty times its average, but under the minimum */
    history(&u, 50000, 1000);
    assert_int_equal(decide(defaults, &o, &q, &d), 0);
    assert_int_equal(d.outcome, CLR_ALLOW);
    /* ... which a lower minimum and factor catch */
    o.spike_minimum = 10000;
    o.spike_factor = 20;
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_string_equal(reason(&d, "usage-spike")->evidence,
                        "50,000 units today; 30-day average 1,000 (a spike is above 20 times the "
                        "average and at least 10,000 units)");
    o.spike_minimum = 100000;
    o.spike_factor = 5;

    /* no history at all: the first day's volume above the minimum is a spike */
    history(&u, 150000, 0);
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_non_null(reason(&d, "usage-spike"));

    /* a shorter trailing window */
    history(&u, 600000, 100000);
    u.day[2] = 3000000; /* one busy day two days ago */
    assert_int_equal(decide(defaults, &o, &q, &d), 0);
    o.spike_days = 1;
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_string_equal(reason(&d, "usage-spike")->evidence,
                        "600,000 units today; 1-day average 100,000 (a spike is above 5 times the "
                        "average and at least 100,000 units)");
    o.spike_days = 30;

    /* a request without an organisation: nothing to compare, nothing asked */
    history(&u, 12000000, 400000);
    clr_request anon = request_from("", "DE", "");
    assert_int_equal(decide(defaults, &o, &anon, &d), 0);
    assert_int_equal(d.outcome, CLR_ALLOW);
    assert_int_equal(u.calls, 0);

    /* the source cannot tell: deny (fail closed) */
    history(&u, 1000, 1000);
    u.fail = 1;
    assert_int_equal(decide(defaults, &o, &q, &d), 1);
    assert_int_equal(d.outcome, CLR_DENY);
    r = reason(&d, "usage-unavailable");
    assert_non_null(r);
    assert_int_equal(r->effect, CLR_EFFECT_DENY);
    assert_string_equal(
        r->evidence, "the units of org:acme today and over the 30 days before could not be read");
}

static void test_flags_together_and_bad_options(void **state)
{
    (void)state;
    fake_usage u;
    clr_usage_source src = {fake_units, &u};
    clr_redflags_options o = geo_options(geo6);
    o.usage = &src;
    history(&u, 12000000, 400000);
    clr_decision d;
    clr_request q = request_from("203.0.113.200", "DE", "org:acme");
    assert_int_equal(decide(defaults, &o, &q, &d), 2);
    assert_int_equal(d.outcome, CLR_REVIEW);
    /* each reason keeps its own evidence */
    assert_string_equal(reason(&d, "ip-country-mismatch")->evidence,
                        "source IP 203.0.113.200 is in CN; the declared destination is DE");
    assert_non_null(strstr(reason(&d, "usage-spike")->evidence, "12,000,000 units today"));
    /* a new decision starts with an empty evidence buffer */
    q = request_from("", "DE", "org:acme");
    assert_int_equal(clr_decide(defaults, &q, &d, NULL), 0);
    assert_int_equal(d.evidence_len, 0);

    o.version = 2;
    assert_int_equal(clr_redflags_apply(&o, defaults, &q, &d), CLR_EINVAL);
    assert_int_equal(clr_redflags_apply(NULL, defaults, &q, &d), CLR_EINVAL);
    assert_int_equal(d.outcome, CLR_ALLOW);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geoip_lookup),
        cmocka_unit_test(test_group_membership),
        cmocka_unit_test(test_country_mismatch_is_review),
        cmocka_unit_test(test_same_country_unknown_or_absent_ip_raise_nothing),
        cmocka_unit_test(test_embargoed_source_is_deny_whatever_declared),
        cmocka_unit_test(test_never_lowers_the_outcome),
        cmocka_unit_test(test_licences_lift_only_what_they_cover),
        cmocka_unit_test(test_lookup_failure_fails_closed),
        cmocka_unit_test(test_usage_spike),
        cmocka_unit_test(test_flags_together_and_bad_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
