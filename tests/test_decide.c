/* Deciding: the semantics of every construct, and the index checked against
 * evaluating every rule on random rulebooks and requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "clearance.h"
#include "decide.h"

static clr_ruleset *compile(const char *text)
{
    clr_diags *d;
    clr_ruleset *rs = NULL;
    assert_int_equal(clr_diags_new(&d), 0);
    int rc = clr_ruleset_compile(&rs, "t.rules", text, strlen(text), NULL, d);
    if (rc) {
        clr_diags_print(d, stderr);
        fail_msg("compile failed: %s", clr_strerror(rc));
    }
    clr_diags_free(d);
    return rs;
}

static clr_request request(const char *json)
{
    clr_request r;
    clr_request_error err;
    if (clr_request_parse(&r, json, strlen(json), 1781222400, &err))
        fail_msg("bad request %s: %s %s", json, err.path, err.message);
    return r;
}

static int fired(const clr_decision *d, const char *rule)
{
    for (size_t i = 0; i < d->nreasons; i++)
        if (strcmp(d->reasons[i].rule, rule) == 0)
            return 1;
    return 0;
}

static const char BASE[] =
    "vocabulary use { research, military }\n"
    "vocabulary integration { api, weights }\n"
    "model m1 { provider org:p origin US training_ops 2e26 open_weights false tags [big] }\n"
    "model m2 { provider org:q origin FR training_ops 1e24 open_weights true }\n"
    "class huge when model.training_ops >= 1e26 and not model.open_weights\n"
    "group G { DE, FR from 2026-01-01, IT until 2026-01-01 }\n"
    "group partners { org:a, org:b }\n";

static void test_precedence_and_obligations(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text,
             "%s"
             "rulebook r1 { }\n"
             "rule rv { effect review when use == research }\n"
             "rule ob { effect obligation when true citation \"c\" }\n"
             "rule lr { effect license_required when destination == DE }\n",
             BASE);
    clr_ruleset *rs = compile(text);
    clr_decision d;
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"US\"},"
                            "\"use\":\"research\",\"integration\":\"api\"}");
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    assert_int_equal(d.outcome, CLR_REVIEW);
    assert_int_equal(d.nobligations, 1);
    assert_string_equal(d.obligations[0].id, "ob");
    strcpy(q.destination, "DE");
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
    assert_true(fired(&d, "rv") && fired(&d, "lr"));
    assert_int_equal(d.nreasons, 2);
    assert_int_equal(d.rulebooks[0].outcome, CLR_LICENSE_REQUIRED);
    strcpy(q.use, "military");
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
    assert_int_equal(d.nreasons, 1);
    strcpy(q.destination, "JP");
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_ALLOW);
    assert_int_equal(d.nreasons, 0);
    assert_int_equal(d.nobligations, 1);
    clr_ruleset_unref(rs);
}

static void test_scopes_and_rulebooks(void **state)
{
    (void)state;
    char a[2048], b[1024];
    snprintf(a, sizeof a,
             "%s"
             "rulebook us { scope model.origin == US }\n"
             "rule d { effect deny when use == military }\n",
             BASE);
    snprintf(b, sizeof b,
             "rulebook fr { scope model.origin == FR }\n"
             "rule l { effect license_required when use == military }\n");
    /* two rulebooks in one set: one file each, loaded as a folder */
    char dir[] = "/tmp/clr-test-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char pa[256], pb[256];
    snprintf(pa, sizeof pa, "%s/a.rules", dir);
    snprintf(pb, sizeof pb, "%s/b.rules", dir);
    FILE *f = fopen(pa, "w");
    fputs(a, f);
    fclose(f);
    f = fopen(pb, "w");
    fputs(b, f);
    fclose(f);
    clr_ruleset *rs;
    const char *paths[] = {dir};
    assert_int_equal(clr_ruleset_load(&rs, paths, 1, NULL), 0);
    assert_int_equal(clr_ruleset_rulebook_count(rs), 2);
    clr_decision d;
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"US\"},"
                            "\"use\":\"military\",\"integration\":\"api\"}");
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_int_equal(d.nrulebooks, 2);
    assert_true(d.rulebooks[0].applicable);
    assert_false(d.rulebooks[1].applicable);
    strcpy(q.model, "m2");
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
    assert_false(d.rulebooks[0].applicable);
    assert_true(d.rulebooks[1].applicable);
    char json[4096];
    clr_decision_to_json(&d, json, sizeof json);
    assert_non_null(strstr(json, "\"rulebooks\":{\"us\":\"not_applicable\",\"fr\":"
                                 "\"license_required\"}"));
    clr_ruleset_unref(rs);
    remove(pa);
    remove(pb);
    remove(dir);
}

