/* clearance screen: screens names against restricted-party lists.
 *
 *   clearance screen [--lists PATH]... [--data-dir DIR] [--list ID]...
 *                    [--type person|org|vessel|aircraft] [--country CC]
 *                    [--birth-year YYYY] [--min-score X] [--limit N]
 *                    [--explain] NAME
 *   clearance screen [same options] --batch FILE
 *
 * Prints {"query": ..., "matches": [{"list", "id", "name", "matched_name",
 * "score", "status"}, ...]} per name, best first; without --lists the default
 * lists come from --data-dir, $CLR_DATA_DIR, ./data (the source tree) or the
 * directory compiled in (cmake/screen.cmake); --batch reads JSON Lines
 * ({"name": ..., "type": ..., "country": ...}) or one name per line and writes
 * one object per input line, in order, using every core. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clearance.h"
#include "clearance_screen.h"
#include "commands.h"

#define MAX_PATHS 32
#define MAX_LIST_IDS 32
#define MATCH_CAP 10

typedef struct opts {
    const char *paths[MAX_PATHS];
    size_t npaths;
    const char *list_ids[MAX_LIST_IDS];
    size_t nlist_ids;
    const char *data_dir;
    const char *batch;
    const char *name;
    clr_entity_type type;
    char country[3];
    int birth_year;
    double min_score;
    size_t limit;
    int explain;
} opts;

static void usage(FILE *f)
{
    fputs("usage: clearance screen [--lists PATH]... [--data-dir DIR] [--list ID]...\n"
          "                        [--type person|org|vessel|aircraft] [--country CC]\n"
          "                        [--birth-year YYYY] [--min-score X] [--limit N]\n"
          "                        [--explain] (NAME | --batch FILE)\n",
          f);
}

/* A growable output buffer. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 512;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_json(sbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            sb_put(b, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            sb_put(b, esc, 6);
        } else {
            sb_put(b, (const char *)p, 1);
        }
    }
    sb_put(b, "\"", 1);
}

static void sb_score(sbuf *b, double score)
{
    char num[32];
    snprintf(num, sizeof num, "%.3f", score);
    sb_str(b, num);
}

/* Screens one name and appends its JSON object (one line) to b. */
static void screen_json(sbuf *b, const clr_lists *l, const opts *o, const char *name,
                        clr_entity_type type, const char *country)
{
    clr_screen_query q = CLR_SCREEN_QUERY_INIT;
    clr_match m[MATCH_CAP];
    size_t n = 0;
    q.name = name;
    q.type = type;
    q.birth_year = o->birth_year;
    q.lists = o->nlist_ids ? o->list_ids : NULL;
    q.nlists = o->nlist_ids;
    q.min_score = o->min_score;
    if (country && strlen(country) == 2)
        memcpy(q.country, country, 3);
    int rc = clr_screen_run(l, &q, m, o->limit < MATCH_CAP ? o->limit : MATCH_CAP, &n);
    sb_str(b, "{\"query\": ");
    sb_json(b, name);
    if (rc) {
        sb_str(b, ", \"error\": ");
        sb_json(b, clr_strerror(rc));
        sb_str(b, "}\n");
        return;
    }
    sb_str(b, ", \"matches\": [");
    for (size_t i = 0; i < n; i++) {
        sb_str(b, i ? ", {\"list\": " : "{\"list\": ");
        sb_json(b, m[i].list);
        sb_str(b, ", \"id\": ");
        sb_json(b, m[i].id);
        sb_str(b, ", \"name\": ");
        sb_json(b, m[i].name);
        sb_str(b, ", \"matched_name\": ");
        sb_json(b, m[i].matched_name);
        sb_str(b, ", \"score\": ");
        sb_score(b, m[i].score);
        sb_str(b, ", \"status\": ");
        sb_json(b, clr_match_status_name(m[i].status));
        sb_str(b, "}");
    }
    sb_str(b, "]}\n");
}

