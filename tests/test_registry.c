/* The customer registry against a real SQLite file: CRUD and validation,
 * filling requests and flagging contradictions, API keys, screening on
 * registration with the shipped lists, continuous screening with a changed
 * list, and adjudications (suppression, expiry, a changed entry). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clearance.h"
#include "lib/test_store.h"
#include "store.h"

static char dir[64];
static char db[512];
static clr_store *store;
static clr_lists *defaults;

static int group_setup(void **state)
{
    (void)state;
    return clr_lists_load_defaults(&defaults, CLR_SOURCE_DIR "/data", NULL);
}

static int group_teardown(void **state)
{
    (void)state;
    clr_lists_unref(defaults);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    strcpy(dir, "/tmp/clr-registry-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    if (test_store_path(db, sizeof db, dir, "store.db"))
        return -1;
    return clr_store_open(&store, db, NULL, err, sizeof err);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    clr_store_close(store);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static clr_org org(const char *id, const char *legal_name, const char *hq)
{
    clr_org o;
    memset(&o, 0, sizeof o);
    snprintf(o.id, sizeof o.id, "%s", id);
    snprintf(o.legal_name, sizeof o.legal_name, "%s", legal_name);
    snprintf(o.hq, sizeof o.hq, "%s", hq);
    snprintf(o.country, sizeof o.country, "%s", hq);
    return o;
}

static clr_user user(const char *id, const char *name, const char *org_id, const char *nat,
                     const char *country)
{
    clr_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.id, sizeof u.id, "%s", id);
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.org, sizeof u.org, "%s", org_id);
    snprintf(u.nationality, sizeof u.nationality, "%s", nat);
    snprintf(u.country, sizeof u.country, "%s", country);
    return u;
}

static int count_org(void *arg, const clr_org *o)
{
    (void)o;
    ++*(int *)arg;
    return 0;
}

static void crud_and_validation(void **state)
{
    (void)state;
    clr_registry_error err;
    clr_org o = org("acme", "Acme Widgets Limited", "DE"), got;
    snprintf(o.aliases[0], sizeof o.aliases[0], "Acme");
    o.naliases = 1;
    assert_int_equal(clr_registry_org_put(store, &o, 1, NULL, &err), 0);
    assert_int_equal(clr_registry_org_put(store, &o, 1, NULL, &err), CLR_EEXIST);
    assert_string_equal(err.field, "id");
    assert_int_equal(clr_registry_org_get(&got, store, "acme"), 0);
    assert_string_equal(got.legal_name, "Acme Widgets Limited");
    assert_int_equal(got.naliases, 1);
    assert_string_equal(got.aliases[0], "Acme");
    assert_string_equal(got.hq, "DE");
    /* replace */
    snprintf(o.hq, sizeof o.hq, "FR");
    assert_int_equal(clr_registry_org_put(store, &o, 0, NULL, &err), 0);
    assert_int_equal(clr_registry_org_get(&got, store, "acme"), 0);
    assert_string_equal(got.hq, "FR");
    assert_int_equal(clr_registry_org_get(&got, store, "nobody"), CLR_ENOTFOUND);

    /* validation names the field */
    clr_org b = org("bad", "Bad Country", "XX");
    assert_int_equal(clr_registry_org_put(store, &b, 1, NULL, &err), CLR_EINVAL);
    assert_string_equal(err.field, "country");
    b = org("has space", "Name", "DE");
    assert_int_equal(clr_registry_org_put(store, &b, 1, NULL, &err), CLR_EINVAL);
    assert_string_equal(err.field, "id");
    b = org("", "Name", "DE");
    assert_int_equal(clr_org_validate(&b, &err), CLR_EINVAL);
    assert_string_equal(err.field, "id");
    b = org("long", "", "DE");
    memset(b.id, 'a', sizeof b.id); /* no NUL within CLR_ID_MAX */
    assert_int_equal(clr_org_validate(&b, &err), CLR_EINVAL);
    assert_string_equal(err.field, "id");
    b = org("noname", "", "DE");
    assert_int_equal(clr_org_validate(&b, &err), CLR_EINVAL);
    assert_string_equal(err.field, "legal_name");
    b = org("child", "Child GmbH", "DE");
    snprintf(b.parent, sizeof b.parent, "missing");
    assert_int_equal(clr_registry_org_put(store, &b, 1, NULL, &err), CLR_EINVAL);
    assert_string_equal(err.field, "parent");
    snprintf(b.parent, sizeof b.parent, "acme");
    assert_int_equal(clr_registry_org_put(store, &b, 1, NULL, &err), 0);

    clr_user u = user("alice", "Alice Example", "nowhere", "US", "US"), ug;
    assert_int_equal(clr_registry_user_put(store, &u, 1, NULL, &err), CLR_EINVAL);
    assert_string_equal(err.field, "org");
    u = user("alice", "Alice Example", "acme", "us", "US");
    assert_int_equal(clr_registry_user_put(store, &u, 1, NULL, &err), CLR_EINVAL);
    assert_string_equal(err.field, "nationality");
    u = user("alice", "Alice Example", "acme", "US", "US");
    assert_int_equal(clr_registry_user_put(store, &u, 1, NULL, &err), 0);
    assert_int_equal(clr_registry_user_get(&ug, store, "alice"), 0);
    assert_string_equal(ug.org, "acme");
    assert_string_equal(ug.nationality, "US");

    int n = 0;
    assert_int_equal(clr_registry_org_list(store, count_org, &n), 0);
    assert_int_equal(n, 2);
    /* an organisation that users or children name stays */
    assert_int_equal(clr_registry_org_remove(store, "acme", &err), CLR_EINVAL);
    assert_int_equal(clr_registry_user_remove(store, "alice"), 0);
    assert_int_equal(clr_registry_user_remove(store, "alice"), CLR_ENOTFOUND);
    assert_int_equal(clr_registry_org_remove(store, "child", &err), 0);
    assert_int_equal(clr_registry_org_remove(store, "acme", &err), 0);
    assert_int_equal(clr_registry_org_remove(store, "acme", &err), CLR_ENOTFOUND);
}