static void test_windows_and_dated_groups(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text,
             "%s"
             "rulebook r { }\n"
             "rule w { effect deny when use == military from 2026-06-12 until "
             "2026-06-30T12:00:00Z }\n"
             "rule g { effect review when destination in G }\n",
             BASE);
    clr_ruleset *rs = compile(text);
    clr_decision d;
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"US\"},"
                            "\"use\":\"military\",\"integration\":\"api\"}");
    clr_time from = 1781222400, until = 1782820800; /* 06-12, 06-30T12 */
    q.time = from - 1;
    clr_decide(rs, &q, &d, NULL);
    assert_false(fired(&d, "w"));
    q.time = from;
    clr_decide(rs, &q, &d, NULL);
    assert_true(fired(&d, "w"));
    q.time = until - 1;
    clr_decide(rs, &q, &d, NULL);
    assert_true(fired(&d, "w"));
    q.time = until;
    clr_decide(rs, &q, &d, NULL);
    assert_false(fired(&d, "w"));
    /* FR joins G on 2026-01-01; IT leaves it then; DE always */
    clr_time jan1 = 1767225600;
    const struct {
        const char *dest;
        clr_time t;
        int member;
    } cases[] = {{"FR", jan1 - 1, 0}, {"FR", jan1, 1},     {"IT", jan1 - 1, 1}, {"IT", jan1, 0},
                 {"DE", jan1 - 1, 1}, {"DE", jan1 + 1, 1}, {"ES", jan1, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strcpy(q.destination, cases[i].dest);
        q.time = cases[i].t;
        clr_decide(rs, &q, &d, NULL);
        assert_int_equal(fired(&d, "g"), cases[i].member);
    }
    clr_ruleset_unref(rs);
}

static void test_exemptions(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text,
             "%s"
             "rulebook r { }\n"
             "rule letter { effect license_required when principal.nationality != US }\n"
             "rule other { effect review when use == military }\n"
             "exemption ex { exempts letter when model == m1 and (principal.org in partners or "
             "principal.org == model.provider) from 2026-06-26 citation \"annex\" }\n",
             BASE);
    clr_ruleset *rs = compile(text);
    clr_decision d;
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"org\":\"org:a\","
                            "\"nationality\":\"DE\",\"country\":\"DE\"},\"use\":\"military\","
                            "\"integration\":\"api\",\"time\":\"2026-06-25T23:59:59Z\"}");
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
    assert_int_equal(d.nexempted, 0);
    q.time += 1; /* 2026-06-26: the exemption takes effect */
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_REVIEW); /* "other" is not exempted */
    assert_false(fired(&d, "letter"));
    assert_int_equal(d.nexempted, 1);
    assert_string_equal(d.exempted[0].rule, "letter");
    assert_string_equal(d.exempted[0].exemption, "ex");
    assert_string_equal(d.exempted[0].citation, "annex");
    /* the provider's own staff */
    strcpy(q.principal.org, "org:p");
    clr_decide(rs, &q, &d, NULL);
    assert_false(fired(&d, "letter"));
    /* not for the other model */
    strcpy(q.model, "m2");
    clr_decide(rs, &q, &d, NULL);
    assert_true(fired(&d, "letter"));
    /* absent nationality counts as foreign: fail closed */
    strcpy(q.model, "m1");
    strcpy(q.principal.org, "org:zzz");
    q.principal.nationality[0] = '\0';
    clr_decide(rs, &q, &d, NULL);
    assert_true(fired(&d, "letter"));
    strcpy(q.principal.nationality, "US");
    clr_decide(rs, &q, &d, NULL);
    assert_false(fired(&d, "letter"));
    clr_ruleset_unref(rs);
}

static void test_models_classes_and_inline(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text,
             "%s"
             "rulebook r { scope model.origin == US }\n"
             "rule c { effect license_required when model.class has huge and integration == "
             "weights }\n"
             "rule t { effect review when model.tags has big }\n"
             "rule p { effect review when principal.org == model.provider }\n",
             BASE);
    clr_ruleset *rs = compile(text);
    clr_decision d;
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"IN\"},"
                            "\"use\":\"research\",\"integration\":\"weights\"}");
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
    assert_true(fired(&d, "t"));
    assert_int_equal(d.nclasses, 1);
    assert_string_equal(d.classes[0], "huge");
    /* a model the catalogue lacks, described inline; its provider is unknown to the rules */
    q = request("{\"model\":\"x9\",\"principal\":{\"id\":\"u\",\"org\":\"org:new\","
                "\"country\":\"IN\"},\"use\":\"research\",\"integration\":\"weights\","
                "\"model_attributes\":{\"origin\":\"US\",\"provider\":\"org:new\","
                "\"training_ops\":5e26,\"open_weights\":false,\"tags\":[\"big\",\"zzz\"]}}");
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_LICENSE_REQUIRED);
    assert_true(fired(&d, "c") && fired(&d, "t") && fired(&d, "p"));
    q.model_attributes.open_weights = 1;
    clr_decide(rs, &q, &d, NULL);
    assert_false(fired(&d, "c"));
    assert_int_equal(d.nclasses, 0);
    /* the catalogue wins over an inline description of the same id */
    q = request("{\"model\":\"m2\",\"principal\":{\"id\":\"u\",\"country\":\"IN\"},"
                "\"use\":\"research\",\"integration\":\"weights\",\"model_attributes\":"
                "{\"origin\":\"US\",\"training_ops\":5e26}}");
    clr_decide(rs, &q, &d, NULL);
    assert_false(d.rulebooks[0].applicable);
    /* classify */
    clr_model_attrs attrs = q.model_attributes;
    const char *names[4];
    attrs.open_weights = 0;
    assert_int_equal(clr_classify(rs, &attrs, names, 4), 1);
    assert_string_equal(names[0], "huge");
    attrs.training_ops = 1e25;
    assert_int_equal(clr_classify(rs, &attrs, names, 4), 0);
    clr_ruleset_unref(rs);
}

