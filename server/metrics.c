/* Prometheus metrics, sharded per worker thread. */
#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SHARDS 256
#define LABEL_SLOTS 2048 /* per shard, a power of two */
#define KEY_MAX (3 * CLR_ID_MAX)

static const double latency_bounds[] = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
                                        0.001,   0.0025,   0.005,   0.01,   0.025,   0.1};
#define NBUCKETS (sizeof latency_bounds / sizeof latency_bounds[0])

static const int status_codes[] = {200, 400, 401, 403, 404, 405, 408, 413, 431, 500, 503};
#define NSTATUS (sizeof status_codes / sizeof status_codes[0])

static const char *const error_labels[] = {
#define SRV__ERR_LABEL(name, label) label,
    SRV_ERROR_MAP(SRV__ERR_LABEL)
#undef SRV__ERR_LABEL
};

enum { LABEL_RULE = 1, LABEL_RULEBOOK = 2 };

/* A counter for one label set: rulebook, rule and effect, or rulebook and its
 * result. The key holds the label values separated by 0x1f. */
typedef struct label_slot {
    _Atomic uint32_t ready;
    uint32_t hash;
    uint8_t kind;
    char key[KEY_MAX];
    _Atomic uint64_t count;
} label_slot;

struct srv_metrics_shard {
    _Atomic uint64_t outcomes[4];
    _Atomic uint64_t buckets[NBUCKETS + 1];
    _Atomic uint64_t latency_ns;
    _Atomic uint64_t latency_count;
    _Atomic uint64_t status[NSTATUS + 1];
    _Atomic uint64_t errors[SRV_ERR_COUNT];
    _Atomic uint64_t label_overflow;
    label_slot labels[LABEL_SLOTS];
};

struct srv_metrics {
    pthread_mutex_t lock;
    size_t nshards;
    srv_metrics_shard *shards[MAX_SHARDS];
    _Atomic uint64_t reloads_ok;
    _Atomic uint64_t reloads_failed;
};

static void inc(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static uint64_t get(_Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

int srv_metrics_new(srv_metrics **out)
{
    srv_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return CLR_ENOMEM;
    pthread_mutex_init(&m->lock, NULL);
    *out = m;
    return 0;
}

void srv_metrics_free(srv_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nshards; i++)
        free(m->shards[i]);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

srv_metrics_shard *srv_metrics_shard_new(srv_metrics *m)
{
    srv_metrics_shard *s = NULL;
    pthread_mutex_lock(&m->lock);
    if (m->nshards < MAX_SHARDS && (s = calloc(1, sizeof *s)) != NULL)
        m->shards[m->nshards++] = s;
    pthread_mutex_unlock(&m->lock);
    return s;
}

/* Builds "a\x1fb[\x1fc]" into key; returns its length. Values are cut to fit. */
static size_t make_key(char key[KEY_MAX], const char *a, const char *b, const char *c)
{
    size_t n = 0;
    const char *parts[3] = {a, b, c};
    for (int i = 0; i < 3 && parts[i]; i++) {
        if (i)
            key[n++] = 0x1f;
        for (const char *p = parts[i]; *p && n < KEY_MAX / 3 * (size_t)(i + 1) - 1; p++)
            key[n++] = *p;
    }
    key[n] = '\0';
    return n;
}

static uint32_t hash_key(const char *key, size_t n, uint8_t kind)
{
    uint32_t h = 2166136261u ^ kind;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)key[i]) * 16777619u;
    return h;
}

static void count_label(srv_metrics_shard *s, uint8_t kind, const char *a, const char *b,
                        const char *c)
{
    char key[KEY_MAX];
    size_t n = make_key(key, a ? a : "", b ? b : "", c);
    uint32_t h = hash_key(key, n, kind);
    for (uint32_t i = 0; i < LABEL_SLOTS; i++) {
        label_slot *sl = &s->labels[(h + i) & (LABEL_SLOTS - 1)];
        if (!atomic_load_explicit(&sl->ready, memory_order_acquire)) {
            /* only the owning thread inserts, so the slot is ours */
            sl->hash = h;
            sl->kind = kind;
            memcpy(sl->key, key, n + 1);
            atomic_store_explicit(&sl->count, 1, memory_order_relaxed);
            atomic_store_explicit(&sl->ready, 1, memory_order_release);
            return;
        }
        if (sl->hash == h && sl->kind == kind && strcmp(sl->key, key) == 0) {
            inc(&sl->count);
            return;
        }
    }
    inc(&s->label_overflow);
}

