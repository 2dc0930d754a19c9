/* clearance org | user | key | adjudicate | rescreen: the customer registry
 * in a store (docs/store.md). Output is JSON (one object, or JSON Lines for
 * lists). Exit 0 done, 1 not found, 2 bad input (a bad flag, an invalid
 * record, a store that cannot be opened). */
#include "cli_util.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output ---------------------------------------------------------------- */

static void put_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void put_member(const char *name, const char *value, int first)
{
    printf("%s\"%s\":", first ? "" : ",", name);
    put_str(value);
}

static void put_time(const char *name, clr_time t)
{
    char buf[32];
    printf(",\"%s\":", name);
    if (t > 0 && clr_time_format(buf, sizeof buf, t) > 0)
        put_str(buf);
    else
        fputs("null", stdout);
}

static int put_result(void *arg, const clr_screen_result *r)
{
    int *first = arg;
    printf("%s{", *first ? "" : ",");
    *first = 0;
    put_member("list", r->list, 1);
    put_member("entry", r->entry, 0);
    put_member("name", r->entry_name, 0);
    printf(",\"score\":%.3f,\"status\":\"%s\"", r->score, r->possible ? "possible" : "hit");
    put_member("digest", r->digest, 0);
    put_time("screened_at", r->screened_at);
    putchar('}');
    return 0;
}

/* ,"screening":[...] of party */
static int put_screening(clr_store *s, const char *party)
{
    int first = 1;
    fputs(",\"screening\":[", stdout);
    int rc = clr_registry_results_list(s, party, put_result, &first);
    putchar(']');
    return rc;
}

static int put_org(void *arg, const clr_org *o)
{
    clr_store *s = arg;
    char party[CLR_PARTY_MAX];
    putchar('{');
    put_member("id", o->id, 1);
    put_member("legal_name", o->legal_name, 0);
    fputs(",\"aliases\":[", stdout);
    for (size_t i = 0; i < o->naliases; i++) {
        if (i)
            putchar(',');
        put_str(o->aliases[i]);
    }
    putchar(']');
    put_member("country", o->country, 0);
    put_member("hq", o->hq, 0);
    put_member("parent", o->parent, 0);
    snprintf(party, sizeof party, "org:%s", o->id);
    int rc = put_screening(s, party);
    puts("}");
    return rc;
}

static int put_user(void *arg, const clr_user *u)
{
    clr_store *s = arg;
    char party[CLR_PARTY_MAX];
    putchar('{');
    put_member("id", u->id, 1);
    put_member("name", u->name, 0);
    put_member("org", u->org, 0);
    put_member("nationality", u->nationality, 0);
    put_member("country", u->country, 0);
    snprintf(party, sizeof party, "user:%s", u->id);
    int rc = put_screening(s, party);
    puts("}");
    return rc;
}

static int put_key(void *arg, const clr_api_key *k)
{
    (void)arg;
    putchar('{');
    put_member("id", k->id, 1);
    put_member("user", k->user, 0);
    put_time("created", k->created);
    put_time("revoked", k->revoked);
    puts("}");
    return 0;
}

static int put_adjudication(void *arg, const clr_adjudication *a)
{
    (void)arg;
    putchar('{');
    put_member("party", a->party, 1);
    put_member("list", a->list, 0);
    put_member("entry", a->entry, 0);
    put_member("digest", a->digest, 0);
    put_member("verdict", clr_verdict_name(a->verdict), 0);
    put_member("reviewer", a->reviewer, 0);
    put_member("reason", a->reason, 0);
    put_time("created", a->created);
    put_time("expires", a->expires);
    puts("}");
    return 0;
}

static int put_change(void *arg, const clr_screen_change *c)
{
    size_t *counts = arg;
    counts[c->kind]++;
    printf("{\"change\":\"%s\",", clr_screen_change_name(c->kind));
    put_member("party", c->result.party, 1);
    put_member("list", c->result.list, 0);
    put_member("entry", c->result.entry, 0);
    put_member("name", c->result.entry_name, 0);
    printf(",\"score\":%.3f,\"status\":\"%s\"}\n", c->result.score,
           c->result.possible ? "possible" : "hit");
    return 0;
}