static void test_fail_closed(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text, "%srulebook r { }\nrule d { effect review when use == research }\n",
             BASE);
    clr_ruleset *rs = compile(text);
    clr_decision d;
    clr_request_error err;
    clr_request q = request("{\"model\":\"nope\",\"principal\":{\"id\":\"u\",\"country\":\"US\"},"
                            "\"use\":\"research\",\"integration\":\"api\"}");
    assert_int_equal(clr_decide(rs, &q, &d, &err), 0);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_string_equal(d.reasons[0].rule, "unknown-model");
    assert_string_equal(d.reasons[0].rulebook, "clearance");
    strcpy(q.model, "m1");
    strcpy(q.use, "gardening");
    assert_int_equal(clr_decide(rs, &q, &d, &err), CLR_EREQUEST);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_string_equal(d.reasons[0].rule, "invalid-request");
    assert_string_equal(err.path, "$.use");
    strcpy(q.use, "research");
    strcpy(q.integration, "pigeon");
    assert_int_equal(clr_decide(rs, &q, &d, &err), CLR_EREQUEST);
    assert_string_equal(err.path, "$.integration");
    assert_int_equal(clr_decide(NULL, &q, &d, &err), CLR_EINVAL);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_string_equal(d.reasons[0].rule, "no-rules");
    clr_ruleset_unref(rs);
}

static void test_screening_fails_closed(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text,
             "%srulebook r { }\n"
             "rule listed { effect deny when principal.org_name on { sdn, entity-list } }\n"
             "rule typo { effect deny when principal.name on no-such-list }\n",
             BASE);
    clr_ruleset *rs = compile(text);
    assert_true(clr_ruleset_uses_screening(rs));
    clr_decision d;
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"US\","
                            "\"org_name\":\"Banco Nacional de Cuba\"},\"use\":\"research\","
                            "\"integration\":\"api\"}");
    /* rules that screen, and no lists: deny */
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_string_equal(d.reasons[d.nreasons - 1].rule, "screening-unavailable");
    /* no name to screen: nothing to fail */
    q.principal.org_name[0] = '\0';
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_ALLOW);
    clr_lists *lists = NULL;
    assert_int_equal(clr_lists_load_defaults(&lists, CLR_SOURCE_DIR "/data", NULL), 0);
    strcpy(q.principal.org_name, "Banco Nacional de Cuba");
    clr_decide_screened(rs, lists, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_string_equal(d.reasons[0].rule, "listed");
    assert_string_equal(d.reasons[0].match.list, "sdn");
    assert_string_equal(d.reasons[0].match.id, "306");
    assert_false(d.reasons[0].match.possible);
    /* a list the rules name but the lists lack: deny, not a silent allow */
    strcpy(q.principal.name, "Jane Example");
    clr_decide_screened(rs, lists, &q, &d, NULL);
    assert_string_equal(d.reasons[d.nreasons - 1].rule, "screening-unavailable");
    clr_lists_unref(lists);
    clr_ruleset_unref(rs);
}

static void test_many_reasons_are_counted(void **state)
{
    (void)state;
    size_t cap = 1 << 16;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t n = (size_t)snprintf(text, cap, "%srulebook r { }\n", BASE);
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(text + n, cap - n, "rule r%d { effect review }\n", i);
    clr_ruleset *rs = compile(text);
    free(text);
    clr_decision d;
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"US\"},"
                            "\"use\":\"research\",\"integration\":\"api\"}");
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_REVIEW);
    assert_int_equal(d.nreasons, CLR_MAX_REASONS);
    assert_int_equal(d.reasons_dropped, 40 - CLR_MAX_REASONS);
    char json[16384];
    clr_decision_to_json(&d, json, sizeof json);
    assert_non_null(strstr(json, "\"reasons_dropped\":8"));
    clr_ruleset_unref(rs);
}

/* More candidates pass the index than a decision gathers at once (64), and
 * more rules fire than it keeps (64): fixed entries with and without a
 * window, and general ones, all give the same reasons in declaration order. */