void srv_metrics_decision(srv_metrics_shard *s, const clr_decision *d)
{
    if (!s)
        return;
    unsigned o = (unsigned)d->outcome <= CLR_DENY ? (unsigned)d->outcome : CLR_DENY;
    inc(&s->outcomes[o]);
    for (size_t i = 0; i < d->nrulebooks && i < CLR_MAX_RULEBOOKS; i++) {
        const clr_rulebook_result *r = &d->rulebooks[i];
        count_label(s, LABEL_RULEBOOK, r->rulebook,
                    r->applicable ? clr_outcome_name(r->outcome) : "not_applicable", NULL);
    }
    for (size_t i = 0; i < d->nreasons && i < CLR_MAX_REASONS; i++)
        count_label(s, LABEL_RULE, d->reasons[i].rulebook, d->reasons[i].rule,
                    clr_effect_name(d->reasons[i].effect));
    for (size_t i = 0; i < d->nobligations && i < CLR_MAX_OBLIGATIONS; i++)
        count_label(s, LABEL_RULE, d->obligations[i].rulebook, d->obligations[i].id,
                    clr_effect_name(CLR_EFFECT_OBLIGATION));
}

void srv_metrics_latency(srv_metrics_shard *s, uint64_t ns)
{
    if (!s)
        return;
    double sec = (double)ns / 1e9;
    size_t b = 0;
    while (b < NBUCKETS && sec > latency_bounds[b])
        b++;
    inc(&s->buckets[b]);
    atomic_fetch_add_explicit(&s->latency_ns, ns, memory_order_relaxed);
    inc(&s->latency_count);
}

void srv_metrics_status(srv_metrics_shard *s, int status)
{
    if (!s)
        return;
    size_t i = 0;
    while (i < NSTATUS && status_codes[i] != status)
        i++;
    inc(&s->status[i]);
}

void srv_metrics_error(srv_metrics_shard *s, srv_error_kind kind)
{
    if (s && (unsigned)kind < SRV_ERR_COUNT)
        inc(&s->errors[kind]);
}

void srv_metrics_reload(srv_metrics *m, int ok)
{
    inc(ok ? &m->reloads_ok : &m->reloads_failed);
}

/* A label value, escaped as the exposition format requires. */
static void put_label(srv_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '"')
            srv_buf_append(out, "\\", 1);
        if (s[i] == '\n')
            srv_buf_append(out, "\\n", 2);
        else
            srv_buf_append(out, &s[i], 1);
    }
}

typedef struct label_sum {
    uint8_t kind;
    const char *key;
    uint64_t count;
} label_sum;

