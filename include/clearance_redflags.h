/*
 * clearance: red flags, the know-your-customer signals that make a decision
 * review or deny whatever the rulebooks say (docs/redflags.md).
 *
 * Same conventions as clearance.h: clr_<module>_<verb>, int return 0 or a
 * negative CLR_E* code, out-parameters first, the caller owns **out.
 */
#ifndef CLEARANCE_REDFLAGS_H
#define CLEARANCE_REDFLAGS_H

#include "clearance.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* IP geolocation                                                             */
/* ------------------------------------------------------------------------- */

/* A country database in the MaxMind DB format (GeoLite2-Country, GeoIP2-Country,
 * DB-IP's country databases, ...), mapped read-only. Thread-safe to look up
 * from many threads at once. */
typedef struct clr_geoip clr_geoip;

/* Opens the database at path. On success returns 0 and *out, which the caller
 * closes with clr_geoip_close. When the file cannot be read or is not a MaxMind
 * DB returns CLR_EIO and writes why into err (cap bytes; may be NULL), or
 * CLR_ENOMEM. */
int clr_geoip_open(clr_geoip **out, const char *path, char *err, size_t cap);

/* Closes the database. NULL is allowed. Not while another thread looks up. */
void clr_geoip_close(clr_geoip *g);

/* Looks ip (an IPv4 or IPv6 address as text) up: writes the ISO 3166-1 code of
 * the country the database places it in (its "country", else its
 * "registered_country") into country, or "" when the database does not know
 * the address (private ranges, for instance). Returns 0 then; CLR_EINVAL when
 * ip is not an address; CLR_EIO when the database fails on the lookup (a
 * corrupt file, an IPv6 address in an IPv4-only database, a country that is
 * not two letters). Allocates nothing. Thread-safe. */
int clr_geoip_country(const clr_geoip *g, const char *ip, char country[3]);

/* ------------------------------------------------------------------------- */
/* Country groups of a rule set                                               */
/* ------------------------------------------------------------------------- */

/* Non-zero when member (a country code, model or other name) is in rs's group
 * named group (such as "E:1") at instant at, dated memberships included; 0
 * when it is not, or rs has no such group. Allocates nothing. Thread-safe. */
int clr_ruleset_group_has(const clr_ruleset *rs, const char *group, const char *member,
                          clr_time at);

/* ------------------------------------------------------------------------- */
/* Red flags                                                                  */
/* ------------------------------------------------------------------------- */

/* What to look for. Start from CLR_REDFLAGS_OPTIONS_INIT. */
typedef struct clr_redflags_options {
    unsigned version;              /* 1 */
    const clr_geoip *geoip;        /* NULL: no IP geolocation flags */
    const clr_usage_source *usage; /* NULL: no usage spike flag */
    double spike_factor;           /* today above this many times the average: 5 */
    int64_t spike_minimum;         /* units today below this never spike: 100,000 */
    int spike_days;                /* days of the trailing average, before today: 30 */
} clr_redflags_options;

#define CLR_REDFLAGS_OPTIONS_INIT                                                                  \
    {                                                                                              \
        1, NULL, NULL, 5.0, 100000, 30                                                             \
    }

/* Applies the red flags to d, a decision clr_decide_env_run made for req under
 * rs (before clr_licences_apply and the audit log):
 *   - with opts->geoip and a source_ip the database places in a country:
 *     deny "ip-embargoed-country" when that country is in rs's group E:1 or
 *     E:2 at the request's time, whatever the destination; otherwise review
 *     "ip-country-mismatch" when it differs from the declared destination;
 *     a database that fails on the lookup: deny "geoip-unavailable";
 *   - with opts->usage and an organisation: review "usage-spike" when the
 *     organisation's units today (the current request not counted) are at
 *     least spike_minimum and above spike_factor times its daily average over
 *     the spike_days days before; a source that cannot tell: deny
 *     "usage-unavailable".
 * Each flag is a reason of rulebook "clearance" with its evidence; the outcome
 * is raised to the flag's effect, never lowered, and the rulebooks' own
 * results are left as they judged. Returns the number of reasons added (0: d
 * unchanged); CLR_EINVAL for a NULL argument or an unknown options version.
 * Allocates nothing. Thread-safe. */
int clr_redflags_apply(const clr_redflags_options *opts, const clr_ruleset *rs,
                       const clr_request *req, clr_decision *d);

#ifdef __cplusplus
}
#endif

#endif