static void test_more_candidates_than_buffers(void **state)
{
    (void)state;
    size_t cap = 1 << 16;
    char *text = malloc(cap);
    assert_non_null(text);
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"US\"},"
                            "\"destination\":\"DE\",\"use\":\"research\","
                            "\"integration\":\"api\"}");
    clr_decision d;
    /* 100 candidates that pass the index and do not fire (what the index
       cannot check, the slot's rest, fails), with 10 that fire after the
       first 60 of them (5 with a window) and 5 more (general entries) */
    size_t n = (size_t)snprintf(text, cap, "%srulebook r { }\n", BASE);
    for (int i = 0; i < 115; i++) {
        int f = i - 60;
        if (f >= 0 && f < 10)
            n += (size_t)snprintf(text + n, cap - n,
                                  "rule f%03d { effect review when destination == DE%s }\n", f,
                                  f % 2 ? " from 2020-01-01" : "");
        else if (f >= 10 && f < 15)
            n += (size_t)snprintf(text + n, cap - n,
                                  "rule f%03d { effect review when destination == DE and "
                                  "(use == research or integration == weights) }\n",
                                  f);
        else
            n += (size_t)snprintf(text + n, cap - n,
                                  "rule q%03d { effect deny when destination == DE and "
                                  "principal.country != US }\n",
                                  i);
    }
    clr_ruleset *rs = compile(text);
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_REVIEW);
    assert_int_equal(d.nreasons, 15);
    for (int i = 0; i < 15; i++) {
        char id[8];
        snprintf(id, sizeof id, "f%03d", i);
        assert_string_equal(d.reasons[i].rule, id);
    }
    clr_ruleset_unref(rs);

    /* 150 rules that fire, a third with a window, a third general, between
       rules that do not */
    n = (size_t)snprintf(text, cap, "%srulebook r { }\n", BASE);
    for (int i = 0; i < 150; i++)
        n += (size_t)snprintf(text + n, cap - n,
                              "rule f%03d { effect review when destination == DE%s%s }\n"
                              "rule n%03d { effect deny when destination == FR }\n",
                              i,
                              i % 3 == 2 ? " and (use == research or integration == weights)" : "",
                              i % 3 == 1 ? " from 2020-01-01" : "", i);
    rs = compile(text);
    free(text);
    clr_decide(rs, &q, &d, NULL);
    assert_int_equal(d.outcome, CLR_REVIEW);
    assert_int_equal(d.nreasons, CLR_MAX_REASONS);
    assert_int_equal(d.reasons_dropped, 150 - CLR_MAX_REASONS);
    for (int i = 0; i < CLR_MAX_REASONS; i++) {
        char id[8];
        snprintf(id, sizeof id, "f%03d", i);
        assert_string_equal(d.reasons[i].rule, id);
    }
    clr_ruleset_unref(rs);
}

static void test_rulebook_without_rules(void **state)
{
    (void)state;
    /* found by fuzzing: the index of an empty set has no rule to look at */
    clr_ruleset *rs = compile("model m1 { origin US }\nrulebook empty { title \"no rules\" }\n");
    clr_decision d;
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"US\"},"
                            "\"use\":\"research\",\"integration\":\"api\"}");
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    assert_int_equal(d.outcome, CLR_ALLOW);
    assert_int_equal(d.nreasons, 0);
    assert_int_equal(d.nrulebooks, 1);
    clr_ruleset_unref(rs);
}

static void test_decision_ids_are_unique_uuidv7(void **state)
{
    (void)state;
    char a[37], b[37];
    clr__decision_id(a);
    clr__decision_id(b);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[14], '7');
    assert_true(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
    assert_string_not_equal(a, b);
    /* every digit lower-case hex, the dashes in place, the first 48 bits the
       time in ms */
    for (int k = 0; k < 1000; k++) {
        clr__decision_id(a);
        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                assert_int_equal(a[i], '-');
            else
                assert_non_null(strchr("0123456789abcdef", a[i]));
        }
        assert_int_equal(a[14], '7');
        assert_true(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
        char ms_hex[13];
        memcpy(ms_hex, a, 8);
        memcpy(ms_hex + 8, a + 9, 4);
        ms_hex[12] = '\0';
        long long ms = strtoll(ms_hex, NULL, 16), now = (long long)time(NULL) * 1000;
        assert_true(ms > now - 60000 && ms < now + 60000);
        assert_string_not_equal(a, b);
        memcpy(b, a, sizeof b);
    }
}

/* A request field's name is found by its words, up to the one holding its
 * NUL, whatever the bytes after the NUL: names of every length, those of 24
 * bytes or more through the slow path, and names one byte shorter or longer
 * than an interned one, which are not. */