/* ---- shared parsing ----------------------------------------------------------- */

/* Every flag any registry command takes; each command uses some. */
typedef struct args {
    const char *store;
    const char *id, *legal_name, *name, *org, *country, *hq, *parent, *nationality, *user;
    const char *party, *list, *entry, *verdict, *reviewer, *reason, *expires;
    cli_strv aliases, lists;
    int no_screen, remove;
    const char *positional;
} args;

enum {
    O_STORE = 256,
    O_ID,
    O_LEGAL_NAME,
    O_ALIAS,
    O_NAME,
    O_ORG,
    O_COUNTRY,
    O_HQ,
    O_PARENT,
    O_NATIONALITY,
    O_USER,
    O_LISTS,
    O_NO_SCREEN,
    O_PARTY,
    O_LIST,
    O_ENTRY,
    O_VERDICT,
    O_REVIEWER,
    O_REASON,
    O_EXPIRES,
    O_REMOVE,
    O_HELP
};

static const struct option options[] = {
    {"store", required_argument, NULL, O_STORE},
    {"id", required_argument, NULL, O_ID},
    {"legal-name", required_argument, NULL, O_LEGAL_NAME},
    {"alias", required_argument, NULL, O_ALIAS},
    {"name", required_argument, NULL, O_NAME},
    {"org", required_argument, NULL, O_ORG},
    {"country", required_argument, NULL, O_COUNTRY},
    {"hq", required_argument, NULL, O_HQ},
    {"parent", required_argument, NULL, O_PARENT},
    {"nationality", required_argument, NULL, O_NATIONALITY},
    {"user", required_argument, NULL, O_USER},
    {"lists", required_argument, NULL, O_LISTS},
    {"no-screen", no_argument, NULL, O_NO_SCREEN},
    {"party", required_argument, NULL, O_PARTY},
    {"list", required_argument, NULL, O_LIST},
    {"entry", required_argument, NULL, O_ENTRY},
    {"verdict", required_argument, NULL, O_VERDICT},
    {"reviewer", required_argument, NULL, O_REVIEWER},
    {"reason", required_argument, NULL, O_REASON},
    {"expires", required_argument, NULL, O_EXPIRES},
    {"remove", no_argument, NULL, O_REMOVE},
    {"help", no_argument, NULL, O_HELP},
    {NULL, 0, NULL, 0},
};

/* Parses argv (argv[0] is the verb or command). Returns 0, 1 after --help, or
 * -1 on a bad flag. */
static int parse(args *a, int argc, char **argv)
{
    int opt;
    memset(a, 0, sizeof *a);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case O_STORE: a->store = optarg; break;
        case O_ID: a->id = optarg; break;
        case O_LEGAL_NAME: a->legal_name = optarg; break;
        case O_ALIAS:
            if (cli_strv_push(&a->aliases, optarg))
                return -1;
            break;
        case O_NAME: a->name = optarg; break;
        case O_ORG: a->org = optarg; break;
        case O_COUNTRY: a->country = optarg; break;
        case O_HQ: a->hq = optarg; break;
        case O_PARENT: a->parent = optarg; break;
        case O_NATIONALITY: a->nationality = optarg; break;
        case O_USER: a->user = optarg; break;
        case O_LISTS:
            if (cli_strv_push(&a->lists, optarg))
                return -1;
            break;
        case O_NO_SCREEN: a->no_screen = 1; break;
        case O_PARTY: a->party = optarg; break;
        case O_LIST: a->list = optarg; break;
        case O_ENTRY: a->entry = optarg; break;
        case O_VERDICT: a->verdict = optarg; break;
        case O_REVIEWER: a->reviewer = optarg; break;
        case O_REASON: a->reason = optarg; break;
        case O_EXPIRES: a->expires = optarg; break;
        case O_REMOVE: a->remove = 1; break;
        case O_HELP: return 1;
        default: return -1;
        }
    }
    if (optind < argc)
        a->positional = argv[optind++];
    if (optind < argc) {
        fprintf(stderr, "clearance: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (!a->store) {
        const char *env = getenv("CLEARANCE_DB");
        a->store = env && *env ? env : NULL;
    }
    if (!a->store) {
        fprintf(stderr, "clearance: --store DB is required (or set CLEARANCE_DB)\n");
        return -1;
    }
    return 0;
}

