/* The customer registry in the store: organisations, users, API keys and
 * adjudications, validated, through the store's one query operation so that
 * every backend shares this code. */
#include "registry_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- validation ------------------------------------------------------------ */

static int bad(clr_registry_error *err, const char *field, const char *fmt, const char *what)
{
    if (err) {
        snprintf(err->field, sizeof err->field, "%s", field);
        snprintf(err->message, sizeof err->message, fmt, what);
    }
    return CLR_EINVAL;
}

int clr__registry_check_id(const char *s, const char *field, int required, clr_registry_error *err)
{
    size_t n = strnlen(s, CLR_ID_MAX);
    if (n == 0)
        return required ? bad(err, field, "%s is required", field) : 0;
    if (n >= CLR_ID_MAX)
        return bad(err, field, "%s is longer than 127 bytes", field);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
            return bad(err, field, "%s must be printable ASCII without spaces", field);
    return 0;
}

int clr__registry_check_name(const char *s, size_t cap, const char *field, int required,
                             clr_registry_error *err)
{
    size_t n = strnlen(s, cap);
    if (n == 0)
        return required ? bad(err, field, "%s is required", field) : 0;
    if (n >= cap)
        return bad(err, field,
                   cap == CLR_NAME_MAX ? "%s is longer than 255 bytes" : "%s is too long", field);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return bad(err, field, "%s holds a control character", field);
    return 0;
}

static int check_country(const char *cc, const char *field, clr_registry_error *err)
{
    size_t n = strnlen(cc, 3);
    if (n == 0)
        return 0;
    if (n != 2 || !clr_country_valid(cc, 2))
        return bad(err, field, "%s is not an assigned ISO 3166-1 alpha-2 code (upper case)", field);
    return 0;
}

int clr_org_validate(const clr_org *o, clr_registry_error *err)
{
    int rc;
    if ((rc = clr__registry_check_id(o->id, "id", 1, err)) ||
        (rc = clr__registry_check_name(o->legal_name, CLR_NAME_MAX, "legal_name", 1, err)) ||
        (rc = check_country(o->country, "country", err)) ||
        (rc = check_country(o->hq, "hq", err)) ||
        (rc = clr__registry_check_id(o->parent, "parent", 0, err)))
        return rc;
    if (o->naliases > CLR_ORG_ALIASES_MAX)
        return bad(err, "aliases", "%s: at most 8", "aliases");
    for (size_t i = 0; i < o->naliases; i++)
        if ((rc = clr__registry_check_name(o->aliases[i], CLR_NAME_MAX, "aliases", 1, err)))
            return rc;
    if (o->parent[0] && strcmp(o->parent, o->id) == 0)
        return bad(err, "parent", "%s: an organisation cannot be its own parent", "parent");
    return 0;
}

int clr_user_validate(const clr_user *u, clr_registry_error *err)
{
    int rc;
    if ((rc = clr__registry_check_id(u->id, "id", 1, err)) ||
        (rc = clr__registry_check_name(u->name, CLR_NAME_MAX, "name", 0, err)) ||
        (rc = clr__registry_check_id(u->org, "org", 0, err)) ||
        (rc = check_country(u->nationality, "nationality", err)) ||
        (rc = check_country(u->country, "country", err)))
        return rc;
    return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

static int count_row(void *arg, const clr__value *cols, int ncols)
{
    *(int64_t *)arg = ncols > 0 ? cols[0].i : 0;
    return 0;
}

/* The first column of the first row of a count query, into *n. */
static int count(clr_store *s, const char *sql, const char *a, const char *b, int64_t *n)
{
    clr__value p[2] = {TXT(a), TXT(b)};
    *n = 0;
    return clr__store_query(s, sql, p, b ? 2 : 1, count_row, n, NULL);
}

static int tx_begin(clr_store *s)
{
    return s->ops->begin(s, 1);
}

static int tx_end(clr_store *s, int rc)
{
    if (rc) {
        s->ops->rollback(s);
        return rc;
    }
    return s->ops->commit(s);
}

/* ---- organisations ------------------------------------------------------------ */

static const char ORG_COLS[] = "id, legal_name, aliases, country, hq, parent";

static void org_from_row(clr_org *o, const clr__value *c)
{
    char aliases[CLR_ORG_ALIASES_MAX * CLR_NAME_MAX];
    memset(o, 0, sizeof *o);
    clr__value_text(o->id, sizeof o->id, &c[0]);
    clr__value_text(o->legal_name, sizeof o->legal_name, &c[1]);
    clr__value_text(aliases, sizeof aliases, &c[2]);
    clr__value_text(o->country, sizeof o->country, &c[3]);
    clr__value_text(o->hq, sizeof o->hq, &c[4]);
    clr__value_text(o->parent, sizeof o->parent, &c[5]);
    for (char *p = aliases; *p && o->naliases < CLR_ORG_ALIASES_MAX;) {
        char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n >= CLR_NAME_MAX)
            n = CLR_NAME_MAX - 1;
        memcpy(o->aliases[o->naliases], p, n);
        o->aliases[o->naliases++][n] = '\0';
        p = nl ? nl + 1 : p + strlen(p);
    }
}

