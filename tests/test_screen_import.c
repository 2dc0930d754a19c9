/* List importers: the real shipped files, the fixtures of the shared data,
 * and broken rows written here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "clearance.h"
#include "clearance_screen.h"

static clr_list_report rep;

static const clr_list_stats *stats(const clr_list_report *r, const char *id)
{
    for (size_t i = 0; i < r->nlists; i++)
        if (!strcmp(r->lists[i].list, id))
            return &r->lists[i];
    return NULL;
}

static int has_problem(const clr_list_report *r, const char *file_part, size_t row,
                       const char *msg_part)
{
    for (size_t i = 0; i < r->nproblems; i++)
        if (strstr(r->problems[i].file, file_part) && r->problems[i].row == row &&
            strstr(r->problems[i].message, msg_part))
            return 1;
    return 0;
}

static void write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    fclose(f);
}

static int top_is(const clr_lists *l, const char *name, const char *list, const char *id)
{
    clr_screen_query q = CLR_SCREEN_QUERY_INIT;
    clr_match m[3];
    size_t n = 0;
    q.name = name;
    if (clr_screen_run(l, &q, m, 3, &n) || n == 0)
        return 0;
    return !strcmp(m[0].list, list) && !strcmp(m[0].id, id);
}

static void test_defaults(void **state)
{
    (void)state;
    clr_lists *l = NULL;
    assert_int_equal(clr_lists_load_defaults(&l, CLR_SOURCE_DIR "/data", &rep), 0);
    const clr_list_stats *sdn = stats(&rep, "sdn");
    assert_non_null(sdn);
    /* 14,965 SDN rows in the 2024 file, plus CSL SDN rows for entries it lacks */
    assert_true(sdn->entities >= 14965);
    assert_true(sdn->aliases > 15000);
    const clr_list_stats *el = stats(&rep, "entity-list");
    assert_non_null(el);
    assert_int_equal(el->entities, 919);
    const clr_list_stats *un = stats(&rep, "un");
    assert_non_null(un);
    assert_int_equal(un->entities, 730 + 273);
    const clr_list_stats *dpl = stats(&rep, "dpl");
    assert_non_null(dpl);
    assert_true(dpl->entities >= 577 + 500); /* the CSL's DPL rows and dpl.txt */
    /* the CSL snapshot's last record is cut off mid-field */
    assert_true(has_problem(&rep, "csl.csv", 4233, "unterminated"));
    assert_true(top_is(l, "BANCO NACIONAL DE CUBA", "sdn", "306"));
    assert_true(top_is(l, "NATIONAL BANK OF CUBA", "sdn", "306")); /* alias from alt.csv */
    assert_true(top_is(l, "FRANK KAKORERE BWAMBALE", "un", "CDi.002"));
    assert_true(clr_lists_entity_count(l) > 18000);
    clr_lists_unref(l);
}

static void test_fixtures(void **state)
{
    (void)state;
    clr_lists *l = NULL;
    const char *p[] = {CLR_SHARED_DATA "/csl/csl_sample_13rows.csv",
                       CLR_SHARED_DATA "/ofac/sdn_2021-07/sdn.csv"};
    assert_int_equal(clr_lists_load(&l, p, 2, &rep), 0);
    assert_int_equal(rep.nfiles, 2);
    const clr_list_stats *sdn = stats(&rep, "sdn");
    assert_non_null(sdn);
    assert_true(sdn->entities >= 8976);
    assert_true(sdn->aliases >= 11000); /* the sibling alt.csv */
    assert_non_null(stats(&rep, "entity-list"));
    assert_non_null(stats(&rep, "meu"));
    assert_non_null(stats(&rep, "itar-debarred"));
    assert_int_equal(rep.rows_skipped, 0);
    clr_lists_unref(l);
}