static clr_request request(const char *json)
{
    clr_request req;
    clr_request_error err;
    int rc = clr_request_parse(&req, json, strlen(json), clr_time_now(), &err);
    if (rc)
        fail_msg("%s: %s", err.path, err.message);
    return req;
}

static const clr_reason *reason(const clr_decision *d, const char *rule)
{
    for (size_t i = 0; i < d->nreasons; i++)
        if (strcmp(d->reasons[i].rule, rule) == 0)
            return &d->reasons[i];
    return NULL;
}

static void fill_and_flag(void **state)
{
    (void)state;
    clr_registry_error err;
    clr_org o = org("acme", "Acme Widgets Limited", "DE");
    snprintf(o.aliases[0], sizeof o.aliases[0], "Acme");
    o.naliases = 1;
    clr_user u = user("alice", "Alice Example", "acme", "US", "DE");
    assert_int_equal(clr_registry_org_put(store, &o, 1, NULL, &err), 0);
    assert_int_equal(clr_registry_user_put(store, &u, 1, NULL, &err), 0);
    clr_registry *r;
    assert_int_equal(clr_registry_load(&r, store, NULL), 0);
    assert_int_equal(clr_registry_user_count(r), 1);
    assert_int_equal(clr_registry_org_count(r), 1);

    clr_ruleset *rs;
    assert_int_equal(clr_ruleset_load_defaults(&rs, NULL), 0);
    clr_registry_check chk;
    clr_decision d;

    /* only the id: everything filled, nothing contradicted */
    clr_request req =
        request("{\"model\":\"small-1\",\"principal\":{\"id\":\"alice\"},"
                "\"destination\":\"DE\",\"use\":\"research\",\"integration\":\"api\"}");
    clr_registry_fill(r, &req, &chk);
    assert_true(chk.in_use);
    assert_true(chk.registered);
    assert_int_equal(chk.nflags, 0);
    assert_string_equal(req.principal.org, "acme");
    assert_string_equal(req.principal.nationality, "US");
    assert_string_equal(req.principal.country, "DE");
    assert_string_equal(req.principal.hq, "DE");
    assert_string_equal(req.principal.name, "Alice Example");
    assert_string_equal(req.principal.org_name, "Acme Widgets Limited");
    assert_int_equal(clr_decide_screened(rs, defaults, &req, &d, NULL), 0);
    clr_outcome before = d.outcome;
    assert_int_equal(clr_registry_flag(&chk, &d), 0);
    assert_int_equal(d.outcome, before);

    /* only the id, not even a destination: the registered country stands in */
    const char *bare = "{\"model\":\"small-1\",\"principal\":{\"id\":\"alice\"},\"use\":"
                       "\"research\",\"integration\":\"api\"}";
    clr_request_error perr;
    assert_int_equal(clr_request_parse(&req, bare, strlen(bare), 0, &perr), CLR_EREQUEST);
    assert_int_equal(clr_registry_request_parse(&req, NULL, bare, strlen(bare), 0, &perr),
                     CLR_EREQUEST);
    assert_string_equal(perr.path, "$.destination");
    assert_int_equal(clr_registry_request_parse(&req, r, bare, strlen(bare), 0, &perr), 0);
    assert_string_equal(req.destination, "DE");
    const char *stranger = "{\"model\":\"small-1\",\"principal\":{\"id\":\"nobody\"},"
                           "\"use\":\"research\",\"integration\":\"api\"}";
    assert_int_equal(clr_registry_request_parse(&req, r, stranger, strlen(stranger), 0, &perr),
                     CLR_EREQUEST);
    assert_string_equal(perr.path, "$.destination");
    const char *bad = "{\"model\":\"small-1\",\"principal\":{\"id\":\"alice\"},"
                      "\"destination\":\"XX\",\"use\":\"research\",\"integration\":\"api\"}";
    assert_int_equal(clr_registry_request_parse(&req, r, bad, strlen(bad), 0, &perr), CLR_EREQUEST);
    assert_string_equal(perr.path, "$.destination");

    /* a stated nationality the registry contradicts: review, naming both */
    req = request("{\"model\":\"small-1\",\"principal\":{\"id\":\"alice\",\"nationality\":\"FR\","
                  "\"org_name\":\"ACME\"},\"destination\":\"DE\",\"use\":\"research\","
                  "\"integration\":\"api\"}");
    clr_registry_fill(r, &req, &chk);
    assert_int_equal(chk.nflags, 1); /* an alias in another case agrees */
    assert_string_equal(chk.flags[0].field, "principal.nationality");
    assert_string_equal(req.principal.nationality, "FR"); /* the stated value stays */
    assert_int_equal(clr_decide_screened(rs, defaults, &req, &d, NULL), 0);
    assert_int_equal(d.outcome, CLR_ALLOW);
    assert_int_equal(clr_registry_flag(&chk, &d), 1);
    assert_int_equal(d.outcome, CLR_REVIEW);
    const clr_reason *x = reason(&d, "registry-mismatch");
    assert_non_null(x);
    assert_string_equal(x->rulebook, "clearance");
    assert_int_equal(x->effect, CLR_EFFECT_REVIEW);
    assert_non_null(strstr(x->message, "principal.nationality"));
    assert_non_null(strstr(x->message, "\"FR\""));
    assert_non_null(strstr(x->message, "\"US\""));

    /* a deny stays a deny */
    d.outcome = CLR_DENY;
    clr_registry_flag(&chk, &d);
    assert_int_equal(d.outcome, CLR_DENY);

    /* a principal the registry does not know */
    req = request("{\"model\":\"small-1\",\"principal\":{\"id\":\"mallory\",\"country\":\"DE\"},"
                  "\"use\":\"research\",\"integration\":\"api\"}");
    clr_registry_fill(r, &req, &chk);
    assert_false(chk.registered);
    assert_int_equal(clr_decide_screened(rs, defaults, &req, &d, NULL), 0);
    assert_int_equal(clr_registry_flag(&chk, &d), 1);
    assert_int_equal(d.outcome, CLR_REVIEW);
    assert_non_null(reason(&d, "unregistered-principal"));

    /* without a registry nothing changes */
    clr_registry_fill(NULL, &req, &chk);
    assert_false(chk.in_use);
    assert_int_equal(clr_decide_screened(rs, defaults, &req, &d, NULL), 0);
    assert_int_equal(clr_registry_flag(&chk, &d), 0);

    clr_ruleset_unref(rs);
    clr_registry_unref(r);
}