static int cmp_label(const void *a, const void *b)
{
    const label_sum *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Writes name{l1="..",l2=".."[,l3=".."]} value for one summed label set. */
static void put_label_metric(srv_buf *out, const char *name, const char *const *labels,
                             const label_sum *ls)
{
    srv_buf_printf(out, "%s{", name);
    const char *p = ls->key;
    for (int i = 0; labels[i]; i++) {
        const char *end = strchr(p, 0x1f);
        size_t n = end ? (size_t)(end - p) : strlen(p);
        srv_buf_printf(out, "%s%s=\"", i ? "," : "", labels[i]);
        put_label(out, p, n);
        srv_buf_puts(out, "\"");
        p = end ? end + 1 : p + n;
    }
    srv_buf_printf(out, "} %llu\n", (unsigned long long)ls->count);
}

int srv_metrics_render(srv_metrics *m, srv_buf *out, uint64_t rules_generation,
                       clr_time rules_loaded_at, int ready)
{
    uint64_t outcomes[4] = {0}, buckets[NBUCKETS + 1] = {0}, status[NSTATUS + 1] = {0};
    uint64_t errors[SRV_ERR_COUNT] = {0}, lat_ns = 0, lat_n = 0, overflow = 0;
    label_sum *sums = NULL;
    size_t nsums = 0;

    pthread_mutex_lock(&m->lock);
    size_t nshards = m->nshards;
    sums = malloc(sizeof *sums * (nshards * LABEL_SLOTS + 1));
    for (size_t i = 0; i < nshards; i++) {
        srv_metrics_shard *s = m->shards[i];
        for (size_t k = 0; k < 4; k++)
            outcomes[k] += get(&s->outcomes[k]);
        for (size_t k = 0; k <= NBUCKETS; k++)
            buckets[k] += get(&s->buckets[k]);
        for (size_t k = 0; k <= NSTATUS; k++)
            status[k] += get(&s->status[k]);
        for (size_t k = 0; k < SRV_ERR_COUNT; k++)
            errors[k] += get(&s->errors[k]);
        lat_ns += get(&s->latency_ns);
        lat_n += get(&s->latency_count);
        overflow += get(&s->label_overflow);
        for (size_t k = 0; sums && k < LABEL_SLOTS; k++) {
            label_slot *sl = &s->labels[k];
            if (!atomic_load_explicit(&sl->ready, memory_order_acquire))
                continue;
            sums[nsums++] = (label_sum){sl->kind, sl->key, get(&sl->count)};
        }
    }
    pthread_mutex_unlock(&m->lock);
    if (!sums)
        return -1;
    qsort(sums, nsums, sizeof *sums, cmp_label);
    size_t w = 0;
    for (size_t i = 0; i < nsums; i++) {
        if (w > 0 && cmp_label(&sums[w - 1], &sums[i]) == 0)
            sums[w - 1].count += sums[i].count;
        else
            sums[w++] = sums[i];
    }
    nsums = w;

    srv_buf_puts(out, "# HELP clearance_decisions_total Decisions made, by outcome.\n"
                      "# TYPE clearance_decisions_total counter\n");
    for (int o = CLR_ALLOW; o <= CLR_DENY; o++)
        srv_buf_printf(out, "clearance_decisions_total{outcome=\"%s\"} %llu\n",
                       clr_outcome_name((clr_outcome)o), (unsigned long long)outcomes[o]);

    static const char *const rb_labels[] = {"rulebook", "result", NULL};
    static const char *const rule_labels[] = {"rulebook", "rule", "effect", NULL};
    srv_buf_puts(out, "# HELP clearance_rulebook_results_total How each rulebook judged the "
                      "requests decided.\n# TYPE clearance_rulebook_results_total counter\n");
    for (size_t i = 0; i < nsums; i++)
        if (sums[i].kind == LABEL_RULEBOOK)
            put_label_metric(out, "clearance_rulebook_results_total", rb_labels, &sums[i]);
    srv_buf_puts(out, "# HELP clearance_rule_fired_total Rules and obligations that fired.\n"
                      "# TYPE clearance_rule_fired_total counter\n");
    for (size_t i = 0; i < nsums; i++)
        if (sums[i].kind == LABEL_RULE)
            put_label_metric(out, "clearance_rule_fired_total", rule_labels, &sums[i]);
    srv_buf_printf(out,
                   "# HELP clearance_metric_labels_dropped_total Label sets not counted because "
                   "a shard's table was full.\n# TYPE clearance_metric_labels_dropped_total "
                   "counter\nclearance_metric_labels_dropped_total %llu\n",
                   (unsigned long long)overflow);

    srv_buf_puts(out, "# HELP clearance_decision_duration_seconds Time from a decision request's "
                      "headers to its response, per HTTP request.\n"
                      "# TYPE clearance_decision_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (size_t k = 0; k < NBUCKETS; k++) {
        cum += buckets[k];
        srv_buf_printf(out, "clearance_decision_duration_seconds_bucket{le=\"%g\"} %llu\n",
                       latency_bounds[k], (unsigned long long)cum);
    }
    cum += buckets[NBUCKETS];
    srv_buf_printf(out,
                   "clearance_decision_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
                   "clearance_decision_duration_seconds_sum %.9f\n"
                   "clearance_decision_duration_seconds_count %llu\n",
                   (unsigned long long)cum, (double)lat_ns / 1e9, (unsigned long long)lat_n);

    srv_buf_puts(out, "# HELP clearance_http_responses_total HTTP responses, by status code.\n"
                      "# TYPE clearance_http_responses_total counter\n");
    for (size_t k = 0; k < NSTATUS; k++)
        srv_buf_printf(out, "clearance_http_responses_total{code=\"%d\"} %llu\n", status_codes[k],
                       (unsigned long long)status[k]);
    srv_buf_printf(out, "clearance_http_responses_total{code=\"other\"} %llu\n",
                   (unsigned long long)status[NSTATUS]);

    srv_buf_puts(out, "# HELP clearance_errors_total Requests refused or failed, by kind.\n"
                      "# TYPE clearance_errors_total counter\n");
    for (size_t k = 0; k < SRV_ERR_COUNT; k++)
        srv_buf_printf(out, "clearance_errors_total{kind=\"%s\"} %llu\n", error_labels[k],
                       (unsigned long long)errors[k]);

    srv_buf_printf(out,
                   "# HELP clearance_rules_reloads_total Rule set reloads (PUT /v1/rules, "
                   "SIGHUP), by result.\n# TYPE clearance_rules_reloads_total counter\n"
                   "clearance_rules_reloads_total{result=\"ok\"} %llu\n"
                   "clearance_rules_reloads_total{result=\"refused\"} %llu\n"
                   "# HELP clearance_rules_generation The active rule set's generation (1 at "
                   "start, +1 per reload).\n# TYPE clearance_rules_generation gauge\n"
                   "clearance_rules_generation %llu\n"
                   "# HELP clearance_rules_loaded_timestamp_seconds When the active rule set was "
                   "loaded.\n# TYPE clearance_rules_loaded_timestamp_seconds gauge\n"
                   "clearance_rules_loaded_timestamp_seconds %lld\n"
                   "# HELP clearance_ready 1 while the server takes requests, 0 while draining.\n"
                   "# TYPE clearance_ready gauge\nclearance_ready %d\n",
                   (unsigned long long)get(&m->reloads_ok),
                   (unsigned long long)get(&m->reloads_failed),
                   (unsigned long long)rules_generation, (long long)rules_loaded_at, ready);
    free(sums);
    return out->oom ? -1 : 0;
}