static void explain(FILE *f, const clr_lists *l, const opts *o)
{
    clr_screen_query q = CLR_SCREEN_QUERY_INIT;
    clr_match m[MATCH_CAP];
    size_t n = 0;
    char norm[1024];
    q.name = o->name;
    q.type = o->type;
    q.birth_year = o->birth_year;
    q.lists = o->nlist_ids ? o->list_ids : NULL;
    q.nlists = o->nlist_ids;
    q.min_score = o->min_score;
    memcpy(q.country, o->country, 3);
    int rc = clr_screen_run(l, &q, m, o->limit < MATCH_CAP ? o->limit : MATCH_CAP, &n);
    if (rc) {
        fprintf(stderr, "clearance screen: %s\n", clr_strerror(rc));
        return;
    }
    int nt = clr_screen_normalize(norm, sizeof norm, o->name);
    fprintf(f, "query:      %s\nnormalised: %s (%d tokens)\n", o->name, nt >= 0 ? norm : "?", nt);
    const char *qtok[CLR_SCREEN_MAX_TOKENS];
    size_t nq = 0;
    for (char *s = norm; nt > 0 && *s && nq < CLR_SCREEN_MAX_TOKENS;) {
        qtok[nq++] = s;
        char *sp = strchr(s, ' ');
        if (!sp)
            break;
        *sp = 0;
        s = sp + 1;
    }
    if (n == 0) {
        fputs("no matches\n", f);
        return;
    }
    fprintf(f, "\n%-3s %-6s %-8s %-12s %-14s %-8s %s\n", "#", "score", "status", "list", "id",
            "type", "matched name (primary name)");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%-3zu %-6.3f %-8s %-12s %-14s %-8s %s", i + 1, m[i].score,
                clr_match_status_name(m[i].status), m[i].list, m[i].id,
                clr_entity_type_name(m[i].type), m[i].matched_name);
        if (m[i].alias)
            fprintf(f, " (alias of %s)", m[i].name);
        fputc('\n', f);
        fputs("    alignment:", f);
        for (size_t a = 0; a < m[i].nalign; a++) {
            const clr_match_align *al = &m[i].align[a];
            const char *qs = al->query >= 0 && (size_t)al->query < nq ? qtok[al->query] : "-";
            const char *es = al->entry_token ? al->entry_token : "-";
            if (al->kind == 'n')
                fprintf(f, " [- ~ %s: unmatched]", es);
            else if (al->kind == 'q')
                fprintf(f, " [%s ~ -: unmatched]", qs);
            else
                fprintf(f, " [%s ~ %s%s: %c %.2f]", qs, es, al->entry_span > 1 ? "+next" : "",
                        al->kind, al->score);
        }
        fputc('\n', f);
    }
}

/* ---- batch ---- */

typedef struct job {
    const clr_lists *l;
    const opts *o;
    char **lines;
    sbuf *outs;
    int *bad;
    size_t n, start, step;
} job;

static void batch_line(const job *j, size_t i)
{
    char *line = j->lines[i];
    sbuf *b = &j->outs[i];
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line != '{') {
        screen_json(b, j->l, j->o, line, j->o->type, j->o->country);
        return;
    }
    cJSON *doc = cJSON_Parse(line);
    const cJSON *name = doc ? cJSON_GetObjectItemCaseSensitive(doc, "name") : NULL;
    const cJSON *type = doc ? cJSON_GetObjectItemCaseSensitive(doc, "type") : NULL;
    const cJSON *country = doc ? cJSON_GetObjectItemCaseSensitive(doc, "country") : NULL;
    clr_entity_type t = j->o->type;
    const char *err = NULL;
    if (!doc || !cJSON_IsObject(doc))
        err = "the line is not a JSON object";
    else if (!cJSON_IsString(name) || !name->valuestring[0])
        err = "\"name\" must be a non-empty string";
    else if (type && !cJSON_IsNull(type) &&
             (!cJSON_IsString(type) || clr_entity_type_parse(&t, type->valuestring)))
        err = "\"type\" must be person, org, vessel or aircraft";
    else if (country && !cJSON_IsNull(country) &&
             (!cJSON_IsString(country) ||
              !clr_country_valid(country->valuestring, strlen(country->valuestring))))
        err = "\"country\" must be an ISO 3166-1 alpha-2 code";
    if (err) {
        sb_str(b, "{\"query\": null, \"error\": ");
        sb_json(b, err);
        sb_str(b, "}\n");
        j->bad[i] = 1;
    } else {
        screen_json(b, j->l, j->o, name->valuestring, t,
                    cJSON_IsString(country) ? country->valuestring : j->o->country);
    }
    cJSON_Delete(doc);
}

static void *batch_worker(void *p)
{
    const job *j = p;
    for (size_t i = j->start; i < j->n; i += j->step)
        batch_line(j, i);
    clr_screen_thread_cleanup();
    return NULL;
}

static int run_batch(const clr_lists *l, const opts *o)
{
    FILE *f = strcmp(o->batch, "-") ? fopen(o->batch, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "clearance screen: cannot open %s\n", o->batch);
        return CLR_EXIT_BADINPUT;
    }
    char **lines = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    int rc = CLR_EXIT_OK;
    while ((len = getline(&line, &lcap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len == 0)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            char **nl = realloc(lines, nc * sizeof *nl);
            if (!nl)
                goto oom;
            lines = nl;
            cap = nc;
        }
        if (!(lines[n] = strdup(line)))
            goto oom;
        n++;
    }
    {
        sbuf *outs = calloc(n ? n : 1, sizeof *outs);
        int *bad = calloc(n ? n : 1, sizeof *bad);
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        size_t nth = ncpu > 1 ? (size_t)(ncpu > 8 ? 8 : ncpu) : 1;
        pthread_t th[8];
        job jobs[8];
        if (!outs || !bad) {
            free(outs);
            free(bad);
            goto oom;
        }
        for (size_t t = 0; t < nth; t++) {
            jobs[t] = (job){l, o, lines, outs, bad, n, t, nth};
            if (t > 0 && pthread_create(&th[t], NULL, batch_worker, &jobs[t])) {
                nth = t;
                break;
            }
        }
        for (size_t i = 0; i < n; i += nth)
            batch_line(&jobs[0], i);
        for (size_t t = 1; t < nth; t++)
            pthread_join(th[t], NULL);
        for (size_t i = 0; i < n; i++) {
            if (outs[i].oom) {
                rc = CLR_EXIT_FAILED;
                fputs("{\"query\": null, \"error\": \"out of memory\"}\n", stdout);
            } else if (outs[i].p) {
                fwrite(outs[i].p, 1, outs[i].len, stdout);
            }
            if (bad[i])
                rc = CLR_EXIT_BADINPUT;
            free(outs[i].p);
        }
        free(outs);
        free(bad);
    }
    goto done;