static int registry_org_put(clr_store *s, const clr_org *o, int create, const clr_lists *lists,
                            clr_registry_error *err)
{
    char aliases[CLR_ORG_ALIASES_MAX * CLR_NAME_MAX];
    int64_t n = 0;
    int rc;
    if ((rc = clr_org_validate(o, err)))
        return rc;
    size_t len = 0;
    aliases[0] = '\0';
    for (size_t i = 0; i < o->naliases; i++)
        len += (size_t)snprintf(aliases + len, sizeof aliases - len, "%s%s", i ? "\n" : "",
                                o->aliases[i]);
    if ((rc = tx_begin(s)))
        return rc;
    if (o->parent[0] &&
        !(rc = count(s, "SELECT count(*) FROM registry_org WHERE id = $1", o->parent, NULL, &n)) &&
        n == 0)
        rc = bad(err, "parent", "%s names no registered organisation", "parent");
    if (!rc) {
        clr_time now = clr_time_now();
        clr__value p[8] = {TXT(o->id), TXT(o->legal_name), TXT(aliases),    TXT(o->country),
                           TXT(o->hq), TXT(o->parent),     CLR__V_INT(now), CLR__V_INT(now)};
        rc = clr__store_query(s,
                              create ? "INSERT INTO registry_org (id, legal_name, aliases, "
                                       "country, hq, parent, created, updated) VALUES ($1, $2, "
                                       "$3, $4, $5, $6, $7, $8)"
                                     : "INSERT INTO registry_org (id, legal_name, aliases, "
                                       "country, hq, parent, created, updated) VALUES ($1, $2, "
                                       "$3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET "
                                       "legal_name = $2, aliases = $3, country = $4, hq = $5, "
                                       "parent = $6, updated = $8",
                              p, 8, NULL, NULL, NULL);
        if (rc == CLR_EEXIST)
            bad(err, "id", "%s is already registered", o->id);
    }
    if ((rc = tx_end(s, rc)))
        return rc;
    if (lists) {
        char party[CLR_PARTY_MAX];
        snprintf(party, sizeof party, "org:%s", o->id);
        rc = clr_registry_screen_party(s, lists, party, NULL, NULL);
    }
    return rc;
}

typedef struct org_get {
    clr_org *out;
    int found;
} org_get;

static int org_get_row(void *arg, const clr__value *c, int n)
{
    org_get *g = arg;
    (void)n;
    org_from_row(g->out, c);
    g->found = 1;
    return 0;
}

int clr_registry_org_get(clr_org *out, clr_store *s, const char *id)
{
    org_get g = {out, 0};
    clr__value p[1] = {TXT(id)};
    int rc = clr__store_query(s,
                              "SELECT id, legal_name, aliases, country, hq, parent FROM "
                              "registry_org WHERE id = $1",
                              p, 1, org_get_row, &g, NULL);
    (void)ORG_COLS;
    return rc ? rc : g.found ? 0 : CLR_ENOTFOUND;
}

