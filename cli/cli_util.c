/* Helpers shared by the CLI's subcommands. */
#include "cli_util.h"
#include "commands.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *cli_read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "clearance: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || err) {
        fprintf(stderr, "clearance: cannot read %s: %s\n", path,
                buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int cli_load_rules(const char *const *paths, size_t npaths, int show_warnings, clr_ruleset **out)
{
    clr_diags *diags = NULL;
    if (clr_diags_new(&diags)) {
        fprintf(stderr, "clearance: out of memory\n");
        return CLR_EXIT_BADRULES;
    }
    int rc = npaths ? clr_ruleset_load(out, paths, npaths, diags)
                    : clr_ruleset_load_defaults(out, diags);
    if (rc || show_warnings)
        clr_diags_print(diags, stderr);
    clr_diags_free(diags);
    if (rc == CLR_EIO)
        return CLR_EXIT_BADINPUT;
    if (rc) {
        fprintf(stderr, "clearance: %s\n", clr_strerror(rc));
        return CLR_EXIT_BADRULES;
    }
    return 0;
}

int cli_load_lists(const char *const *paths, size_t npaths, clr_lists **out)
{
    clr_list_report *report = calloc(1, sizeof(*report));
    if (!report) {
        fprintf(stderr, "clearance: out of memory\n");
        return CLR_EXIT_BADINPUT;
    }
    int rc = npaths ? clr_lists_load(out, paths, npaths, report)
                    : clr_lists_load_defaults(out, NULL, report);
    /* the shipped lists have known flaws (a truncated last row); name the
       first, count the rest, and leave the full report to `clearance screen` */
    if (report->nproblems)
        fprintf(stderr, "clearance: lists: %s:%zu: %s%s\n", report->problems[0].file,
                report->problems[0].row, report->problems[0].message,
                report->nproblems + report->problems_dropped > 1
                    ? " (and more; see clearance screen)"
                    : "");
    free(report);
    if (rc) {
        fprintf(stderr, "clearance: cannot load the restricted-party lists: %s\n",
                clr_strerror(rc));
        *out = NULL;
        return CLR_EXIT_BADINPUT;
    }
    return 0;
}

int cli_each_line(char *text, size_t len, int (*fn)(void *arg, char *line, size_t len, size_t no),
                  void *arg)
{
    size_t no = 0;
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        no++;
        size_t l = (size_t)(e - p);
        if (l && p[l - 1] == '\r')
            l--;
        int blank = 1;
        for (size_t i = 0; i < l && blank; i++)
            blank = p[i] == ' ' || p[i] == '\t';
        if (!blank) {
            p[l] = '\0';
            int rc = fn(arg, p, l, no);
            if (rc)
                return rc;
        }
        p = nl ? nl + 1 : end;
    }
    return 0;
}

int cli_is_single_json(const char *text, size_t len)
{
    /* JSON Lines when the first non-blank line is a JSON value by itself; a
     * single object spread over several lines does not parse line by line. */
    const char *p = text, *end = text + len;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl)
        return 1;
    cJSON *first = cJSON_ParseWithLength(p, (size_t)(nl - p));
    cJSON_Delete(first);
    return first == NULL;
}

int cli_strv_push(cli_strv *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        const char **v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

void cli_strv_free(cli_strv *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Opens the store at db; prints why and returns non-zero when it cannot. A
 * read-only store must exist. */
int cli_open_store(clr_store **s, const char *db, int read_only)
{
    clr_store_options o = CLR_STORE_OPTIONS_INIT;
    char err[512];
    o.read_only = read_only;
    *s = NULL;
    if (!db || !*db) {
        fprintf(stderr, "clearance: no store: pass --store DB or set $CLEARANCE_DB\n");
        return CLR_EXIT_BADINPUT;
    }
    int url = strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0;
    if (read_only && !url && access(db, R_OK) != 0) {
        fprintf(stderr, "clearance: cannot open the store %s\n", db);
        return CLR_EXIT_BADINPUT;
    }
    if (clr_store_open(s, db, &o, err, sizeof err)) {
        fprintf(stderr, "clearance: %s\n", err);
        return CLR_EXIT_BADINPUT;
    }
    return 0;
}

int cli_parse_time(clr_time *t, const char *flag, const char *s)
{
    if (clr_time_parse(t, s, strlen(s)) == 0)
        return 0;
    fprintf(stderr, "clearance: %s '%s' is not an RFC 3339 time or a date\n", flag, s);
    return -1;
}