oom:
    fputs("clearance screen: out of memory\n", stderr);
    rc = CLR_EXIT_FAILED;
done:
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

static int parse_args(opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->min_score = -1;
    o->limit = MATCH_CAP;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--lists") && v) {
            if (o->npaths == MAX_PATHS)
                return -1;
            o->paths[o->npaths++] = v;
        } else if (!strcmp(a, "--list") && v) {
            if (o->nlist_ids == MAX_LIST_IDS)
                return -1;
            o->list_ids[o->nlist_ids++] = v;
        } else if (!strcmp(a, "--data-dir") && v) {
            o->data_dir = v;
        } else if (!strcmp(a, "--batch") && v) {
            o->batch = v;
        } else if (!strcmp(a, "--type") && v) {
            if (clr_entity_type_parse(&o->type, v))
                return -1;
        } else if (!strcmp(a, "--country") && v) {
            if (!clr_country_valid(v, strlen(v)))
                return -1;
            memcpy(o->country, v, 3);
        } else if (!strcmp(a, "--birth-year") && v) {
            char *e;
            long y = strtol(v, &e, 10);
            if (*e || y < 1800 || y > 2100)
                return -1;
            o->birth_year = (int)y;
        } else if (!strcmp(a, "--min-score") && v) {
            char *e;
            o->min_score = strtod(v, &e);
            if (*e || o->min_score < 0 || o->min_score > 1)
                return -1;
        } else if (!strcmp(a, "--limit") && v) {
            char *e;
            long n = strtol(v, &e, 10);
            if (*e || n < 1 || n > MATCH_CAP)
                return -1;
            o->limit = (size_t)n;
        } else if (!strcmp(a, "--explain")) {
            o->explain = 1;
            takes = 0;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            return 1;
        } else if (a[0] == '-' && a[1] == '-' && !(a[2] == 0)) {
            return -1;
        } else {
            if (o->name)
                return -1;
            o->name = a;
            takes = 0;
        }
        i += takes;
    }
    if (!o->name == !o->batch)
        return -1;
    return 0;
}

int clr_cmd_screen(int argc, char **argv)
{
    opts o;
    int p = parse_args(&o, argc, argv);
    if (p) {
        usage(p > 0 ? stdout : stderr);
        return p > 0 ? CLR_EXIT_OK : CLR_EXIT_BADINPUT;
    }
    clr_lists *l = NULL;
    clr_list_report *rep = calloc(1, sizeof *rep);
    if (!rep)
        return CLR_EXIT_FAILED;
    const char *dd = o.data_dir ? o.data_dir : getenv("CLR_DATA_DIR");
    if (!dd && access("data/lists", R_OK) == 0)
        dd = "data"; /* run from the source tree */
    int rc = o.npaths ? clr_lists_load(&l, o.paths, o.npaths, rep)
                      : clr_lists_load_defaults(&l, dd, rep);
    for (size_t i = 0; i < rep->nproblems && (rc || o.explain); i++)
        fprintf(stderr, "%s:%zu: %s\n", rep->problems[i].file, rep->problems[i].row,
                rep->problems[i].message);
    if (rc) {
        if (rc == CLR_EINVAL && !o.npaths)
            fputs("clearance screen: no default lists; pass --lists PATH or --data-dir DIR\n",
                  stderr);
        else
            fprintf(stderr, "clearance screen: cannot load the lists: %s\n", clr_strerror(rc));
        free(rep);
        return CLR_EXIT_BADINPUT;
    }
    free(rep);
    int ret = CLR_EXIT_OK;
    if (o.batch) {
        ret = run_batch(l, &o);
    } else if (o.explain) {
        explain(stdout, l, &o);
    } else {
        sbuf b = {0};
        screen_json(&b, l, &o, o.name, o.type, o.country);
        if (b.p && !b.oom)
            fputs(b.p, stdout);
        else
            ret = CLR_EXIT_FAILED;
        free(b.p);
    }
    for (size_t i = 0; i < o.nlist_ids; i++) {
        double h;
        if (clr_lists_get_thresholds(l, o.list_ids[i], &h, NULL)) {
            fprintf(stderr, "clearance screen: no list \"%s\"\n", o.list_ids[i]);
            ret = CLR_EXIT_BADINPUT;
        }
    }
    clr_lists_unref(l);
    clr_screen_thread_cleanup();
    return ret;
}