/* Deletes what hangs off party: screening results and adjudications. */
static int drop_party(clr_store *s, const char *party)
{
    clr__value p[1] = {TXT(party)};
    int rc = clr__store_query(s, "DELETE FROM registry_screening WHERE party = $1", p, 1, NULL,
                              NULL, NULL);
    if (!rc)
        rc = clr__store_query(s, "DELETE FROM registry_adjudication WHERE party = $1", p, 1, NULL,
                              NULL, NULL);
    return rc;
}

static int registry_org_remove(clr_store *s, const char *id, clr_registry_error *err)
{
    int64_t users = 0, children = 0, changes = 0;
    char party[CLR_PARTY_MAX];
    int rc = tx_begin(s);
    if (rc)
        return rc;
    if ((rc = count(s, "SELECT count(*) FROM registry_user WHERE org = $1", id, NULL, &users)) ||
        (rc = count(s, "SELECT count(*) FROM registry_org WHERE parent = $1", id, NULL, &children)))
        return tx_end(s, rc);
    if (users || children) {
        char what[64];
        snprintf(what, sizeof what, "%lld users and %lld organisations", (long long)users,
                 (long long)children);
        return tx_end(s, bad(err, "id", "%s still name the organisation", what));
    }
    clr__value p[1] = {TXT(id)};
    snprintf(party, sizeof party, "org:%s", id);
    if (!(rc = clr__store_query(s, "DELETE FROM registry_org WHERE id = $1", p, 1, NULL, NULL,
                                &changes)) &&
        changes == 0)
        rc = CLR_ENOTFOUND;
    if (!rc)
        rc = drop_party(s, party);
    return tx_end(s, rc);
}

typedef struct org_iter {
    int (*fn)(void *arg, const clr_org *o);
    void *arg;
    clr_org o;
} org_iter;

static int org_iter_row(void *arg, const clr__value *c, int n)
{
    org_iter *it = arg;
    (void)n;
    org_from_row(&it->o, c);
    return it->fn(it->arg, &it->o);
}

int clr_registry_org_list(clr_store *s, int (*fn)(void *arg, const clr_org *o), void *arg)
{
    org_iter *it = malloc(sizeof *it);
    if (!it)
        return CLR_ENOMEM;
    it->fn = fn;
    it->arg = arg;
    int rc = clr__store_query(s,
                              "SELECT id, legal_name, aliases, country, hq, parent FROM "
                              "registry_org ORDER BY id",
                              NULL, 0, org_iter_row, it, NULL);
    free(it);
    return rc;
}

/* ---- users ---------------------------------------------------------------------- */

static void user_from_row(clr_user *u, const clr__value *c)
{
    memset(u, 0, sizeof *u);
    clr__value_text(u->id, sizeof u->id, &c[0]);
    clr__value_text(u->name, sizeof u->name, &c[1]);
    clr__value_text(u->org, sizeof u->org, &c[2]);
    clr__value_text(u->nationality, sizeof u->nationality, &c[3]);
    clr__value_text(u->country, sizeof u->country, &c[4]);
}

static int registry_user_put(clr_store *s, const clr_user *u, int create, const clr_lists *lists,
                             clr_registry_error *err)
{
    int64_t n = 0;
    int rc;
    if ((rc = clr_user_validate(u, err)))
        return rc;
    if ((rc = tx_begin(s)))
        return rc;
    if (u->org[0] &&
        !(rc = count(s, "SELECT count(*) FROM registry_org WHERE id = $1", u->org, NULL, &n)) &&
        n == 0)
        rc = bad(err, "org", "%s names no registered organisation", "org");
    if (!rc) {
        clr_time now = clr_time_now();
        clr__value p[7] = {TXT(u->id),      TXT(u->name),    TXT(u->org),    TXT(u->nationality),
                           TXT(u->country), CLR__V_INT(now), CLR__V_INT(now)};
        rc = clr__store_query(s,
                              create ? "INSERT INTO registry_user (id, name, org, nationality, "
                                       "country, created, updated) VALUES ($1, $2, $3, $4, $5, "
                                       "$6, $7)"
                                     : "INSERT INTO registry_user (id, name, org, nationality, "
                                       "country, created, updated) VALUES ($1, $2, $3, $4, $5, "
                                       "$6, $7) ON CONFLICT (id) DO UPDATE SET name = $2, org = "
                                       "$3, nationality = $4, country = $5, updated = $7",
                              p, 7, NULL, NULL, NULL);
        if (rc == CLR_EEXIST)
            bad(err, "id", "%s is already registered", u->id);
    }
    if ((rc = tx_end(s, rc)))
        return rc;
    if (lists) {
        char party[CLR_PARTY_MAX];
        snprintf(party, sizeof party, "user:%s", u->id);
        rc = clr_registry_screen_party(s, lists, party, NULL, NULL);
    }
    return rc;
}

