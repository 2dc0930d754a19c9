/* The active rule set of the server: loading at start, reloads from disk
 * (SIGHUP) and from PUT /v1/rules, and the admin token check. A reload is
 * compiled beside the active set and swapped in only when it has no errors,
 * so requests never see a missing or half-built set. */
#include "server.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void describe_source(srv_state *st)
{
    const srv_config *c = st->cfg;
    if (c->nrules == 0) {
        snprintf(st->source, sizeof st->source, "embedded defaults");
        return;
    }
    size_t n = 0;
    st->source[0] = '\0';
    for (size_t i = 0; i < c->nrules && n < sizeof st->source; i++)
        n += (size_t)snprintf(st->source + n, sizeof st->source - n, "%s%s", i ? " " : "",
                              c->rules[i]);
}

/* Compiles the configured rulebooks into *out; prints diagnostics. */
static int load_configured(srv_state *st, clr_ruleset **out)
{
    clr_diags *diags = NULL;
    int rc = clr_diags_new(&diags);
    if (rc)
        return rc;
    const srv_config *c = st->cfg;
    if (c->nrules == 0)
        rc = clr_ruleset_load_defaults(out, diags);
    else
        rc = clr_ruleset_load(out, (const char *const *)c->rules, c->nrules, diags);
    if (clr_diags_count(diags))
        clr_diags_print(diags, stderr);
    clr_diags_free(diags);
    return rc;
}

/* Swaps rs in and records where it came from; called with rules_lock held. */
static void install(srv_state *st, clr_ruleset *rs, const char *source)
{
    clr_engine_swap(st->engine, rs);
    st->generation++;
    st->loaded_at = clr_time_now();
    if (source)
        snprintf(st->source, sizeof st->source, "%s", source);
    else
        describe_source(st);
}

typedef struct srv_history {
    int64_t version;
    clr_time from, until;
    clr_ruleset *rs;
} srv_history;

/* With a store: records rs as the next version (nothing when it is the
 * latest already) and makes it the active version. Called with rules_lock
 * held. Returns 0 or a CLR_E* code after printing why. */
static int record_version(srv_state *st, const clr_ruleset *rs, const char *by, const char *reason)
{
    if (!st->store)
        return 0;
    clr_rules_version v;
    pthread_mutex_lock(&st->store_lock);
    int rc = clr_rules_version_store(&v, st->store, rs, by, reason, clr_time_now());
    if (rc)
        fprintf(stderr, "clearance serve: cannot store the rules version: %s\n",
                rc == CLR_ESTORE || rc == CLR_EINVAL ? clr_store_errmsg(st->store)
                                                     : clr_strerror(rc));
    pthread_mutex_unlock(&st->store_lock);
    if (!rc) {
        st->rules_version = v.version;
        atomic_store(&st->rules_from, v.created_at);
    }
    return rc;
}

/* With a store and no --rules: the store's latest version is the active set.
 * Sets *rs to it (replacing the one given) and returns 0; 1 when the store
 * has no version; a CLR_E* code on failure. */
static int latest_stored(srv_state *st, clr_ruleset **rs)
{
    clr_rules_version v;
    clr_ruleset *stored = NULL;
    pthread_mutex_lock(&st->store_lock);
    int rc = clr_rules_version_latest(&v, st->store);
    if (rc == 0)
        rc = clr_rules_version_load(&stored, &v, st->store, 0, v.version, NULL);
    pthread_mutex_unlock(&st->store_lock);
    if (rc == CLR_ENOTFOUND)
        return 1;
    if (rc) {
        fprintf(stderr, "clearance serve: cannot load the store's rules version: %s\n",
                rc == CLR_ESTORE ? clr_store_errmsg(st->store) : clr_strerror(rc));
        return rc;
    }
    if (strcmp(clr_ruleset_version(stored), clr_ruleset_version(*rs)) != 0)
        fprintf(stderr,
                "clearance serve: the store's rules version %lld is active; the built-in rules "
                "differ (put them in force with 'clearance rules push')\n",
                (long long)v.version);
    clr_ruleset_unref(*rs);
    *rs = stored;
    st->rules_version = v.version;
    atomic_store(&st->rules_from, v.created_at);
    snprintf(st->source, sizeof st->source, "store version %lld", (long long)v.version);
    return 0;
}

