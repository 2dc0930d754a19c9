/* Red flags: know-your-customer signals applied to a decision after the
 * rulebooks have judged it. Each flag is a reason of rulebook "clearance"
 * carrying its evidence in the decision's own buffer. No allocation here. */
#include "clearance.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char KYC_CITATION[] = "15 CFR 732 Supplement No. 3 (know your customer; red flags)";

/* Copies text into d's evidence buffer; NULL when it is full. */
static const char *keep_evidence(clr_decision *d, const char *text)
{
    size_t n = strlen(text) + 1;
    if (d->evidence_len > sizeof d->evidence_buf || n > sizeof d->evidence_buf - d->evidence_len)
        return NULL;
    char *at = d->evidence_buf + d->evidence_len;
    memcpy(at, text, n);
    d->evidence_len += n;
    return at;
}

/* Adds a red flag's reason and raises the outcome to its effect. */
static void flag(clr_decision *d, const char *rule, clr_effect effect, const char *citation,
                 const char *message, const char *fmt, ...)
{
    if ((clr_outcome)effect > d->outcome)
        d->outcome = (clr_outcome)effect;
    if (d->nreasons >= CLR_MAX_REASONS) {
        d->reasons_dropped++;
        return;
    }
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    clr_reason *r = &d->reasons[d->nreasons++];
    memset(r, 0, sizeof *r);
    r->rulebook = "clearance";
    r->rule = rule;
    r->effect = effect;
    r->citation = citation;
    r->message = message;
    r->match.list = NULL;
    r->licence = NULL;
    r->evidence = keep_evidence(d, text);
}

/* v with thousands separators: "12,000,000". */
static const char *grouped(char buf[32], int64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, (uint64_t)(v < 0 ? 0 : v));
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

static int geoip_flags(const clr_redflags_options *o, const clr_ruleset *rs, const clr_request *req,
                       clr_decision *d)
{
    char cc[3];
    int rc = clr_geoip_country(o->geoip, req->source_ip, cc);
    if (rc) {
        flag(d, "geoip-unavailable", CLR_EFFECT_DENY, "",
             "The IP geolocation database could not place the request's source address: "
             "denied (fail closed).",
             "the country database failed on the lookup of %s", req->source_ip);
        return 1;
    }
    if (!cc[0])
        return 0; /* an address the database does not know: no signal */
    const char *group = clr_ruleset_group_has(rs, "E:1", cc, req->time)   ? "E:1"
                        : clr_ruleset_group_has(rs, "E:2", cc, req->time) ? "E:2"
                                                                          : NULL;
    if (group) {
        flag(d, "ip-embargoed-country", CLR_EFFECT_DENY, KYC_CITATION,
             "The request comes from an IP address in an embargoed country.",
             "source IP %s is in %s (country group %s); the declared destination is %s",
             req->source_ip, cc, group, req->destination[0] ? req->destination : "not stated");
        return 1;
    }
    if (req->destination[0] && strcmp(cc, req->destination) != 0) {
        flag(d, "ip-country-mismatch", CLR_EFFECT_REVIEW, KYC_CITATION,
             "The request comes from an IP address outside its declared destination: a "
             "reviewer must confirm where the model is used.",
             "source IP %s is in %s; the declared destination is %s", req->source_ip, cc,
             req->destination);
        return 1;
    }
    return 0;
}

static int usage_flags(const clr_redflags_options *o, const clr_request *req, clr_decision *d)
{
    const clr_usage_source *u = o->usage;
    const char *org = req->principal.org;
    if (!org[0])
        return 0; /* no organisation: no usage of its own to compare */
    int days = o->spike_days > 0 ? o->spike_days : 30;
    int64_t today = u->units ? u->units(u->arg, 0, org, NULL, 1, req->time) : -1;
    int64_t before = u->units ? u->units(u->arg, 0, org, NULL, days, req->time - 86400) : -1;
    if (today < 0 || before < 0) {
        flag(d, "usage-unavailable", CLR_EFFECT_DENY, "",
             "The usage-spike check reads usage figures and none are available: denied (fail "
             "closed).",
             "the units of %s today and over the %d days before could not be read", org, days);
        return 1;
    }
    double average = (double)before / days;
    if (today < o->spike_minimum || (double)today <= o->spike_factor * average)
        return 0;
    char a[32], b[32], c[32];
    flag(d, "usage-spike", CLR_EFFECT_REVIEW, KYC_CITATION,
         "The organisation's usage today is far above its own trailing daily average: a "
         "reviewer must confirm it.",
         "%s units today; %d-day average %s (a spike is above %g times the average and at "
         "least %s units)",
         grouped(a, today), days, grouped(b, (int64_t)(average + 0.5)), o->spike_factor,
         grouped(c, o->spike_minimum));
    return 1;
}

int clr_redflags_apply(const clr_redflags_options *opts, const clr_ruleset *rs,
                       const clr_request *req, clr_decision *d)
{
    if (!opts || !req || !d || opts->version != 1)
        return CLR_EINVAL;
    size_t before = d->nreasons + d->reasons_dropped;
    if (opts->geoip && req->source_ip[0])
        geoip_flags(opts, rs, req, d);
    if (opts->usage)
        usage_flags(opts, req, d);
    return (int)(d->nreasons + d->reasons_dropped - before);
}