typedef struct user_get {
    clr_user *out;
    int found;
} user_get;

static int user_get_row(void *arg, const clr__value *c, int n)
{
    user_get *g = arg;
    (void)n;
    user_from_row(g->out, c);
    g->found = 1;
    return 0;
}

int clr_registry_user_get(clr_user *out, clr_store *s, const char *id)
{
    user_get g = {out, 0};
    clr__value p[1] = {TXT(id)};
    int rc = clr__store_query(s,
                              "SELECT id, name, org, nationality, country FROM registry_user "
                              "WHERE id = $1",
                              p, 1, user_get_row, &g, NULL);
    return rc ? rc : g.found ? 0 : CLR_ENOTFOUND;
}

static int registry_user_remove(clr_store *s, const char *id)
{
    int64_t changes = 0;
    char party[CLR_PARTY_MAX];
    clr__value p[1] = {TXT(id)};
    int rc = tx_begin(s);
    if (rc)
        return rc;
    snprintf(party, sizeof party, "user:%s", id);
    if (!(rc = clr__store_query(s, "DELETE FROM registry_user WHERE id = $1", p, 1, NULL, NULL,
                                &changes)) &&
        changes == 0)
        rc = CLR_ENOTFOUND;
    if (!rc)
        rc = clr__store_query(s, "DELETE FROM registry_key WHERE user_id = $1", p, 1, NULL, NULL,
                              NULL);
    if (!rc)
        rc = drop_party(s, party);
    return tx_end(s, rc);
}

typedef struct user_iter {
    int (*fn)(void *arg, const clr_user *u);
    void *arg;
    clr_user u;
} user_iter;

static int user_iter_row(void *arg, const clr__value *c, int n)
{
    user_iter *it = arg;
    (void)n;
    user_from_row(&it->u, c);
    return it->fn(it->arg, &it->u);
}

int clr_registry_user_list(clr_store *s, int (*fn)(void *arg, const clr_user *u), void *arg)
{
    user_iter it;
    it.fn = fn;
    it.arg = arg;
    return clr__store_query(s,
                            "SELECT id, name, org, nationality, country FROM registry_user ORDER "
                            "BY id",
                            NULL, 0, user_iter_row, &it, NULL);
}

/* ---- API keys ------------------------------------------------------------------------ */

void clr__registry_key_hash(char out[65], const char *secret, size_t len)
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)secret, len, NULL, 0);
    clr__hex(out, h, sizeof h);
}

static int registry_key_create(char *secret, clr_api_key *key, clr_store *s, const char *user_id,
                               clr_registry_error *err)
{
    unsigned char idb[8], sb[32];
    char id[17], sec_hex[65], hash[65];
    int64_t n = 0;
    int rc;
    if (sodium_init() < 0)
        return CLR_ENOMEM;
    if ((rc = clr__registry_check_id(user_id, "user", 1, err)))
        return rc;
    if ((rc = count(s, "SELECT count(*) FROM registry_user WHERE id = $1", user_id, NULL, &n)))
        return rc;
    if (n == 0)
        return bad(err, "user", "%s names no registered user", "user");
    randombytes_buf(idb, sizeof idb);
    randombytes_buf(sb, sizeof sb);
    clr__hex(id, idb, sizeof idb);
    clr__hex(sec_hex, sb, sizeof sb);
    sodium_memzero(sb, sizeof sb);
    char buf[CLR_KEY_SECRET_MAX];
    int len = snprintf(buf, sizeof buf, "clr_%s_%s", id, sec_hex);
    sodium_memzero(sec_hex, sizeof sec_hex);
    clr__registry_key_hash(hash, buf, (size_t)len);
    clr_time now = clr_time_now();
    clr__value p[4] = {TXT(id), TXT(user_id), TXT(hash), CLR__V_INT(now)};
    rc = clr__store_query(s,
                          "INSERT INTO registry_key (id, user_id, hash, created, revoked) VALUES "
                          "($1, $2, $3, $4, 0)",
                          p, 4, NULL, NULL, NULL);
    if (rc) {
        sodium_memzero(buf, sizeof buf);
        return rc;
    }
    memcpy(secret, buf, (size_t)len + 1);
    sodium_memzero(buf, sizeof buf);
    if (key) {
        memset(key, 0, sizeof *key);
        memcpy(key->id, id, sizeof key->id);
        snprintf(key->user, sizeof key->user, "%s", user_id);
        key->created = now;
    }
    return 0;
}