static int first_text(void *arg, const clr__value *cols, int ncols)
{
    assert_int_equal(ncols, 1);
    snprintf(arg, 128, "%.*s", (int)cols[0].n, cols[0].s);
    return 0;
}

static void api_keys(void **state)
{
    (void)state;
    clr_registry_error err;
    clr_user u = user("bob", "", "", "", "US");
    char secret[CLR_KEY_SECRET_MAX], uid[CLR_ID_MAX];
    clr_api_key k;
    assert_int_equal(clr_registry_key_create(secret, &k, store, "nobody", &err), CLR_EINVAL);
    assert_string_equal(err.field, "user");
    assert_int_equal(clr_registry_user_put(store, &u, 1, NULL, &err), 0);
    assert_int_equal(clr_registry_key_create(secret, &k, store, "bob", &err), 0);
    assert_int_equal(strlen(secret), 85);
    assert_memory_equal(secret + 4, k.id, 16);

    /* the store holds a hash, never the secret */
    char stored[128] = "";
    assert_int_equal(
        clr__store_query(store, "SELECT hash FROM registry_key", NULL, 0, first_text, stored, NULL),
        0);
    assert_int_equal(strlen(stored), 64);
    assert_null(strstr(secret, stored));
    assert_null(strstr(stored, secret + 21));

    clr_registry *r;
    assert_int_equal(clr_registry_load(&r, store, NULL), 0);
    assert_int_equal(clr_registry_key_user(uid, r, secret, strlen(secret)), 0);
    assert_string_equal(uid, "bob");
    char wrong[CLR_KEY_SECRET_MAX];
    memcpy(wrong, secret, sizeof wrong);
    wrong[84] = wrong[84] == '0' ? '1' : '0';
    assert_int_equal(clr_registry_key_user(uid, r, wrong, strlen(wrong)), CLR_ENOTFOUND);
    assert_int_equal(clr_registry_key_user(uid, r, "clr_short", 9), CLR_ENOTFOUND);
    clr_registry_unref(r);

    assert_int_equal(clr_registry_key_revoke(store, k.id), 0);
    assert_int_equal(clr_registry_key_revoke(store, "0000000000000000"), CLR_ENOTFOUND);
    assert_int_equal(clr_registry_load(&r, store, NULL), 0);
    assert_int_equal(clr_registry_key_user(uid, r, secret, strlen(secret)), CLR_ENOTFOUND);
    clr_registry_unref(r);
}