static void test_field_lookup_every_length(void **state)
{
    (void)state;
    char text[12000];
    size_t n = (size_t)snprintf(text, sizeof text, "rulebook rb { }\ngroup G { ");
    for (int k = 2; k < CLR_ID_MAX; k += 2) /* even lengths only */
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%.*s", k > 2 ? ", " : "", k,
                              "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmn"
                              "opqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz");
    snprintf(text + n, sizeof text - n, " }\nrule r { effect deny when principal.org in G }\n");
    clr_ruleset *rs = compile(text);
    static const char abc[] = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmn"
                              "opqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz";
    for (int k = 0; k < CLR_ID_MAX; k++) {
        char field[CLR_ID_MAX];
        memset(field, k % 3 ? 'Z' : 0xFF, sizeof field); /* bytes after the NUL */
        memcpy(field, abc, (size_t)k);
        field[k] = '\0';
        const clr__sym_slot *e = clr__sym_lookup_field(rs, field, sizeof field);
        clr__sym want = k ? clr__sym_lookup(rs, abc, (size_t)k) : 0;
        assert_int_equal(e ? e->sym : 0, want);
        assert_int_equal(want != 0, k >= 2 && k % 2 == 0);
    }
    clr_ruleset_unref(rs);
}

/* With more rows in a dimension of countries than the countries' table holds
 * (255), rows are read from the dimension's own table: the same decisions. */
static void test_many_country_rows(void **state)
{
    (void)state;
    char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "%sgroup W { ", BASE);
    for (int i = 0; i < 300; i++) /* AA, AB, ... LN: DE and FR among them, not US */
        n += (size_t)snprintf(text + n, sizeof text - n, "%s%c%c", i ? ", " : "", 'A' + i / 26,
                              'A' + i % 26);
    snprintf(text + n, sizeof text - n,
             " }\nrulebook r1 { }\n"
             "rule wide { effect deny when destination in W and use == military }\n"
             "rule fr { effect review when destination == FR }\n");
    clr_ruleset *rs = compile(text);
    assert_null(rs->country); /* the rows do not fit: the fallback is what is tested */
    clr_decision d;
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"DE\"},"
                            "\"use\":\"military\",\"integration\":\"api\"}");
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_true(fired(&d, "wide"));
    q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"FR\"},"
                "\"use\":\"research\",\"integration\":\"api\"}");
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    assert_int_equal(d.outcome, CLR_REVIEW);
    assert_true(fired(&d, "fr") && !fired(&d, "wide"));
    q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"US\"},"
                "\"use\":\"military\",\"integration\":\"api\"}");
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    assert_int_equal(d.outcome, CLR_ALLOW);
    clr_ruleset_unref(rs);
    /* with few rows, the table is there */
    snprintf(text, sizeof text,
             "%srulebook r1 { }\nrule fr { effect review when destination == FR }\n", BASE);
    rs = compile(text);
    assert_non_null(rs->country);
    clr_ruleset_unref(rs);
}

/* A value some rules require of two dimensions has no single row in its
 * look-up slot: its rows are read from the dimensions' tables. */
static void test_value_in_two_dimensions(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text,
             "%srulebook r1 { }\n"
             "rule by-org { effect review when principal.org == acme and use == military }\n"
             "rule by-app { effect deny when app == acme and use == military }\n",
             BASE);
    clr_ruleset *rs = compile(text);
    clr_decision d;
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"org\":\"acme\","
                            "\"country\":\"DE\"},\"use\":\"military\",\"integration\":\"api\"}");
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    assert_true(fired(&d, "by-org") && !fired(&d, "by-app"));
    q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"DE\"},"
                "\"app\":\"acme\",\"use\":\"military\",\"integration\":\"api\"}");
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    assert_true(fired(&d, "by-app") && !fired(&d, "by-org"));
    q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"org\":\"acme\","
                "\"country\":\"DE\"},\"app\":\"acme\",\"use\":\"military\","
                "\"integration\":\"api\"}");
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    assert_true(fired(&d, "by-app") && fired(&d, "by-org"));
    clr_ruleset_unref(rs);
}

/* ---- the index against exhaustive evaluation ------------------------------- */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static const char *const COUNTRIES[] = {"US", "DE", "FR", "CN", "RU", "IR", "JP", "GB", "IN", "BR"};
static const char *const USES[] = {"u0", "u1", "u2", "u3"};
static const char *const INTS[] = {"i0", "i1", "i2"};
/* m4 is not in the catalogue: requests name it with model_attributes */
static const char *const MODELS[] = {"m0", "m1", "m2", "m3", "m4"};

/* The wide rounds draw from 160 country codes, in groups of 40 and literal
 * sets, and write more rules, most of them conjunctions: the index then has
 * dimensions of more than 64 values and rules anchored on pairs of them. */