static int registry_key_revoke(clr_store *s, const char *id)
{
    int64_t changes = 0;
    clr__value p[2] = {TXT(id), CLR__V_INT(clr_time_now())};
    int rc = clr__store_query(s, "SELECT count(*) FROM registry_key WHERE id = $1", p, 1, count_row,
                              &changes, NULL);
    if (rc)
        return rc;
    if (changes == 0)
        return CLR_ENOTFOUND;
    return clr__store_query(s, "UPDATE registry_key SET revoked = $2 WHERE id = $1 AND revoked = 0",
                            p, 2, NULL, NULL, NULL);
}

typedef struct key_iter {
    int (*fn)(void *arg, const clr_api_key *k);
    void *arg;
} key_iter;

static int key_iter_row(void *arg, const clr__value *c, int n)
{
    key_iter *it = arg;
    clr_api_key k;
    (void)n;
    memset(&k, 0, sizeof k);
    clr__value_text(k.id, sizeof k.id, &c[0]);
    clr__value_text(k.user, sizeof k.user, &c[1]);
    k.created = c[2].i;
    k.revoked = c[3].i;
    return it->fn(it->arg, &k);
}

int clr_registry_key_list(clr_store *s, int (*fn)(void *arg, const clr_api_key *k), void *arg)
{
    key_iter it = {fn, arg};
    return clr__store_query(s, "SELECT id, user_id, created, revoked FROM registry_key ORDER BY id",
                            NULL, 0, key_iter_row, &it, NULL);
}

/* ---- adjudications ---------------------------------------------------------------------- */

const char *clr_verdict_name(clr_verdict v)
{
    return v == CLR_VERDICT_TRUE_HIT ? "true_hit" : "false_positive";
}

int clr_verdict_parse(clr_verdict *out, const char *s)
{
    if (s && strcmp(s, "false_positive") == 0)
        *out = CLR_VERDICT_FALSE_POSITIVE;
    else if (s && strcmp(s, "true_hit") == 0)
        *out = CLR_VERDICT_TRUE_HIT;
    else
        return CLR_EINVAL;
    return 0;
}

int clr__registry_party_parse(const char *party, int *is_org, const char **id)
{
    if (strncmp(party, "org:", 4) == 0) {
        *is_org = 1;
        *id = party + 4;
    } else if (strncmp(party, "user:", 5) == 0) {
        *is_org = 0;
        *id = party + 5;
    } else {
        return CLR_EINVAL;
    }
    return clr__registry_check_id(*id, "party", 1, NULL);
}

static int digest_row(void *arg, const clr__value *c, int n)
{
    (void)n;
    clr__value_text(arg, CLR_DIGEST_HEX, &c[0]);
    return 0;
}