typedef struct results {
    int n, hits, possible;
    char entries[16][192];
} results;

static int collect_result(void *arg, const clr_screen_result *res)
{
    results *rs = arg;
    if (rs->n < 16)
        snprintf(rs->entries[rs->n], sizeof rs->entries[0], "%s/%s", res->list, res->entry);
    rs->n++;
    rs->hits += !res->possible;
    rs->possible += res->possible;
    assert_int_equal(strlen(res->digest), 32);
    return 0;
}

static int has(const results *rs, const char *entry)
{
    for (int i = 0; i < rs->n && i < 16; i++)
        if (strcmp(rs->entries[i], entry) == 0)
            return 1;
    return 0;
}

static void screening_on_registration(void **state)
{
    (void)state;
    clr_registry_error err;
    clr_org o = org("ct", "China Telecom Corp", "CN");
    assert_int_equal(clr_registry_org_put(store, &o, 1, defaults, &err), 0);
    results rs = {0};
    assert_int_equal(clr_registry_results_list(store, "org:ct", collect_result, &rs), 0);
    assert_true(has(&rs, "cmic/30882")); /* China Telecom Corporation Limited */
    assert_true(rs.hits >= 1);

    clr_user u = user("u4", "Abdul Satar", "", "", "DE");
    assert_int_equal(clr_registry_user_put(store, &u, 1, defaults, &err), 0);
    memset(&rs, 0, sizeof rs);
    assert_int_equal(clr_registry_results_list(store, "user:u4", collect_result, &rs), 0);
    assert_true(has(&rs, "sdn/15007"));

    clr_org clean = org("widgets", "Acme Widgets Limited", "DE");
    assert_int_equal(clr_registry_org_put(store, &clean, 1, defaults, &err), 0);
    memset(&rs, 0, sizeof rs);
    assert_int_equal(clr_registry_results_list(store, "org:widgets", collect_result, &rs), 0);
    assert_int_equal(rs.n, 0);
}