static const char WIDE[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM";
static int wide;
static unsigned ncountries = 10;

/* A country code of the round's table, or one past it ("ZW") now and then. */
static const char *country(unsigned k)
{
    static char code[3];
    if (!wide)
        return COUNTRIES[k % 10];
    if (k >= ncountries)
        return "ZW";
    memcpy(code, WIDE + 3 * k, 2);
    code[2] = 0;
    return code;
}

/* Writes a random condition into buf (appending). */
static void gen_cond(char *buf, size_t cap, int depth)
{
    size_t n = strlen(buf);
    unsigned k = depth > 2 ? 3 + rnd(10) : rnd(13);
    if (wide && depth < 2 && rnd(2))
        k = 0; /* conjunctions, mostly */
    else if (wide && k == 12 && rnd(2))
        k = 13; /* literal country sets */
    const char *attrs[] = {"destination", "principal.nationality", "principal.country",
                           "principal.hq"};
    switch (k) {
    case 0:
    case 1:
        snprintf(buf + n, cap - n, "(");
        gen_cond(buf, cap, depth + 1);
        n = strlen(buf);
        snprintf(buf + n, cap - n, k == 0 ? " and " : " or ");
        gen_cond(buf, cap, depth + 1);
        n = strlen(buf);
        snprintf(buf + n, cap - n, ")");
        break;
    case 2:
        snprintf(buf + n, cap - n, "not ");
        gen_cond(buf, cap, depth + 1);
        break;
    case 3:
        snprintf(buf + n, cap - n, "%s %s %s", attrs[rnd(4)],
                 rnd(3) ? "==" : "!=", country(rnd(ncountries)));
        break;
    case 13: {
        snprintf(buf + n, cap - n, "%s %sin {", attrs[rnd(4)], rnd(4) ? "" : "not ");
        unsigned m = 1 + rnd(6);
        for (unsigned i = 0; i < m; i++) {
            n = strlen(buf);
            snprintf(buf + n, cap - n, "%s %s", i ? "," : "", country(rnd(ncountries)));
        }
        n = strlen(buf);
        snprintf(buf + n, cap - n, " }");
        break;
    }
    case 4:
        snprintf(buf + n, cap - n, "%s %sin G%u", attrs[rnd(4)], rnd(3) ? "" : "not ", rnd(3));
        break;
    case 5: snprintf(buf + n, cap - n, "use in { %s, %s }", USES[rnd(4)], USES[rnd(4)]); break;
    case 6: snprintf(buf + n, cap - n, "integration == %s", INTS[rnd(3)]); break;
    case 7:
        if (rnd(3))
            snprintf(buf + n, cap - n, "model %s %s", rnd(3) ? "==" : "!=", MODELS[rnd(5)]);
        else
            snprintf(buf + n, cap - n, "model %sin { %s, %s }", rnd(4) ? "" : "not ",
                     MODELS[rnd(5)], MODELS[rnd(5)]);
        break;
    case 8: snprintf(buf + n, cap - n, "principal.org in orgs%u", rnd(2)); break;
    case 9:
        snprintf(buf + n, cap - n, "model.training_ops %s %de25", rnd(2) ? ">=" : "<", 1 + rnd(9));
        break;
    case 10: snprintf(buf + n, cap - n, "%smodel.class has c0", rnd(2) ? "not " : ""); break;
    case 11: snprintf(buf + n, cap - n, "units > %u", rnd(2000)); break;
    case 12: snprintf(buf + n, cap - n, "model.origin == %s", COUNTRIES[rnd(4)]); break;
    default: break;
    }
}

static const char *random_rulebook(void)
{
    static char text[1 << 18];
    size_t n = 0;
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "vocabulary use { u0, u1, u2, u3 }\nvocabulary integration { i0, i1, "
                          "i2 }\n");
    for (int m = 0; m < 4; m++)
        n += (size_t)snprintf(text + n, sizeof text - n,
                              "model m%d { provider o%u origin %s training_ops %de25 open_weights "
                              "%s }\n",
                              m, rnd(5), COUNTRIES[rnd(4)], 1 + rnd(9), rnd(2) ? "true" : "false");
    n += (size_t)snprintf(text + n, sizeof text - n,
                          "class c0 when model.training_ops >= 5e25 and not model.open_weights\n");
    for (int g = 0; g < 3; g++) {
        n += (size_t)snprintf(text + n, sizeof text - n, "group G%d { ", g);
        for (int i = 0; i < (wide ? 40 : 4); i++) {
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", i ? ", " : "",
                                  country(rnd(ncountries)));
            if (rnd(3) == 0)
                n += (size_t)snprintf(text + n, sizeof text - n, " from 2026-0%u-01", 1 + rnd(9));
            if (rnd(3) == 0)
                n += (size_t)snprintf(text + n, sizeof text - n, " until 2026-0%u-15", 1 + rnd(9));
        }
        n += (size_t)snprintf(text + n, sizeof text - n, " }\n");
    }
    n +=
        (size_t)snprintf(text + n, sizeof text - n, "group orgs0 { o0, o1 }\ngroup orgs1 { o2 }\n");
    static const char *const effects[] = {"deny", "license_required", "review", "obligation"};
    {
        n += (size_t)snprintf(text + n, sizeof text - n, "rulebook rb { scope ");
        char sc[512] = "";
        if (rnd(2))
            gen_cond(sc, sizeof sc, 2);
        else
            strcpy(sc, "true");
        n += (size_t)snprintf(text + n, sizeof text - n, "%s }\n", sc);
        int nrules = wide ? 150 + (int)rnd(150) : 20 + (int)rnd(60);
        for (int r = 0; r < nrules; r++) {
            char c[2048] = "";
            gen_cond(c, sizeof c, 0);
            n += (size_t)snprintf(text + n, sizeof text - n, "rule r%d { effect %s when %s", r,
                                  effects[rnd(4)], c);
            /* windows from midnight, or from within a day, which the
               index's check of days cannot tell from the whole day */
            if (rnd(4) == 0)
                n += (size_t)snprintf(text + n, sizeof text - n, " from 2026-0%u-10%s", 1 + rnd(9),
                                      rnd(2) ? "T06:30:00Z" : "");
            if (rnd(4) == 0)
                n += (size_t)snprintf(text + n, sizeof text - n, " until 2026-0%u-20%s", 1 + rnd(9),
                                      rnd(2) ? "T18:00:00Z" : "");
            n += (size_t)snprintf(text + n, sizeof text - n, " }\n");
        }
        for (int e = 0; e < 4; e++) {
            char c[2048] = "";
            gen_cond(c, sizeof c, 1);
            n += (size_t)snprintf(text + n, sizeof text - n,
                                  "exemption e%d { exempts r%u, r%u when %s }\n", e,
                                  rnd((unsigned)nrules), rnd((unsigned)nrules), c);
        }
    }
    return text;
}