static int registry_adjudicate(clr_store *s, const clr_lists *lists, const clr_adjudication *a,
                               clr_registry_error *err)
{
    int is_org, rc;
    const char *id;
    int64_t n = 0;
    char digest[CLR_DIGEST_HEX] = "";
    if (clr__registry_party_parse(a->party, &is_org, &id))
        return bad(err, "party", "%s must be org:ID or user:ID", "party");
    if (!a->list[0] || strnlen(a->list, CLR_LIST_ID_MAX) >= CLR_LIST_ID_MAX)
        return bad(err, "list", "%s is required (a list id, at most 31 bytes)", "list");
    if ((rc = clr__registry_check_id(a->entry, "entry", 1, err)))
        return rc;
    if (a->verdict != CLR_VERDICT_FALSE_POSITIVE && a->verdict != CLR_VERDICT_TRUE_HIT)
        return bad(err, "verdict", "%s must be false_positive or true_hit", "verdict");
    if ((rc = clr__registry_check_id(a->reviewer, "reviewer", 1, err)) ||
        (rc = clr__registry_check_name(a->reason, CLR_NAME_MAX, "reason", 1, err)))
        return rc;
    clr_time now = clr_time_now();
    if (a->expires <= now)
        return bad(err, "expires", "%s must lie in the future", "expires");
    if ((rc = count(s,
                    is_org ? "SELECT count(*) FROM registry_org WHERE id = $1"
                           : "SELECT count(*) FROM registry_user WHERE id = $1",
                    id, NULL, &n)))
        return rc;
    if (n == 0) {
        bad(err, "party", "%s is not registered", a->party);
        return CLR_ENOTFOUND;
    }
    if (lists) {
        if (clr_registry_entry_digest(digest, lists, a->list, a->entry)) {
            bad(err, "entry", "%s is not in the loaded lists", a->entry);
            return CLR_ENOTFOUND;
        }
    } else {
        clr__value p[3] = {TXT(a->party), TXT(a->list), TXT(a->entry)};
        if ((rc = clr__store_query(s,
                                   "SELECT digest FROM registry_screening WHERE party = $1 AND "
                                   "list = $2 AND entry = $3",
                                   p, 3, digest_row, digest, NULL)))
            return rc;
        if (!digest[0]) {
            bad(err, "entry", "%s: the party has no screening result for this entry", a->entry);
            return CLR_ENOTFOUND;
        }
    }
    clr__value p[9] = {TXT(a->party),
                       TXT(a->list),
                       TXT(a->entry),
                       TXT(digest),
                       TXT(clr_verdict_name(a->verdict)),
                       TXT(a->reviewer),
                       TXT(a->reason),
                       CLR__V_INT(now),
                       CLR__V_INT(a->expires)};
    return clr__store_query(s,
                            "INSERT INTO registry_adjudication (party, list, entry, digest, "
                            "verdict, reviewer, reason, created, expires) VALUES ($1, $2, $3, "
                            "$4, $5, $6, $7, $8, $9) ON CONFLICT (party, list, entry) DO UPDATE "
                            "SET digest = $4, verdict = $5, reviewer = $6, reason = $7, created "
                            "= $8, expires = $9",
                            p, 9, NULL, NULL, NULL);
}

static int registry_adjudication_remove(clr_store *s, const char *party, const char *list,
                                        const char *entry)
{
    int64_t changes = 0;
    clr__value p[3] = {TXT(party), TXT(list), TXT(entry)};
    int rc = clr__store_query(s,
                              "DELETE FROM registry_adjudication WHERE party = $1 AND list = $2 "
                              "AND entry = $3",
                              p, 3, NULL, NULL, &changes);
    return rc ? rc : changes ? 0 : CLR_ENOTFOUND;
}

void clr__registry_adjudication_from_row(clr_adjudication *a, const clr__value *c)
{
    char verdict[32];
    memset(a, 0, sizeof *a);
    clr__value_text(a->party, sizeof a->party, &c[0]);
    clr__value_text(a->list, sizeof a->list, &c[1]);
    clr__value_text(a->entry, sizeof a->entry, &c[2]);
    clr__value_text(a->digest, sizeof a->digest, &c[3]);
    clr__value_text(verdict, sizeof verdict, &c[4]);
    if (clr_verdict_parse(&a->verdict, verdict))
        a->verdict = CLR_VERDICT_TRUE_HIT; /* unreadable: never suppresses */
    clr__value_text(a->reviewer, sizeof a->reviewer, &c[5]);
    clr__value_text(a->reason, sizeof a->reason, &c[6]);
    a->created = c[7].i;
    a->expires = c[8].i;
}