/* ---- continuous screening with a list that changes ---- */

static void write_list(const char *path, const char *const *rows, size_t n)
{
    FILE *src = fopen(CLR_SOURCE_DIR "/data/lists/csl.csv", "r");
    FILE *f = fopen(path, "w");
    char header[2048];
    assert_non_null(src);
    assert_non_null(f);
    assert_non_null(fgets(header, sizeof header, src));
    fclose(src);
    fputs(header, f);
    for (size_t i = 0; i < n; i++) {
        fputs(rows[i], f);
        for (int k = 6; k < 29; k++) /* the columns after name, empty */
            fputs(",\"\"", f);
        fputc('\n', f);
    }
    fclose(f);
}

static clr_lists *load_list(const char *path)
{
    clr_lists *l;
    const char *paths[1] = {path};
    assert_int_equal(clr_lists_load(&l, paths, 1, NULL), 0);
    return l;
}

typedef struct changes {
    int n;
    char v[16][320];
} changes;

static int collect_change(void *arg, const clr_screen_change *c)
{
    changes *ch = arg;
    if (ch->n < 16)
        snprintf(ch->v[ch->n], sizeof ch->v[0], "%s %s %s/%s", clr_screen_change_name(c->kind),
                 c->result.party, c->result.list, c->result.entry);
    ch->n++;
    return 0;
}

static int has_change(const changes *ch, const char *s)
{
    for (int i = 0; i < ch->n && i < 16; i++)
        if (strcmp(ch->v[i], s) == 0)
            return 1;
    return 0;
}

#define EL "\"Entity List (EL) - Bureau of Industry and Security\""

static void rescreen_reports_new_and_cleared(void **state)
{
    (void)state;
    char path1[192], path2[192];
    snprintf(path1, sizeof path1, "%s/v1.csv", dir);
    snprintf(path2, sizeof path2, "%s/v2.csv", dir);
    const char *v1[] = {
        "\"E1\"," EL ",\"\",\"Entity\",\"P1\",\"Zorblax Rocket Works\"",
        "\"E2\"," EL ",\"\",\"Entity\",\"P1\",\"Quuxly Orbital Systems\"",
    };
    const char *v2[] = {
        "\"E1\"," EL ",\"\",\"Entity\",\"P2\",\"Zorblax Rocket Works\"", /* programs changed */
        "\"E3\"," EL ",\"\",\"Entity\",\"P1\",\"Frobnitz Avionics\"",    /* new entry */
    };
    write_list(path1, v1, 2);
    write_list(path2, v2, 2);
    clr_lists *l1 = load_list(path1), *l2 = load_list(path2);
    char d1[CLR_DIGEST_HEX], d2[CLR_DIGEST_HEX];
    assert_int_equal(clr_registry_entry_digest(d1, l1, "entity-list", "E1"), 0);
    assert_int_equal(clr_registry_entry_digest(d2, l2, "entity-list", "E1"), 0);
    assert_string_not_equal(d1, d2);
    assert_int_equal(clr_registry_entry_digest(d1, l1, "entity-list", "E3"), CLR_ENOTFOUND);

    clr_registry_error err;
    clr_org a = org("zorblax", "Zorblax Rocket Works", "US");
    clr_org b = org("quuxly", "Quuxly Orbital Systems", "US");
    clr_org c = org("frob", "Frobnitz Avionics", "US");
    assert_int_equal(clr_registry_org_put(store, &a, 1, l1, &err), 0);
    assert_int_equal(clr_registry_org_put(store, &b, 1, l1, &err), 0);
    assert_int_equal(clr_registry_org_put(store, &c, 1, l1, &err), 0);

    changes ch = {0};
    size_t parties = 0;
    /* the same lists again: nothing to report */
    assert_int_equal(clr_registry_rescreen(store, l1, collect_change, &ch, &parties), 0);
    assert_int_equal(parties, 3);
    assert_int_equal(ch.n, 0);

    assert_int_equal(clr_registry_rescreen(store, l2, collect_change, &ch, &parties), 0);
    assert_int_equal(ch.n, 3);
    assert_true(has_change(&ch, "new org:frob entity-list/E3"));
    assert_true(has_change(&ch, "cleared org:quuxly entity-list/E2"));
    assert_true(has_change(&ch, "changed org:zorblax entity-list/E1"));

    /* and the results stored are the new ones */
    results rs = {0};
    assert_int_equal(clr_registry_results_list(store, "org:quuxly", collect_result, &rs), 0);
    assert_int_equal(rs.n, 0);
    clr_lists_unref(l1);
    clr_lists_unref(l2);
}