static void test_broken_rows(void **state)
{
    (void)state;
    char dir[] = "/tmp/clr_screen_testXXXXXX";
    assert_non_null(mkdtemp(dir));
    char sdn[256], alt[256], csl[256], dpl[256], un[256], junk[256];
    snprintf(sdn, sizeof sdn, "%s/sdn.csv", dir);
    snprintf(alt, sizeof alt, "%s/alt.csv", dir);
    snprintf(csl, sizeof csl, "%s/csl.csv", dir);
    snprintf(dpl, sizeof dpl, "%s/dpl.txt", dir);
    snprintf(un, sizeof un, "%s/un.xml", dir);
    snprintf(junk, sizeof junk, "%s/junk.bin", dir);
    const char sdn_text[] =
        "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
        "x7,\"BAD NUMBER\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
        "38,\"TOO FEW\",-0- \r\n"
        "39,\"\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
        "40,\"ODD TYPE\",\"spaceship\",\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
        "41,\"PEREZ, Juan\",\"individual\",\"SDNT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
        "\"DOB 12 Mar 1961; POB Cali.\"\r\n\x1a";
    write_file(sdn, sdn_text, sizeof sdn_text - 1);
    const char alt_text[] = "36,12,\"aka\",\"AERO-CARIBBEAN\",-0- \r\n"
                            "oops\r\n"
                            "999,13,\"aka\",\"NOBODY\",-0- \r\n\x1a";
    write_file(alt, alt_text, sizeof alt_text - 1);
    const char csl_text[] =
        "_id,source,entity_number,type,programs,name,alt_names\n"
        "a1,Entity List (EL) - Bureau of Industry and Security,,,,\"Acme Trading Co., Ltd.\","
        "\"Acme Trade; ACME HK\"\n"
        "a2,Entity List (EL) - Bureau of Industry and Security,,,,\n"
        "a3,Entity List (EL) - Bureau of Industry and Security,,,,,,,\n"
        "a4,Military End User (MEU) List - Bureau of Industry and Security,,,,Rocket Works,\n"
        "a5,Some New List (SNL) - Somewhere,,,,Novel Entity,\n"
        "a6,Entity List (EL) - Bureau of Industry and Security,,,,\"Unclosed, quote\n";
    write_file(csl, csl_text, sizeof csl_text - 1);
    const char dpl_text[] =
        "\"Name\"\t\"Street_Address\"\t\"City\"\t\"State\"\t\"Country\"\t\"Postal_Code\"\t"
        "\"Effective_Date\"\t\"Expiration_Date\"\t\"Standard_Order\"\t\"Last_Update\"\t\"Action\"\t"
        "\"FR_Citation\"\n"
        "\"JOHN DENIED\"\t\"1 MAIN "
        "ST\"\t\"X\"\t\"TX\"\t\"US\"\t\"1\"\t\"01/01/2020\"\t\"\"\t\"Y\"\t"
        "\"2020-01-01\"\t\"ADDED\"\t\"85 F.R. 1\"\n"
        "\"SHORT ROW\"\t\"1\"\n";
    write_file(dpl, dpl_text, sizeof dpl_text - 1);
    const char un_text[] =
        "<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n"
        "<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>ERIC</FIRST_NAME><SECOND_NAME>BADEGE"
        "</SECOND_NAME><REFERENCE_NUMBER>CDi.001</REFERENCE_NUMBER><INDIVIDUAL_ALIAS>"
        "<QUALITY>Good</QUALITY><ALIAS_NAME>ERIC B&amp;DEGE</ALIAS_NAME></INDIVIDUAL_ALIAS>"
        "</INDIVIDUAL>\n"
        "<INDIVIDUAL><DATAID>2</DATAID><REFERENCE_NUMBER>CDi.002</REFERENCE_NUMBER>"
        "</INDIVIDUAL>\n"
        "<INDIVIDUAL><DATAID>3</DATAID><FIRST_NAME>BROKEN</FIRST_NAME></WRONG>\n"
        "</INDIVIDUALS><ENTITIES><ENTITY><FIRST_NAME>SOME &#x41;RMY</FIRST_NAME>"
        "<REFERENCE_NUMBER>CDe.001</REFERENCE_NUMBER></ENTITY></ENTITIES>\n"
        "</CONSOLIDATED_LIST>\n";
    write_file(un, un_text, sizeof un_text - 1);
    write_file(junk, "\x01\x02 not a list", 13);

    clr_lists *l = NULL;
    const char *p[] = {dir};
    assert_int_equal(clr_lists_load(&l, p, 1, &rep), 0);
    assert_true(has_problem(&rep, "sdn.csv", 2, "not a number"));
    assert_true(has_problem(&rep, "sdn.csv", 3, "expected 12 fields"));
    assert_true(has_problem(&rep, "sdn.csv", 4, "no name"));
    assert_true(has_problem(&rep, "sdn.csv", 5, "unknown entry type"));
    assert_true(has_problem(&rep, "alt.csv", 2, "malformed alias"));
    assert_true(has_problem(&rep, "alt.csv", 0, "1 aliases"));
    assert_true(has_problem(&rep, "csl.csv", 3, "expected 7 fields"));
    assert_true(has_problem(&rep, "csl.csv", 4, "expected 7 fields"));
    assert_true(has_problem(&rep, "csl.csv", 7, "unterminated"));
    assert_true(has_problem(&rep, "dpl.txt", 3, "expected 12 fields"));
    assert_true(has_problem(&rep, "un.xml", 5, "no name"));
    assert_true(has_problem(&rep, "un.xml", 6, "mismatched"));
    const clr_list_stats *s = stats(&rep, "sdn");
    assert_non_null(s);
    assert_int_equal(s->entities, 2);
    assert_int_equal(s->aliases, 1);
    s = stats(&rep, "entity-list");
    assert_non_null(s);
    assert_int_equal(s->entities, 1);
    assert_int_equal(s->aliases, 2);
    assert_non_null(stats(&rep, "meu"));
    assert_non_null(stats(&rep, "snl"));
    s = stats(&rep, "un");
    assert_non_null(s);
    assert_int_equal(s->entities, 2);
    assert_true(top_is(l, "AERO CARIBBEAN", "sdn", "36"));
    assert_true(top_is(l, "Juan Perez", "sdn", "41"));
    assert_true(top_is(l, "ACME HK", "entity-list", "a1"));
    assert_true(top_is(l, "Some Army", "un", "CDe.001"));
    assert_true(top_is(l, "Eric B&dege", "un", "CDi.001"));
    clr_lists_unref(l);

    /* a named file in no known format is an error; so is a missing path */
    const char *pj[] = {junk};
    assert_int_equal(clr_lists_load(&l, pj, 1, &rep), CLR_ELIST);
    assert_null(l);
    assert_true(has_problem(&rep, "junk.bin", 0, "not a list"));
    const char *pm[] = {"/nonexistent/clr/lists"};
    assert_int_equal(clr_lists_load(&l, pm, 1, &rep), CLR_EIO);
    assert_int_equal(clr_lists_load(&l, NULL, 1, NULL), CLR_EINVAL);

    const char *files[] = {sdn, alt, csl, dpl, un, junk};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(files[i]);
    rmdir(dir);
}