static clr_request random_request(void)
{
    clr_request q;
    memset(&q, 0, sizeof q);
    const char *models[] = {"m0", "m1", "m2", "m3", "inline-x", "unknown-y", "m4"};
    snprintf(q.model, sizeof q.model, "%s", models[rnd(7)]);
    snprintf(q.principal.id, sizeof q.principal.id, "u%u", rnd(3));
    const char *orgs[] = {"o0", "o1", "o2", "o3", "o4", "o-unknown", ""};
    snprintf(q.principal.org, sizeof q.principal.org, "%s", orgs[rnd(7)]);
    const char *cs[] = {"US", "DE", "FR", "CN", "RU", "IR", "JP", "GB", "IN", "BR", "ZA", ""};
    snprintf(q.principal.nationality, 3, "%s", wide ? country(rnd(ncountries + 1)) : cs[rnd(12)]);
    snprintf(q.principal.country, 3, "%s", wide ? country(rnd(ncountries + 1)) : cs[rnd(11)]);
    snprintf(q.principal.hq, 3, "%s",
             rnd(12) == 0 ? ""
             : wide       ? country(rnd(ncountries + 1))
                          : cs[rnd(11)]);
    snprintf(q.destination, 3, "%s", wide ? country(rnd(ncountries + 1)) : cs[rnd(11)]);
    snprintf(q.use, sizeof q.use, "%s", USES[rnd(4)]);
    snprintf(q.integration, sizeof q.integration, "%s", INTS[rnd(3)]);
    q.time = 1767225600 + (clr_time)rnd(300) * 86400 / 1; /* 2026 */
    if (rnd(2))
        q.time += (clr_time)rnd(86400); /* within the day */
    q.units = rnd(3000);
    q.model_attributes.training_ops = -1;
    q.model_attributes.open_weights = -1;
    if (strcmp(q.model, "inline-x") == 0 || strcmp(q.model, "m4") == 0) {
        q.model_attributes.present = 1;
        snprintf(q.model_attributes.origin, 3, "%s", cs[rnd(4)]);
        snprintf(q.model_attributes.provider, sizeof q.model_attributes.provider, "%s",
                 orgs[rnd(7)]);
        q.model_attributes.training_ops = rnd(4) ? (double)(1 + rnd(9)) * 1e25 : -1;
        q.model_attributes.open_weights = (int)rnd(3) - 1;
    }
    return q;
}

/* The decision by evaluating every rule, without the index. */
static void oracle(const clr_ruleset *rs, const clr_request *q, clr_outcome *outcome,
                   uint64_t *fired_bits, size_t nbits)
{
    clr__ctx ctx;
    clr__model mbuf;
    clr__sym tags[CLR_TAGS_MAX];
    memset(fired_bits, 0, nbits * sizeof(uint64_t));
    assert_int_equal(clr__resolve(rs, q, &ctx, &mbuf, tags, NULL), 0);
    if (!ctx.model) {
        *outcome = CLR_DENY;
        return;
    }
    *outcome = CLR_ALLOW;
    uint8_t exempt[1024] = {0};
    for (size_t s = 0; s < rs->nrules; s++) {
        const clr__rule *r = &rs->rules[s];
        const clr__rulebook *rb = &rs->rulebooks[r->rulebook];
        int live = (!rb->scope || clr__eval(&ctx, rb->scope)) && q->time >= r->from &&
                   q->time < r->until && clr__eval(&ctx, r->when);
        if (!live)
            continue;
        if (r->is_exemption) {
            for (size_t j = 0; j < r->nexempts; j++)
                exempt[r->exempts[j]] = 1;
            continue;
        }
        if (exempt[s])
            continue;
        fired_bits[s / 64] |= 1ULL << (s % 64);
        if (r->effect != CLR_EFFECT_OBLIGATION && (clr_outcome)r->effect > *outcome)
            *outcome = (clr_outcome)r->effect;
    }
}