/* ---- adjudication ---- */

static void adjudication_suppresses(void **state)
{
    (void)state;
    clr_registry_error err;
    clr_user u = user("u4", "Abdul Satar", "", "", "DE");
    assert_int_equal(clr_registry_user_put(store, &u, 1, defaults, &err), 0);
    clr_ruleset *rs;
    assert_int_equal(clr_ruleset_load_defaults(&rs, NULL), 0);
    const char *json =
        "{\"model\":\"small-1\",\"principal\":{\"id\":\"u4\"},\"destination\":\"DE\","
        "\"use\":\"research\","
        "\"integration\":\"api\",\"time\":\"2026-11-01T00:00:00Z\"}";
    clr_request req = request(json);
    clr_registry *r;
    clr_registry_check chk;
    clr_decision d;
    assert_int_equal(clr_registry_load(&r, store, defaults), 0);
    clr_registry_fill(r, &req, &chk);
    assert_int_equal(clr_decide_screened(rs, defaults, &req, &d, NULL), 0);
    assert_int_equal(d.outcome, CLR_REVIEW);
    size_t possible = 0;
    for (size_t i = 0; i < d.nreasons; i++)
        possible += d.reasons[i].match.list && d.reasons[i].match.possible;
    assert_true(possible >= 2);
    assert_int_equal(clr_registry_apply_adjudications(r, &req, &d), 0); /* none yet */
    clr_registry_unref(r);

    /* validation */
    clr_adjudication a;
    memset(&a, 0, sizeof a);
    snprintf(a.party, sizeof a.party, "u4");
    assert_int_equal(clr_registry_adjudicate(store, defaults, &a, &err), CLR_EINVAL);
    assert_string_equal(err.field, "party");
    snprintf(a.party, sizeof a.party, "user:u4");
    snprintf(a.list, sizeof a.list, "sdn");
    snprintf(a.entry, sizeof a.entry, "15007");
    a.verdict = CLR_VERDICT_FALSE_POSITIVE;
    snprintf(a.reviewer, sizeof a.reviewer, "rita");
    snprintf(a.reason, sizeof a.reason, "different person: date of birth differs");
    assert_int_equal(clr_registry_adjudicate(store, defaults, &a, &err), CLR_EINVAL);
    assert_string_equal(err.field, "expires");
    clr_time expires;
    assert_int_equal(clr_time_parse(&expires, "2027-01-01", 10), 0);
    a.expires = expires;
    snprintf(a.entry, sizeof a.entry, "no-such-entry");
    assert_int_equal(clr_registry_adjudicate(store, defaults, &a, &err), CLR_ENOTFOUND);
    assert_string_equal(err.field, "entry");

    /* every possible match of the decision adjudicated a false positive */
    for (size_t i = 0; i < d.nreasons; i++) {
        if (!d.reasons[i].match.list || !d.reasons[i].match.possible)
            continue;
        snprintf(a.list, sizeof a.list, "%s", d.reasons[i].match.list);
        snprintf(a.entry, sizeof a.entry, "%s", d.reasons[i].match.id);
        assert_int_equal(clr_registry_adjudicate(store, NULL, &a, &err), 0);
    }
    assert_int_equal(clr_registry_load(&r, store, defaults), 0);
    assert_int_equal(clr_decide_screened(rs, defaults, &req, &d, NULL), 0);
    assert_int_equal(clr_registry_apply_adjudications(r, &req, &d), possible);
    assert_int_equal(d.outcome, CLR_ALLOW);
    for (size_t b = 0; b < d.nrulebooks; b++)
        assert_true(d.rulebooks[b].outcome == CLR_ALLOW);

    /* expired: the review is back */
    clr_request later = req;
    later.time = expires + 1;
    assert_int_equal(clr_decide_screened(rs, defaults, &later, &d, NULL), 0);
    assert_int_equal(clr_registry_apply_adjudications(r, &later, &d), 0);
    assert_int_equal(d.outcome, CLR_REVIEW);
    clr_registry_unref(r);

    /* the entry changed since the verdict (another digest): the review is back */
    assert_int_equal(clr__store_query(store,
                                      "UPDATE registry_adjudication SET digest = "
                                      "'00000000000000000000000000000000' WHERE list = 'sdn'",
                                      NULL, 0, NULL, NULL, NULL),
                     0);
    assert_int_equal(clr_registry_load(&r, store, defaults), 0);
    assert_int_equal(clr_decide_screened(rs, defaults, &req, &d, NULL), 0);
    assert_int_equal(clr_registry_apply_adjudications(r, &req, &d), possible - 1);
    assert_int_equal(d.outcome, CLR_REVIEW);
    const clr_reason *x = NULL;
    for (size_t i = 0; i < d.nreasons; i++)
        if (d.reasons[i].match.list && strcmp(d.reasons[i].match.list, "sdn") == 0)
            x = &d.reasons[i];
    assert_non_null(x);
    clr_registry_unref(r);

    /* a true hit keeps the review and says so */
    snprintf(a.list, sizeof a.list, "sdn");
    snprintf(a.entry, sizeof a.entry, "15007");
    a.verdict = CLR_VERDICT_TRUE_HIT;
    assert_int_equal(clr_registry_adjudicate(store, defaults, &a, &err), 0);
    assert_int_equal(clr_registry_load(&r, store, defaults), 0);
    assert_int_equal(clr_decide_screened(rs, defaults, &req, &d, NULL), 0);
    clr_registry_apply_adjudications(r, &req, &d);
    assert_int_equal(d.outcome, CLR_REVIEW);
    x = NULL;
    for (size_t i = 0; i < d.nreasons; i++)
        if (d.reasons[i].match.list && strcmp(d.reasons[i].match.list, "sdn") == 0)
            x = &d.reasons[i];
    assert_non_null(x);
    assert_non_null(strstr(x->message, "true_hit"));
    clr_registry_unref(r);

    assert_int_equal(clr_registry_adjudication_remove(store, "user:u4", "sdn", "15007"), 0);
    assert_int_equal(clr_registry_adjudication_remove(store, "user:u4", "sdn", "15007"),
                     CLR_ENOTFOUND);
    clr_ruleset_unref(rs);
}