static void test_thresholds(void **state)
{
    (void)state;
    clr_lists *l = NULL;
    const char *p[] = {CLR_SHARED_DATA "/csl/csl_sample_13rows.csv"};
    assert_int_equal(clr_lists_load(&l, p, 1, NULL), 0);
    double h, r;
    assert_int_equal(clr_lists_get_thresholds(l, "entity-list", &h, &r), 0);
    assert_true(h == CLR_SCREEN_HIT_DEFAULT && r == CLR_SCREEN_REVIEW_DEFAULT);
    assert_int_equal(clr_lists_set_thresholds(l, "entity-list", 0.9, 0.8), 0);
    assert_int_equal(clr_lists_get_thresholds(l, "entity-list", &h, &r), 0);
    assert_true(h == 0.9 && r == 0.8);
    assert_int_equal(clr_lists_set_thresholds(l, "nope", 0.9, 0.8), CLR_ENOTFOUND);
    assert_int_equal(clr_lists_set_thresholds(l, NULL, 0.7, 0.8), CLR_EINVAL);
    clr_screen_query q = CLR_SCREEN_QUERY_INIT;
    const char *only[] = {"nope"};
    clr_match m[2];
    size_t n;
    q.name = "x";
    q.lists = only;
    q.nlists = 1;
    assert_int_equal(clr_screen_run(l, &q, m, 2, &n), CLR_ENOTFOUND);
    q.lists = NULL;
    q.name = "";
    assert_int_equal(clr_screen_run(l, &q, m, 2, &n), CLR_EINVAL);
    clr_lists_ref(l);
    clr_lists_unref(l);
    clr_lists_unref(l);
    clr_screen_thread_cleanup();
}

/* Fuzzing found an OFAC file without one valid row reaching qsort(NULL, 0). */
static void test_no_valid_rows(void **state)
{
    (void)state;
    char dir[] = "/tmp/clr_screen_emptyXXXXXX";
    assert_non_null(mkdtemp(dir));
    char sdn[256];
    snprintf(sdn, sizeof sdn, "%s/sdn.csv", dir);
    const char text[] = "1,2,3,4,5,6,7,8,9,10,11,12\nx,\"A\",-0-,1,2,3,4,5,6,7,8,9\n\x1a";
    write_file(sdn, text, sizeof text - 1);
    clr_lists *l = NULL;
    const char *p[] = {sdn};
    assert_int_equal(clr_lists_load(&l, p, 1, &rep), CLR_ELIST);
    assert_null(l);
    assert_int_equal(rep.rows_skipped, 2);
    unlink(sdn);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_broken_rows),   cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_no_valid_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