static void args_free(args *a)
{
    cli_strv_free(&a->aliases);
    cli_strv_free(&a->lists);
}

static int open_store(clr_store **s, const char *path)
{
    char err[512];
    if (clr_store_open(s, path, NULL, err, sizeof err)) {
        fprintf(stderr, "clearance: --store %s: %s\n", path, err);
        return CLR_EXIT_BADINPUT;
    }
    return 0;
}

/* Copies v into dst of cap bytes; too long is an error naming the flag. */
static int copy(char *dst, size_t cap, const char *v, const char *flag)
{
    if (!v)
        return 0;
    if (strlen(v) >= cap) {
        fprintf(stderr, "clearance: --%s is too long (at most %zu bytes)\n", flag, cap - 1);
        return -1;
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/* The exit code for a library error rc of command what; prints why. */
static int report(clr_store *s, const char *what, int rc, const clr_registry_error *err)
{
    if (rc == 0)
        return CLR_EXIT_OK;
    if ((rc == CLR_EINVAL || rc == CLR_EEXIST) && err && err->field[0])
        fprintf(stderr, "clearance: %s: %s\n", what, err->message);
    else if (rc == CLR_ENOTFOUND)
        fprintf(stderr, "clearance: %s: %s\n", what,
                err && err->field[0] ? err->message : "not found");
    else if (rc == CLR_ESTORE)
        fprintf(stderr, "clearance: %s: %s\n", what, clr_store_errmsg(s));
    else
        fprintf(stderr, "clearance: %s: %s\n", what, clr_strerror(rc));
    return rc == CLR_ENOTFOUND ? CLR_EXIT_FAILED : CLR_EXIT_BADINPUT;
}

/* The lists to screen against: --lists, or the shipped ones; none with
 * --no-screen. */
static int lists_for(const args *a, clr_lists **out)
{
    *out = NULL;
    if (a->no_screen)
        return 0;
    return cli_load_lists(a->lists.v, a->lists.n, out);
}

/* ---- org / user ------------------------------------------------------------------ */

static void noun_usage(FILE *f, const char *noun)
{
    if (strcmp(noun, "org") == 0)
        fprintf(f, "usage: clearance org add|set --store DB --id ID --legal-name NAME [--alias "
                   "NAME]...\n"
                   "                     [--country CC] [--hq CC] [--parent ID] [--lists "
                   "PATH]... [--no-screen]\n"
                   "       clearance org get|remove --store DB ID\n"
                   "       clearance org list --store DB\n"
                   "  add refuses an existing id, set creates or replaces. The legal name and "
                   "aliases are\n"
                   "  screened against the lists (default: the shipped ones) and the results "
                   "stored.\n");
    else
        fprintf(f, "usage: clearance user add|set --store DB --id ID [--name NAME] [--org ID]\n"
                   "                      [--nationality CC] [--country CC] [--lists PATH]... "
                   "[--no-screen]\n"
                   "       clearance user get|remove --store DB ID\n"
                   "       clearance user list --store DB\n"
                   "  The name is screened against the lists (default: the shipped ones).\n");
}

static int run_noun(int argc, char **argv, int is_org)
{
    const char *noun = is_org ? "org" : "user";
    args a;
    clr_store *s = NULL;
    clr_lists *lists = NULL;
    clr_registry_error err = {"", ""};
    int rc = CLR_EXIT_BADINPUT;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        noun_usage(argc < 2 ? stderr : stdout, noun);
        return argc < 2 ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
    }
    const char *verb = argv[1];
    int pr = parse(&a, argc - 1, argv + 1);
    if (pr) {
        noun_usage(pr > 0 ? stdout : stderr, noun);
        args_free(&a);
        return pr > 0 ? CLR_EXIT_OK : CLR_EXIT_BADINPUT;
    }
    char what[32];
    snprintf(what, sizeof what, "%s %s", noun, verb);
    int put = strcmp(verb, "add") == 0 || strcmp(verb, "set") == 0;
    int one = strcmp(verb, "get") == 0 || strcmp(verb, "remove") == 0;
    if (!put && !one && strcmp(verb, "list") != 0) {
        fprintf(stderr, "clearance: %s: unknown verb '%s'\n", noun, verb);
        noun_usage(stderr, noun);
        goto done;
    }
    if (one && !a.positional) {
        fprintf(stderr, "clearance: %s: the id is required\n", what);
        goto done;
    }
    if ((rc = open_store(&s, a.store)))
        goto done;
    rc = CLR_EXIT_BADINPUT;
    if (put && is_org) {
        clr_org *o = calloc(1, sizeof *o);
        if (!o)
            goto done;
        if (copy(o->id, sizeof o->id, a.id, "id") ||
            copy(o->legal_name, sizeof o->legal_name, a.legal_name, "legal-name") ||
            copy(o->country, sizeof o->country, a.country, "country") ||
            copy(o->hq, sizeof o->hq, a.hq, "hq") ||
            copy(o->parent, sizeof o->parent, a.parent, "parent") ||
            a.aliases.n > CLR_ORG_ALIASES_MAX) {
            if (a.aliases.n > CLR_ORG_ALIASES_MAX)
                fprintf(stderr, "clearance: %s: at most %d aliases\n", what, CLR_ORG_ALIASES_MAX);
            free(o);
            goto done;
        }
        for (size_t i = 0; i < a.aliases.n; i++)
            if (copy(o->aliases[o->naliases++], CLR_NAME_MAX, a.aliases.v[i], "alias")) {
                free(o);
                goto done;
            }
        int vrc = clr_org_validate(o, &err);
        if (!vrc && (rc = lists_for(&a, &lists))) {
            free(o);
            goto done;
        }
        if (!vrc)
            vrc = clr_registry_org_put(s, o, verb[0] == 'a', lists, &err);
        if (!(rc = report(s, what, vrc, &err)))
            rc = report(s, what, put_org(s, o), NULL);
        free(o);
    } else if (put) {
        clr_user u;
        memset(&u, 0, sizeof u);
        if (copy(u.id, sizeof u.id, a.id, "id") || copy(u.name, sizeof u.name, a.name, "name") ||
            copy(u.org, sizeof u.org, a.org, "org") ||
            copy(u.nationality, sizeof u.nationality, a.nationality, "nationality") ||
            copy(u.country, sizeof u.country, a.country, "country"))
            goto done;
        int vrc = clr_user_validate(&u, &err);
        if (!vrc && u.name[0] && (rc = lists_for(&a, &lists)))
            goto done;
        if (!vrc)
            vrc = clr_registry_user_put(s, &u, verb[0] == 'a', lists, &err);
        if (!(rc = report(s, what, vrc, &err)))
            rc = report(s, what, put_user(s, &u), NULL);
    } else if (strcmp(verb, "get") == 0) {
        if (is_org) {
            clr_org *o = calloc(1, sizeof *o);
            int grc = o ? clr_registry_org_get(o, s, a.positional) : CLR_ENOMEM;
            if (!(rc = report(s, what, grc, NULL)))
                rc = report(s, what, put_org(s, o), NULL);
            free(o);
        } else {
            clr_user u;
            int grc = clr_registry_user_get(&u, s, a.positional);
            if (!(rc = report(s, what, grc, NULL)))
                rc = report(s, what, put_user(s, &u), NULL);
        }
    } else if (strcmp(verb, "remove") == 0) {
        int rrc = is_org ? clr_registry_org_remove(s, a.positional, &err)
                         : clr_registry_user_remove(s, a.positional);
        if (!(rc = report(s, what, rrc, &err)))
            printf("{\"removed\":\"%s:%s\"}\n", noun, a.positional);
    } else {
        rc = report(s, what,
                    is_org ? clr_registry_org_list(s, put_org, s)
                           : clr_registry_user_list(s, put_user, s),
                    NULL);
    }
done:
    fflush(stdout);
    clr_lists_unref(lists);
    clr_store_close(s);
    args_free(&a);
    return rc;
}

int clr_cmd_org(int argc, char **argv)
{
    return run_noun(argc, argv, 1);
}

int clr_cmd_user(int argc, char **argv)
{
    return run_noun(argc, argv, 0);
}

/* ---- keys ------------------------------------------------------------------------ */

static void key_usage(FILE *f)
{
    fprintf(f, "usage: clearance key create --store DB --user ID\n"
               "       clearance key revoke --store DB KEY_ID\n"
               "       clearance key list --store DB\n"
               "  create prints the secret once; only its hash is stored. Requests and "
               "/v1/authz\n"
               "  (X-Clearance-Key) may then name the user by the key.\n");
}

int clr_cmd_key(int argc, char **argv)
{
    args a;
    clr_store *s = NULL;
    clr_registry_error err = {"", ""};
    int rc = CLR_EXIT_BADINPUT;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        key_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLR_EXIT_BADINPUT : CLR_EXIT_OK;
    }
    const char *verb = argv[1];
    int pr = parse(&a, argc - 1, argv + 1);
    if (pr) {
        key_usage(pr > 0 ? stdout : stderr);
        args_free(&a);
        return pr > 0 ? CLR_EXIT_OK : CLR_EXIT_BADINPUT;
    }
    if (strcmp(verb, "create") && strcmp(verb, "revoke") && strcmp(verb, "list")) {
        fprintf(stderr, "clearance: key: unknown verb '%s'\n", verb);
        goto done;
    }
    if ((strcmp(verb, "create") == 0 && !a.user) ||
        (strcmp(verb, "revoke") == 0 && !a.positional)) {
        key_usage(stderr);
        goto done;
    }
    if ((rc = open_store(&s, a.store)))
        goto done;
    if (strcmp(verb, "create") == 0) {
        char secret[CLR_KEY_SECRET_MAX];
        clr_api_key k;
        if (!(rc = report(s, "key create", clr_registry_key_create(secret, &k, s, a.user, &err),
                          &err))) {
            putchar('{');
            put_member("id", k.id, 1);
            put_member("user", k.user, 0);
            put_member("secret", secret, 0);
            puts("}");
            fprintf(stderr, "clearance: key create: the secret is shown once; keep it safe\n");
        }
    } else if (strcmp(verb, "revoke") == 0) {
        if (!(rc = report(s, "key revoke", clr_registry_key_revoke(s, a.positional), NULL)))
            printf("{\"revoked\":\"%s\"}\n", a.positional);
    } else {
        rc = report(s, "key list", clr_registry_key_list(s, put_key, NULL), NULL);
    }
done:
    fflush(stdout);
    clr_store_close(s);
    args_free(&a);
    return rc;
}

