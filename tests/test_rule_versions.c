/* Rulebook versions in a real SQLite store, and bundles: a set compiled again
 * from its own sources is the same set; the version in force at an instant is
 * the latest stored at or before it. */
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
#include "clearance_store.h"
#include "lib/test_store.h"

static char dir[64];
static char db[512];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/clr-versions-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return test_store_path(db, sizeof db, dir, "store.db");
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static clr_ruleset *compile_text(const char *text)
{
    clr_ruleset *rs = NULL;
    assert_int_equal(clr_ruleset_compile(&rs, "test.rules", text, strlen(text), NULL, NULL), 0);
    return rs;
}

static clr_outcome decide(const clr_ruleset *rs, const char *json)
{
    clr_request q;
    clr_decision d;
    assert_int_equal(clr_request_parse(&q, json, strlen(json), 0, NULL), 0);
    assert_int_equal(clr_decide(rs, &q, &d, NULL), 0);
    return d.outcome;
}

static void bundle_of_defaults_is_the_same_set(void **state)
{
    (void)state;
    clr_ruleset *rs, *again;
    assert_int_equal(clr_ruleset_load_defaults(&rs, NULL), 0);
    size_t n = clr_ruleset_source_count(rs);
    assert_true(n >= 5);
    clr_rule_file files[32];
    for (size_t i = 0; i < n; i++)
        assert_int_equal(clr_ruleset_source(rs, i, &files[i]), 0);
    assert_int_equal(clr_ruleset_source(rs, n, &files[0]), CLR_ENOTFOUND);
    /* in reverse order: includes resolve within the bundle, not by position */
    clr_rule_file rev[32];
    for (size_t i = 0; i < n; i++)
        rev[i] = files[n - 1 - i];
    assert_int_equal(clr_ruleset_compile_bundle(&again, files, n, NULL), 0);
    assert_string_equal(clr_ruleset_version(again), clr_ruleset_version(rs));
    clr_ruleset_unref(again);
    assert_int_equal(clr_ruleset_compile_bundle(&again, rev, n, NULL), 0);
    assert_int_equal(clr_ruleset_rule_count(again), clr_ruleset_rule_count(rs));
    clr_ruleset_unref(again);
    /* an include the bundle lacks is an error, never a read of the file system */
    clr_diags *diags;
    assert_int_equal(clr_diags_new(&diags), 0);
    for (size_t i = 0; i < n; i++)
        if (strstr(files[i].name, "common.rules"))
            files[i].name = "<embedded>/elsewhere.rules";
    assert_int_equal(clr_ruleset_compile_bundle(&again, files, n, diags), CLR_ERULEBOOK);
    assert_null(again);
    clr_diags_free(diags);
    clr_ruleset_unref(rs);
}

static const char V1[] =
    "vocabulary use { research }\nvocabulary integration { api }\n"
    "model m1 { provider org:p origin US training_ops 1e20 open_weights false }\n"
    "rulebook t { title \"t\" jurisdiction US }\n";
static const char REQ[] = "{\"model\":\"m1\",\"principal\":{\"id\":\"u\",\"country\":\"DE\"},"
                          "\"use\":\"research\",\"integration\":\"api\"}";

static void versions_in_force_at_an_instant(void **state)
{
    (void)state;
    clr_store *s;
    char err[256];
    assert_int_equal(clr_store_open(&s, db, NULL, err, sizeof err), 0);
    clr_ruleset *none = NULL;
    assert_int_equal(clr_rules_version_load(&none, NULL, s, 2000000000, 0, NULL), CLR_ENOTFOUND);

    char v2text[1024];
    snprintf(v2text, sizeof v2text, "%srule stop { effect deny when model == m1 }\n", V1);
    clr_ruleset *v1 = compile_text(V1), *v2 = compile_text(v2text);
    clr_rules_version info;
    assert_int_equal(clr_rules_version_store(&info, s, v1, "ana", "first", 1000), 0);
    assert_int_equal(info.version, 1);
    /* the same set again: nothing new */
    assert_int_equal(clr_rules_version_store(&info, s, v1, "bo", "again", 1500), 0);
    assert_int_equal(info.version, 1);
    assert_string_equal(info.created_by, "ana");
    assert_int_equal(clr_rules_version_store(&info, s, v2, "bo", "the letter", 2000), 0);
    assert_int_equal(info.version, 2);
    /* a version may not start before the latest one */
    assert_int_equal(clr_rules_version_store(&info, s, v1, "cy", "back", 1999), CLR_EINVAL);

    clr_ruleset *at;
    /* before the history: its first record */
    assert_int_equal(clr_rules_version_load(&at, &info, s, 999, 0, NULL), 0);
    assert_int_equal(info.version, 1);
    assert_int_equal(info.until, 2000);
    clr_ruleset_unref(at);
    assert_int_equal(clr_rules_version_load(&at, &info, s, 1999, 0, NULL), 0);
    assert_int_equal(info.version, 1);
    assert_int_equal(clr_rules_version_latest(&info, s), 0);
    assert_int_equal(info.version, 2);
    assert_string_equal(clr_ruleset_version(at), clr_ruleset_version(v1));
    assert_int_equal(decide(at, REQ), CLR_ALLOW);
    clr_ruleset_unref(at);
    assert_int_equal(clr_rules_version_load(&at, &info, s, 2000, 0, NULL), 0);
    assert_int_equal(info.version, 2);
    assert_int_equal(info.until, CLR_TIME_MAX);
    assert_string_equal(info.reason, "the letter");
    assert_int_equal(info.nfiles, 0); /* load does not count files; list does */
    assert_int_equal(decide(at, REQ), CLR_DENY);
    clr_ruleset_unref(at);
    assert_int_equal(clr_rules_version_load(&at, &info, s, 0, 1, NULL), 0);
    assert_int_equal(decide(at, REQ), CLR_ALLOW);
    clr_ruleset_unref(at);
    assert_int_equal(clr_rules_version_load(&at, NULL, s, 0, 7, NULL), CLR_ENOTFOUND);
    clr_ruleset_unref(v1);
    clr_ruleset_unref(v2);
    clr_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundle_of_defaults_is_the_same_set),
        cmocka_unit_test_setup_teardown(versions_in_force_at_an_instant, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