int srv_rules_init(srv_state *st)
{
    clr_ruleset *rs = NULL;
    int rc = load_configured(st, &rs);
    if (rc)
        return rc;
    describe_source(st);
    if (st->store) {
        int lrc = st->cfg->nrules == 0 ? latest_stored(st, &rs) : 1;
        if (lrc == 1) {
            char reason[600];
            snprintf(reason, sizeof reason, "loaded at start from %s", st->source);
            lrc = record_version(st, rs, "clearance serve", reason);
        }
        if (lrc) {
            clr_ruleset_unref(rs);
            return lrc;
        }
    }
    rc = clr_engine_new(&st->engine, rs);
    if (rc == 0) {
        st->generation = 1;
        st->loaded_at = clr_time_now();
    }
    clr_ruleset_unref(rs);
    return rc;
}

void srv_rules_sync(srv_state *st)
{
    if (!st->store)
        return;
    clr_rules_version v;
    pthread_mutex_lock(&st->store_lock);
    int rc = clr_rules_version_latest(&v, st->store);
    pthread_mutex_unlock(&st->store_lock);
    pthread_mutex_lock(&st->rules_lock);
    if (rc == 0 && v.version > st->rules_version) {
        clr_ruleset *rs = NULL;
        pthread_mutex_lock(&st->store_lock);
        int lrc = clr_rules_version_load(&rs, &v, st->store, 0, v.version, NULL);
        pthread_mutex_unlock(&st->store_lock);
        if (lrc == 0) {
            char source[64];
            snprintf(source, sizeof source, "store version %lld", (long long)v.version);
            install(st, rs, source);
            st->rules_version = v.version;
            atomic_store(&st->rules_from, v.created_at);
            fprintf(stderr, "clearance serve: rules version %lld from the store (%s, by %s)\n",
                    (long long)v.version, v.digest, v.created_by);
        } else {
            fprintf(stderr,
                    "clearance serve: rules version %lld cannot be loaded (%s); the active "
                    "rules keep serving\n",
                    (long long)v.version, clr_strerror(lrc));
        }
        srv_metrics_reload(st->metrics, lrc == 0);
        clr_ruleset_unref(rs);
    }
    pthread_mutex_unlock(&st->rules_lock);
}

const clr_ruleset *srv_rules_for(srv_req *r, clr_time at)
{
    srv_state *st = r->st;
    /* the active version answers from its start on, and when it is the first
       version, for every earlier instant too */
    if (!st->store || at >= atomic_load_explicit(&st->rules_from, memory_order_relaxed) ||
        atomic_load_explicit(&st->rules_version, memory_order_relaxed) <= 1)
        return srv_worker_rules(r->w);
    const clr_ruleset *found = NULL;
    pthread_mutex_lock(&st->history_lock);
    for (size_t i = 0; i < st->nhistory && !found; i++)
        if (st->history[i].from <= at && at < st->history[i].until)
            found = st->history[i].rs;
    if (!found && st->nhistory == st->caphistory) {
        size_t cap = st->caphistory ? st->caphistory * 2 : 8;
        srv_history *h = realloc(st->history, cap * sizeof *h);
        if (h) {
            st->history = h;
            st->caphistory = cap;
        }
    }
    if (!found && st->nhistory < st->caphistory) {
        clr_rules_version v;
        clr_ruleset *rs = NULL;
        pthread_mutex_lock(&st->store_lock);
        int rc = clr_rules_version_load(&rs, &v, st->store, at, 0, NULL);
        pthread_mutex_unlock(&st->store_lock);
        if (rc == 0) {
            srv_history *h = &st->history[st->nhistory++];
            h->version = v.version;
            /* before the first version, the first one answers */
            h->from = v.version == 1 ? CLR_TIME_MIN : v.created_at;
            h->until = v.until;
            h->rs = rs;
            found = rs;
        }
    }
    pthread_mutex_unlock(&st->history_lock);
    return found;
}

void srv_rules_history_free(srv_state *st)
{
    for (size_t i = 0; i < st->nhistory; i++)
        clr_ruleset_unref(st->history[i].rs);
    free(st->history);
    st->history = NULL;
    st->nhistory = st->caphistory = 0;
}

int srv_rules_reload(srv_state *st)
{
    clr_ruleset *rs = NULL;
    pthread_mutex_lock(&st->rules_lock);
    int rc = load_configured(st, &rs);
    if (rc == 0)
        rc = record_version(st, rs, "clearance serve", "reloaded on SIGHUP");
    if (rc == 0)
        install(st, rs, NULL);
    pthread_mutex_unlock(&st->rules_lock);
    srv_metrics_reload(st->metrics, rc == 0);
    if (rc)
        fprintf(stderr, "clearance serve: reload refused (%s); the active rules keep serving\n",
                clr_strerror(rc));
    else
        fprintf(stderr, "clearance serve: rules reloaded (%s)\n", clr_ruleset_version(rs));
    clr_ruleset_unref(rs);
    return rc;
}