/* ---- adjudicate ----------------------------------------------------------------------- */

static void adjudicate_usage(FILE *f)
{
    fprintf(f,
            "usage: clearance adjudicate --store DB --party org:ID|user:ID --list LIST --entry ID\n"
            "                            --verdict false_positive|true_hit --reviewer WHO\n"
            "                            --reason TEXT --expires DATE [--lists PATH]...\n"
            "       clearance adjudicate --store DB --remove --party P --list LIST --entry ID\n"
            "       clearance adjudicate --store DB (lists the adjudications)\n"
            "  A false_positive verdict suppresses the possible match in decisions until it\n"
            "  expires or the list entry changes. The entry as the reviewer saw it is taken\n"
            "  from --lists when given, else from the party's stored screening result.\n");
}

int clr_cmd_adjudicate(int argc, char **argv)
{
    args a;
    clr_store *s = NULL;
    clr_lists *lists = NULL;
    clr_registry_error err = {"", ""};
    int rc = CLR_EXIT_BADINPUT;
    int pr = parse(&a, argc, argv);
    if (pr) {
        adjudicate_usage(pr > 0 ? stdout : stderr);
        args_free(&a);
        return pr > 0 ? CLR_EXIT_OK : CLR_EXIT_BADINPUT;
    }
    if ((rc = open_store(&s, a.store)))
        goto done;
    if (!a.party && !a.list && !a.entry && !a.remove) {
        rc = report(s, "adjudicate", clr_registry_adjudication_list(s, put_adjudication, NULL),
                    NULL);
        goto done;
    }
    rc = CLR_EXIT_BADINPUT;
    if (!a.party || !a.list || !a.entry) {
        fprintf(stderr, "clearance: adjudicate: --party, --list and --entry are required\n");
        goto done;
    }
    if (a.remove) {
        if (!(rc = report(s, "adjudicate --remove",
                          clr_registry_adjudication_remove(s, a.party, a.list, a.entry), NULL)))
            puts("{\"removed\":true}");
        goto done;
    }
    clr_adjudication adj;
    memset(&adj, 0, sizeof adj);
    if (copy(adj.party, sizeof adj.party, a.party, "party") ||
        copy(adj.list, sizeof adj.list, a.list, "list") ||
        copy(adj.entry, sizeof adj.entry, a.entry, "entry") ||
        copy(adj.reviewer, sizeof adj.reviewer, a.reviewer, "reviewer") ||
        copy(adj.reason, sizeof adj.reason, a.reason, "reason"))
        goto done;
    if (!a.verdict || clr_verdict_parse(&adj.verdict, a.verdict)) {
        fprintf(stderr, "clearance: adjudicate: --verdict must be false_positive or true_hit\n");
        goto done;
    }
    if (!a.expires || clr_time_parse(&adj.expires, a.expires, strlen(a.expires))) {
        fprintf(stderr, "clearance: adjudicate: --expires must be an RFC 3339 time or a date\n");
        goto done;
    }
    if (a.lists.n && (rc = cli_load_lists(a.lists.v, a.lists.n, &lists)))
        goto done;
    if (!(rc = report(s, "adjudicate", clr_registry_adjudicate(s, lists, &adj, &err), &err))) {
        clr_registry_adjudication_list(s, put_adjudication, NULL);
    }
done:
    fflush(stdout);
    clr_lists_unref(lists);
    clr_store_close(s);
    args_free(&a);
    return rc;
}