const char clr__registry_adjudication_select[] =
    "SELECT party, list, entry, digest, verdict, reviewer, reason, created, expires FROM "
    "registry_adjudication ORDER BY party, list, entry";

typedef struct adj_iter {
    int (*fn)(void *arg, const clr_adjudication *a);
    void *arg;
    clr_adjudication a;
} adj_iter;

static int adj_iter_row(void *arg, const clr__value *c, int n)
{
    adj_iter *it = arg;
    (void)n;
    clr__registry_adjudication_from_row(&it->a, c);
    return it->fn(it->arg, &it->a);
}

int clr_registry_adjudication_list(clr_store *s, int (*fn)(void *arg, const clr_adjudication *a),
                                   void *arg)
{
    adj_iter *it = malloc(sizeof *it);
    if (!it)
        return CLR_ENOMEM;
    it->fn = fn;
    it->arg = arg;
    int rc =
        clr__store_query(s, clr__registry_adjudication_select, NULL, 0, adj_iter_row, it, NULL);
    free(it);
    return rc;
}

/* ---- the registry's generation ------------------------------------------------ */

/* Every change to the registry bumps a counter in the store, so that every
 * process sharing the store can tell its snapshot is stale
 * (clr_registry_generation). */
static int bump_generation(clr_store *s)
{
    return clr__store_query(s,
                            "INSERT INTO meta (key, value) VALUES ('registry_generation', '1') "
                            "ON CONFLICT (key) DO UPDATE SET value = "
                            "CAST(CAST(meta.value AS BIGINT) + 1 AS TEXT)",
                            NULL, 0, NULL, NULL, NULL);
}

static int read_generation(void *arg, const clr__value *c, int n)
{
    if (n >= 1 && c[0].type == CLR__TEXT) {
        char buf[32];
        snprintf(buf, sizeof buf, "%.*s", (int)(c[0].n < 31 ? c[0].n : 31), c[0].s);
        *(int64_t *)arg = strtoll(buf, NULL, 10);
    }
    return 0;
}

int clr_registry_generation(clr_store *s, int64_t *out)
{
    *out = 0;
    return clr__store_query(s, "SELECT value FROM meta WHERE key = 'registry_generation'", NULL, 0,
                            read_generation, out, NULL);
}

int clr_registry_org_put(clr_store *s, const clr_org *o, int create, const clr_lists *lists,
                         clr_registry_error *err)
{
    int rc = registry_org_put(s, o, create, lists, err);
    return rc ? rc : bump_generation(s);
}

int clr_registry_org_remove(clr_store *s, const char *id, clr_registry_error *err)
{
    int rc = registry_org_remove(s, id, err);
    return rc ? rc : bump_generation(s);
}

int clr_registry_user_put(clr_store *s, const clr_user *u, int create, const clr_lists *lists,
                          clr_registry_error *err)
{
    int rc = registry_user_put(s, u, create, lists, err);
    return rc ? rc : bump_generation(s);
}

int clr_registry_user_remove(clr_store *s, const char *id)
{
    int rc = registry_user_remove(s, id);
    return rc ? rc : bump_generation(s);
}

int clr_registry_key_create(char *secret, clr_api_key *key, clr_store *s, const char *user_id,
                            clr_registry_error *err)
{
    int rc = registry_key_create(secret, key, s, user_id, err);
    return rc ? rc : bump_generation(s);
}

int clr_registry_key_revoke(clr_store *s, const char *id)
{
    int rc = registry_key_revoke(s, id);
    return rc ? rc : bump_generation(s);
}

int clr_registry_adjudicate(clr_store *s, const clr_lists *lists, const clr_adjudication *a,
                            clr_registry_error *err)
{
    int rc = registry_adjudicate(s, lists, a, err);
    return rc ? rc : bump_generation(s);
}

int clr_registry_adjudication_remove(clr_store *s, const char *party, const char *list,
                                     const char *entry)
{
    int rc = registry_adjudication_remove(s, party, list, entry);
    return rc ? rc : bump_generation(s);
}