static void put_diags(srv_buf *json, const clr_diags *diags)
{
    srv_buf_puts(json, "\"diagnostics\":[");
    for (size_t i = 0; i < clr_diags_count(diags); i++) {
        const clr_diag *d = clr_diags_get(diags, i);
        srv_buf_printf(json, "%s{\"severity\":\"%s\",\"file\":", i ? "," : "",
                       d->severity == CLR_DIAG_ERROR ? "error" : "warning");
        srv_buf_json_str(json, d->file ? d->file : "", d->file ? strlen(d->file) : 0);
        srv_buf_printf(json, ",\"line\":%d,\"column\":%d,\"length\":%d,\"message\":", d->line,
                       d->column, d->length);
        srv_buf_json_str(json, d->message ? d->message : "", d->message ? strlen(d->message) : 0);
        srv_buf_puts(json, ",\"source_line\":");
        srv_buf_json_str(json, d->source_line ? d->source_line : "",
                         d->source_line ? strlen(d->source_line) : 0);
        srv_buf_puts(json, "}");
    }
    srv_buf_puts(json, "]");
}

/* Appends the description of the active set; called with rules_lock held. */
static void describe_locked(srv_state *st, srv_buf *json)
{
    clr_ruleset *rs = clr_engine_acquire(st->engine);
    char at[32] = "";
    clr_time_format(at, sizeof at, st->loaded_at);
    srv_buf_printf(json, "{\"version\":%llu,\"hash\":", (unsigned long long)st->generation);
    const char *hash = rs ? clr_ruleset_version(rs) : "";
    srv_buf_json_str(json, hash, strlen(hash));
    srv_buf_printf(json, ",\"loaded_at\":\"%s\",\"source\":", at);
    srv_buf_json_str(json, st->source, strlen(st->source));
    srv_buf_printf(json, ",\"rules\":%zu,\"rulebooks\":[", rs ? clr_ruleset_rule_count(rs) : 0);
    for (size_t i = 0; rs && i < clr_ruleset_rulebook_count(rs); i++) {
        const char *id = clr_ruleset_rulebook_id(rs, i);
        if (i)
            srv_buf_puts(json, ",");
        srv_buf_json_str(json, id, strlen(id));
    }
    srv_buf_puts(json, "]}");
    clr_ruleset_unref(rs);
}

void srv_rules_describe(srv_state *st, srv_buf *json)
{
    pthread_mutex_lock(&st->rules_lock);
    describe_locked(st, json);
    pthread_mutex_unlock(&st->rules_lock);
}

int srv_rules_replace(srv_state *st, const char *text, size_t len, const char *by,
                      const char *reason, srv_buf *json)
{
    clr_diags *diags = NULL;
    clr_ruleset *rs = NULL;
    int rc = clr_diags_new(&diags);
    if (rc)
        return rc;
    pthread_mutex_lock(&st->rules_lock);
    rc = clr_ruleset_compile(&rs, "PUT /v1/rules", text, len, NULL, diags);
    if (rc == 0 && record_version(st, rs, by && *by ? by : "admin", reason ? reason : "") != 0)
        rc = CLR_ESTORE;
    if (rc == 0) {
        install(st, rs, "PUT /v1/rules");
        srv_buf_puts(json, "{\"rules\":");
        describe_locked(st, json);
        srv_buf_puts(json, ",");
    } else {
        srv_buf_puts(json, "{\"error\":");
        const char *msg = clr_strerror(rc);
        srv_buf_json_str(json, msg, strlen(msg));
        srv_buf_puts(json, ",");
    }
    pthread_mutex_unlock(&st->rules_lock);
    put_diags(json, diags);
    srv_buf_puts(json, "}");
    srv_metrics_reload(st->metrics, rc == 0);
    clr_ruleset_unref(rs);
    clr_diags_free(diags);
    return rc;
}

int srv_admin_ok(srv_state *st, const char *authorization)
{
    static const char prefix[] = "Bearer ";
    if (!st->admin_enabled || !authorization ||
        strncmp(authorization, prefix, sizeof prefix - 1) != 0)
        return 0;
    const char *token = authorization + sizeof prefix - 1;
    unsigned char digest[32];
    crypto_generichash(digest, sizeof digest, (const unsigned char *)token, strlen(token), NULL, 0);
    return sodium_memcmp(digest, st->admin_digest, sizeof digest) == 0;
}