/* ---- rescreen ------------------------------------------------------------------------------ */

int clr_cmd_rescreen(int argc, char **argv)
{
    args a;
    clr_store *s = NULL;
    clr_lists *lists = NULL;
    size_t counts[4] = {0}, parties = 0;
    int rc;
    int pr = parse(&a, argc, argv);
    if (pr) {
        fprintf(pr > 0 ? stdout : stderr,
                "usage: clearance rescreen --store DB [--lists PATH]...\n"
                "  Screens every registered organisation and user again against the lists\n"
                "  (default: the shipped ones) and prints, as JSON Lines, each new, cleared\n"
                "  and changed match since the last screening; the results are stored.\n");
        args_free(&a);
        return pr > 0 ? CLR_EXIT_OK : CLR_EXIT_BADINPUT;
    }
    if ((rc = open_store(&s, a.store)) || (rc = cli_load_lists(a.lists.v, a.lists.n, &lists)))
        goto done;
    rc = report(s, "rescreen", clr_registry_rescreen(s, lists, put_change, counts, &parties), NULL);
    if (rc == CLR_EXIT_OK)
        fprintf(stderr, "clearance: rescreen: %zu parties, %zu new, %zu cleared, %zu changed\n",
                parties, counts[CLR_SCREEN_NEW], counts[CLR_SCREEN_CLEARED],
                counts[CLR_SCREEN_CHANGED]);
done:
    fflush(stdout);
    clr_lists_unref(lists);
    clr_store_close(s);
    args_free(&a);
    return rc;
}