static void cell_swaps(void **state)
{
    (void)state;
    clr_registry *r1, *r2, *cached = NULL;
    uint64_t gen = 0;
    clr_registry_cell *c;
    assert_int_equal(clr_registry_load(&r1, store, NULL), 0);
    assert_int_equal(clr_registry_cell_new(&c, r1), 0);
    assert_ptr_equal(clr_registry_cell_current(c, &cached, &gen), r1);
    assert_ptr_equal(clr_registry_cell_current(c, &cached, &gen), r1);
    clr_user u = user("carol", "", "", "", "");
    assert_int_equal(clr_registry_user_put(store, &u, 1, NULL, NULL), 0);
    assert_int_equal(clr_registry_load(&r2, store, NULL), 0);
    clr_registry_cell_swap(c, r2);
    const clr_registry *now = clr_registry_cell_current(c, &cached, &gen);
    assert_ptr_equal(now, r2);
    assert_int_equal(clr_registry_user_count(now), 1);
    clr_registry_unref(cached);
    clr_registry_unref(r1);
    clr_registry_unref(r2);
    clr_registry_cell_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(crud_and_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(fill_and_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(api_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(screening_on_registration, setup, teardown),
        cmocka_unit_test_setup_teardown(rescreen_reports_new_and_cleared, setup, teardown),
        cmocka_unit_test_setup_teardown(adjudication_suppresses, setup, teardown),
        cmocka_unit_test_setup_teardown(cell_swaps, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