/* rounds random rulebooks, requests random requests under each */
static void check_index(int rounds, int requests)
{
    size_t checked = 0, nonallow = 0;
    for (int round = 0; round < rounds; round++) {
        clr_diags *dg;
        clr_diags_new(&dg);
        clr_ruleset *rs = NULL;
        const char *text = random_rulebook();
        int rc = clr_ruleset_compile(&rs, "random.rules", text, strlen(text), NULL, dg);
        if (rc) {
            clr_diags_print(dg, stderr);
            fail_msg("random rulebook does not compile:\n%s", text);
        }
        clr_diags_free(dg);
        for (int i = 0; i < requests; i++) {
            clr_request q = random_request();
            clr_decision d;
            assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
            clr_outcome want;
            uint64_t bits[16];
            oracle(rs, &q, &want, bits, 16);
            if (d.outcome != want) {
                char json[8192];
                clr_request_to_json(&q, json, sizeof json);
                fail_msg("outcome %s, exhaustive %s for %s under\n%s", clr_outcome_name(d.outcome),
                         clr_outcome_name(want), json, text);
            }
            /* every reason and obligation is a rule the oracle fired, and the counts agree */
            size_t nfired = 0;
            for (size_t w = 0; w < 16; w++)
                nfired += (size_t)__builtin_popcountll(bits[w]);
            if (d.nreasons > 0 && strcmp(d.reasons[0].rulebook, "clearance") == 0)
                continue;
            if (d.nreasons + d.reasons_dropped + d.nobligations + d.obligations_dropped != nfired) {
                char json[8192], ids[4096] = "";
                clr_request_to_json(&q, json, sizeof json);
                for (size_t s = 0; s < rs->nrules; s++)
                    if ((bits[s / 64] >> (s % 64)) & 1) {
                        strcat(ids, rs->rules[s].id);
                        strcat(ids, " ");
                    }
                char got[4096] = "";
                clr_decision_to_json(&d, got, sizeof got);
                fprintf(stderr, "exhaustive fired %s\ndecided %s\nfor %s\nunder\n%s\n", ids, got,
                        json, text);
                fail_msg("the index and exhaustive evaluation disagree");
            }
            checked++;
            nonallow += d.outcome != CLR_ALLOW;
        }
        clr_ruleset_unref(rs);
    }
    /* the generator exercises both sides */
    assert_true(checked > (size_t)rounds * (size_t)requests / 10);
    assert_true(nonallow > checked / 10 && nonallow < checked - checked / 10);
}

static void test_index_matches_exhaustive_evaluation(void **state)
{
    (void)state;
    wide = 0;
    ncountries = 10;
    check_index(200, 500);
}

static void test_wide_index_matches_exhaustive_evaluation(void **state)
{
    (void)state;
    wide = 1;
    ncountries = 160;
    check_index(40, 250);
    wide = 0;
    ncountries = 10;
}

/* A usage condition with no usage figures fails closed, and explaining such
 * a decision (which has none either) must not follow a stray pointer: the
 * fuzzer found that once. */
static void test_usage_condition_without_figures(void **state)
{
    (void)state;
    clr_ruleset *rs = compile("vocabulary use { research }\nvocabulary integration { api }\n"
                              "model m1 { provider org:p origin US training_ops 1e20 "
                              "open_weights false }\n"
                              "rulebook t { title \"t\" jurisdiction US }\n"
                              "rule heavy { effect review when usage(org, model, 30d) > 10 }\n");
    clr_request q = request("{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"org\":\"o\","
                            "\"country\":\"DE\"},\"use\":\"research\",\"integration\":\"api\"}");
    clr_decision d;
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    assert_int_equal(d.outcome, CLR_DENY);
    assert_true(fired(&d, "usage-unavailable"));
    FILE *f = fopen("/dev/null", "w");
    assert_non_null(f);
    clr_decision_explain(rs, NULL, &q, &d, f);
    fclose(f);
    clr_ruleset_unref(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence_and_obligations),
        cmocka_unit_test(test_scopes_and_rulebooks),
        cmocka_unit_test(test_windows_and_dated_groups),
        cmocka_unit_test(test_exemptions),
        cmocka_unit_test(test_models_classes_and_inline),
        cmocka_unit_test(test_fail_closed),
        cmocka_unit_test(test_screening_fails_closed),
        cmocka_unit_test(test_many_reasons_are_counted),
        cmocka_unit_test(test_more_candidates_than_buffers),
        cmocka_unit_test(test_rulebook_without_rules),
        cmocka_unit_test(test_usage_condition_without_figures),
        cmocka_unit_test(test_decision_ids_are_unique_uuidv7),
        cmocka_unit_test(test_field_lookup_every_length),
        cmocka_unit_test(test_many_country_rows),
        cmocka_unit_test(test_value_in_two_dimensions),
        cmocka_unit_test(test_index_matches_exhaustive_evaluation),
        cmocka_unit_test(test_wide_index_matches_exhaustive_evaluation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
