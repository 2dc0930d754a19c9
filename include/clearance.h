/*
 * clearance: export-control decisions for AI model requests.
 *
 * The public API of libclearance. Conventions:
 *   - Public symbols are clr_<module>_<verb> and CLR_*.
 *   - Functions that can fail return int: 0 on success or a negative CLR_E* code.
 *     clr_strerror() and clr_errname() turn a code into text. A detailed message
 *     lives on the object that failed (diagnostics list, request error).
 *   - Out-parameters come first; the caller owns what comes back through **out
 *     and releases it with the matching _free/_unref function.
 *   - A decision is not an error: anything that goes wrong while deciding yields
 *     a deny with a reason (fail closed).
 *   - The library never aborts and never exits.
 */
#ifndef CLEARANCE_H
#define CLEARANCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CLR_VERSION "0.1.0"

/* ------------------------------------------------------------------------- */
/* Errors                                                                     */
/* ------------------------------------------------------------------------- */

/* One table yields every error code, its name and its message. */
#define CLR_ERRNO_MAP(X)                                                                           \
    X(OK, 0, "success")                                                                            \
    X(NOMEM, -1, "out of memory")                                                                  \
    X(IO, -2, "cannot read or write a file")                                                       \
    X(RULEBOOK, -3, "the rulebook has errors")                                                     \
    X(REQUEST, -4, "the request is malformed")                                                     \
    X(INVAL, -5, "invalid argument")                                                               \
    X(LIMIT, -6, "a size limit was exceeded")                                                      \
    X(NOTFOUND, -7, "not found")                                                                   \
    X(LIST, -8, "the list file has errors")                                                        \
    X(STORE, -9, "the store failed")                                                               \
    X(EXIST, -10, "already exists")

enum {
#define CLR__ERR_ENUM(name, code, msg) CLR_E##name = (code),
    CLR_ERRNO_MAP(CLR__ERR_ENUM)
#undef CLR__ERR_ENUM
};

/* The message for an error code; "unknown error" for a code not in the table.
 * The string is static. Thread-safe. */
const char *clr_strerror(int err);

/* The name of an error code without the CLR_E prefix ("NOMEM"); "UNKNOWN" for a
 * code not in the table. The string is static. Thread-safe. */
const char *clr_errname(int err);

/* ------------------------------------------------------------------------- */
/* Time                                                                       */
/* ------------------------------------------------------------------------- */

/* Instants are seconds since 1970-01-01T00:00:00Z, UTC, as int64_t. */
typedef int64_t clr_time;

#define CLR_TIME_MIN INT64_MIN
#define CLR_TIME_MAX INT64_MAX

/* Parses an RFC 3339 timestamp in UTC ("2026-06-12T00:00:00Z", offsets such as
 * "+02:00" allowed, fractional seconds truncated) or a bare date ("2026-06-12",
 * meaning its midnight UTC) of exactly len bytes. Years 1970 to 9999.
 * Returns 0 and sets *out, or CLR_EINVAL for anything else. Thread-safe. */
int clr_time_parse(clr_time *out, const char *s, size_t len);

/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes, NUL added).
 * Returns the length written (20), or CLR_EINVAL if t is out of range. */
int clr_time_format(char *buf, size_t cap, clr_time t);

/* The current time. Thread-safe. */
clr_time clr_time_now(void);

/* ------------------------------------------------------------------------- */
/* Countries                                                                  */
/* ------------------------------------------------------------------------- */

/* Non-zero when s (len bytes) is an officially assigned ISO 3166-1 alpha-2 code,
 * upper case. Thread-safe. */
int clr_country_valid(const char *s, size_t len);

/* ------------------------------------------------------------------------- */
/* Diagnostics (rulebook errors and warnings)                                 */
/* ------------------------------------------------------------------------- */

typedef enum { CLR_DIAG_ERROR = 0, CLR_DIAG_WARNING = 1 } clr_diag_severity;

typedef struct clr_diag {
    clr_diag_severity severity;
    const char *file;        /* as given, or "<embedded>/name" */
    int line;                /* 1-based; 0 when the message concerns no position */
    int column;              /* 1-based, in bytes */
    int length;              /* bytes of the offending text, at least 1 */
    const char *message;     /* one sentence, no trailing newline */
    const char *source_line; /* the whole offending line, without newline; may be "" */
} clr_diag;

typedef struct clr_diags clr_diags;

/* A new, empty diagnostics list. Returns 0 or CLR_ENOMEM. Free with clr_diags_free. */
int clr_diags_new(clr_diags **out);

/* Frees the list and every string in it. NULL is allowed. */
void clr_diags_free(clr_diags *d);

/* The number of diagnostics; of those, the number of errors. */
size_t clr_diags_count(const clr_diags *d);
size_t clr_diags_errors(const clr_diags *d);

/* The i-th diagnostic, in the order found, or NULL past the end. The pointer
 * lives as long as the list. */
const clr_diag *clr_diags_get(const clr_diags *d, size_t i);

/* Prints every diagnostic as "file:line:col: error: message", followed by the
 * source line and a caret line marking the offending text. */
void clr_diags_print(const clr_diags *d, FILE *f);

/* ------------------------------------------------------------------------- */
/* Rulebook sets                                                              */
/* ------------------------------------------------------------------------- */

/* A compiled, immutable set of rulebooks. Reference-counted; shared freely by
 * threads. Every string a decision points at lives in it. */
typedef struct clr_ruleset clr_ruleset;

/* Compiles the rulebook files at paths (files, or directories whose *.rules
 * files are loaded in name order) into one set. Includes are resolved relative
 * to the including file. Every error and warning found is appended to diags
 * (which may be NULL). On success *out holds a set with one reference, which
 * the caller owns. Returns 0, CLR_ERULEBOOK when any error was found, CLR_EIO
 * when a file cannot be read (also reported in diags), or CLR_ENOMEM.
 * Thread-safe. */
int clr_ruleset_load(clr_ruleset **out, const char *const *paths, size_t npaths, clr_diags *diags);

/* Compiles the default rulebooks that are built into the library (the rules/
 * folder of the source tree). Same contract as clr_ruleset_load. */
int clr_ruleset_load_defaults(clr_ruleset **out, clr_diags *diags);

/* Compiles rulebook text held in memory, named name for diagnostics. Includes
 * are resolved relative to base_dir (NULL: the current directory). Same
 * contract as clr_ruleset_load. */
int clr_ruleset_compile(clr_ruleset **out, const char *name, const char *text, size_t len,
                        const char *base_dir, clr_diags *diags);

/* One rulebook source held in memory: its name (a path, as the set that it
 * came from loaded it) and its text. */
typedef struct clr_rule_file {
    const char *name;
    const char *text;
    size_t len;
} clr_rule_file;

/* Compiles a bundle of sources, such as a stored rulebook version: every file
 * in order, an include resolving to the bundle's file named by joining the
 * including file's folder and the included path (as clr_ruleset_load names
 * them), never to the file system. A bundle taken from a set with
 * clr_ruleset_source compiles to the same set, with the same version. Same
 * contract as clr_ruleset_load. */
int clr_ruleset_compile_bundle(clr_ruleset **out, const clr_rule_file *files, size_t n,
                               clr_diags *diags);

/* The number of sources rs was compiled from (included files too). */
size_t clr_ruleset_source_count(const clr_ruleset *rs);

/* The i-th source of rs, in load order: its name and text, which live as long
 * as rs. Returns 0, or CLR_ENOTFOUND past the end. */
int clr_ruleset_source(const clr_ruleset *rs, size_t i, clr_rule_file *out);

/* Adds a reference. Returns rs. Thread-safe. */
clr_ruleset *clr_ruleset_ref(clr_ruleset *rs);

/* Drops a reference; the last one frees the whole set. NULL is allowed.
 * Thread-safe. */
void clr_ruleset_unref(clr_ruleset *rs);

/* A hex digest of every source text that went into the set, in order; it
 * identifies the rules version. Lives as long as rs. */
const char *clr_ruleset_version(const clr_ruleset *rs);

/* Counts of what the set holds. */
size_t clr_ruleset_rulebook_count(const clr_ruleset *rs);
size_t clr_ruleset_rule_count(const clr_ruleset *rs);

/* The id of the i-th rulebook, or NULL past the end. */
const char *clr_ruleset_rulebook_id(const clr_ruleset *rs, size_t i);

/* ------------------------------------------------------------------------- */
/* Requests                                                                   */
/* ------------------------------------------------------------------------- */

#define CLR_ID_MAX 128   /* bytes of an id, model name, use, ... including the NUL */
#define CLR_NAME_MAX 256 /* bytes of a person's or organisation's name, with the NUL */
#define CLR_TAGS_MAX 16  /* tags of an inline model description */

typedef struct clr_principal {
    /* the country codes first, next to the head of org, which rules read
       more often than id */
    char nationality[3];         /* ISO 3166-1 alpha-2 or "" */
    char country[3];             /* where the principal is; or "" */
    char hq[3];                  /* the organisation's headquarters; or "" */
    char org[CLR_ID_MAX];        /* "" when absent */
    char id[CLR_ID_MAX];         /* required */
    char name[CLR_NAME_MAX];     /* the person's name, for screening; or "" */
    char org_name[CLR_NAME_MAX]; /* the organisation's legal name; or "" */
} clr_principal;

/* Describes a model the catalogue lacks ("model_attributes"). */
typedef struct clr_model_attrs {
    int present; /* non-zero when the request carried the object */
    char origin[3];
    char provider[CLR_ID_MAX];
    double training_ops; /* < 0 when absent */
    int open_weights;    /* 0, 1, or -1 when absent */
    size_t ntags;
    char tags[CLR_TAGS_MAX][CLR_ID_MAX];
} clr_model_attrs;

/* A request, fully parsed. Fixed-size: it lives on the stack and needs no
 * freeing. A decision reads a string field eight bytes at a time, up to the
 * word holding its NUL: what follows the NUL is ignored, whatever it is
 * (clr_request_parse zeroes the rest of that word, so that a memory checker
 * sees nothing read that was never written). */
typedef struct clr_request {
    /* what every decision reads comes first: the short fields next to the
       head of a string field, each string field's head on its own cache line
       (a name a decision reads fills the first bytes of its field) */
    clr_time time;       /* defaults to the time of parsing */
    int64_t units;       /* 0 when absent */
    char destination[3]; /* defaults to principal.country */
    char model[CLR_ID_MAX];
    char use[CLR_ID_MAX];
    char integration[CLR_ID_MAX];
    char app[CLR_ID_MAX]; /* "" when absent */
    clr_principal principal;
    char source_ip[46]; /* "" when absent */
    clr_model_attrs model_attributes;
} clr_request;

/* Where and why a request is malformed. */
typedef struct clr_request_error {
    char path[128];    /* JSON path of the offending value, e.g. "$.principal.nationality" */
    char message[256]; /* one sentence */
} clr_request_error;

/* Parses one request from JSON text of len bytes (need not be NUL-terminated).
 * now is the time used when the request names none. Validates required fields,
 * types, country codes and the time. On success returns 0. On malformed input
 * returns CLR_EREQUEST and fills *err (which may be NULL) with the JSON path and
 * a message; *out is then unspecified. Thread-safe; allocates only inside the
 * JSON parser. */
int clr_request_parse(clr_request *out, const char *json, size_t len, clr_time now,
                      clr_request_error *err);

/* Writes req as JSON (the request contract) into buf of cap bytes, NUL added.
 * Returns the length the full text needs, excluding the NUL, as snprintf does;
 * the text is complete only when that is < cap. */
size_t clr_request_to_json(const clr_request *req, char *buf, size_t cap);

/* ------------------------------------------------------------------------- */
/* Decisions                                                                  */
/* ------------------------------------------------------------------------- */

/* Outcomes, ordered by precedence: a greater value wins. */
typedef enum { CLR_ALLOW = 0, CLR_REVIEW = 1, CLR_LICENSE_REQUIRED = 2, CLR_DENY = 3 } clr_outcome;

/* Rule effects. */
typedef enum {
    CLR_EFFECT_REVIEW = 1,
    CLR_EFFECT_LICENSE_REQUIRED = 2,
    CLR_EFFECT_DENY = 3,
    CLR_EFFECT_OBLIGATION = 4
} clr_effect;

/* "allow", "review", "license_required", "deny"; "deny" for any other value. */
const char *clr_outcome_name(clr_outcome o);

/* "review", "license_required", "deny", "obligation". */
const char *clr_effect_name(clr_effect e);

#define CLR_MAX_REASONS 32
#define CLR_MAX_OBLIGATIONS 16
#define CLR_MAX_RULEBOOKS 32
#define CLR_MAX_EXEMPTED 16
#define CLR_EVIDENCE_MAX 512 /* bytes of evidence text a decision holds, NULs included */

/* The list entry a screening condition matched (see clearance_screen.h). */
typedef struct clr_reason_match {
    const char *list;         /* list id; NULL when the reason involves no screening */
    const char *id;           /* the list's own id of the entry */
    const char *name;         /* the entry's primary name */
    const char *matched_name; /* the name or alias that matched */
    const char *query;        /* "principal.name" or "principal.org_name" */
    double score;             /* in [0, 1] */
    int possible;             /* 1: a possible match, awaiting review; 0: a hit */
} clr_reason_match;

typedef struct clr_reason {
    const char *rulebook; /* id; "clearance" for the engine's own reasons */
    const char *rule;
    clr_effect effect;
    const char *citation;   /* "" when none */
    const char *message;    /* "" when none */
    clr_reason_match match; /* match.list is NULL unless a list entry is involved */
    const char *licence;    /* license_required covered by this licence (clr_licences_apply);
                               NULL otherwise */
    const char *evidence;   /* what a red flag saw (clr_redflags_apply), e.g. "source IP
                               203.0.113.9 is in CN; the declared destination is DE"; NULL
                               otherwise. Points into the decision's evidence_buf: a copy of
                               the decision still points into the original's */
} clr_reason;

typedef struct clr_obligation {
    const char *rulebook;
    const char *id;
    const char *citation;
    const char *message;
} clr_obligation;

/* How each rulebook of the set judged the request. */
typedef struct clr_rulebook_result {
    const char *rulebook;
    int applicable;      /* 0: its scope did not hold ("not_applicable") */
    clr_outcome outcome; /* when applicable */
} clr_rulebook_result;

/* A rule that would have fired but an exemption in force switched off. */
typedef struct clr_exempted {
    const char *rulebook;
    const char *rule;
    const char *exemption;
    const char *citation; /* the exemption's */
} clr_exempted;

/* A decision. Fixed-size; the strings it points at live in the ruleset that
 * made it, so keep a reference to that set while the decision is used. */
typedef struct clr_decision {
    clr_outcome outcome;
    size_t nreasons;
    clr_reason reasons[CLR_MAX_REASONS];
    size_t reasons_dropped; /* reasons beyond CLR_MAX_REASONS, counted not kept */
    size_t nobligations;
    clr_obligation obligations[CLR_MAX_OBLIGATIONS];
    size_t obligations_dropped; /* obligations beyond CLR_MAX_OBLIGATIONS, counted */
    size_t nrulebooks;
    clr_rulebook_result rulebooks[CLR_MAX_RULEBOOKS];
    size_t nexempted;
    clr_exempted exempted[CLR_MAX_EXEMPTED];
    size_t nclasses;
    const char *classes[64]; /* classes of the model, in declaration order */
    clr_time at;             /* the instant the rules were evaluated at */
    const char *rules_version;
    char decision_id[37];                /* a UUIDv7 */
    size_t evidence_len;                 /* bytes of evidence_buf in use */
    char evidence_buf[CLR_EVIDENCE_MAX]; /* the reasons' evidence texts */
} clr_decision;

/* Decides req under rs. Never allocates. Always fills *out with a decision:
 * on success returns 0; when the request names a use, integration or other
 * value outside the rulebooks' vocabularies returns CLR_EREQUEST, fills *err
 * (may be NULL) and sets *out to deny with reason "invalid-request"; when rs
 * is NULL returns CLR_EINVAL and sets *out to deny with reason "no-rules".
 * Thread-safe: many threads may decide against one set at once. */
int clr_decide(const clr_ruleset *rs, const clr_request *req, clr_decision *out,
               clr_request_error *err);

typedef struct clr_lists clr_lists;

/* Decides req under rs, screening the request's names (principal.name,
 * principal.org_name) against lists where a rule asks whether a party is "on"
 * a list. Same contract as clr_decide, and: a screening hit makes such a
 * condition true; a possible match (between a list's review and hit
 * thresholds) adds a review reason naming the candidate, for every rule that
 * would fire were it a hit; a name is screened at most once per list
 * selection per decision. When a rule needs screening and lists is NULL, or
 * names a list that lists lacks, the decision is deny with reason
 * "screening-unavailable" (fail closed). A request without names is not
 * screened: "on" is false for an absent name. Allocates nothing beyond what
 * clr_screen_run documents. The strings of screening matches live in lists:
 * keep a reference to it while the decision is used. Thread-safe. */
int clr_decide_screened(const clr_ruleset *rs, const clr_lists *lists, const clr_request *req,
                        clr_decision *out, clr_request_error *err);

/* Where a rule's usage condition (`usage(org, model, 30d) > 1e9`, see
 * docs/language.md) reads the units already used: units returns the units
 * that who (an organisation id when by_user is 0, a user id when 1) used of
 * model (NULL: of every model) over the days whole UTC days up to and
 * including the day of at, or a negative number when it cannot tell (the
 * condition then fails closed: the decision is deny, reason
 * "usage-unavailable"). It must not allocate or block for long; it is called
 * from many threads at once. */
typedef struct clr_usage_source {
    int64_t (*units)(void *arg, int by_user, const char *who, const char *model, int days,
                     clr_time at);
    void *arg;
} clr_usage_source;

/* What a decision may consult besides the rules: each member may be NULL. */
typedef struct clr_decide_env {
    const clr_lists *lists;        /* restricted-party lists, as for clr_decide_screened */
    const clr_usage_source *usage; /* usage so far; NULL: usage conditions fail closed */
} clr_decide_env;

/* Decides req under rs with env (may be NULL: nothing to consult). Same
 * contract as clr_decide_screened, and: a usage condition asks env->usage;
 * when there is none, or it cannot tell, the decision is deny with reason
 * "usage-unavailable". Thread-safe. */
int clr_decide_env_run(const clr_ruleset *rs, const clr_decide_env *env, const clr_request *req,
                       clr_decision *out, clr_request_error *err);

/* Non-zero when some condition of rs reads usage over a trailing window. */
int clr_ruleset_uses_usage(const clr_ruleset *rs);

/* Non-zero when some rule of rs screens names against lists ("on"). */
int clr_ruleset_uses_screening(const clr_ruleset *rs);

/* ------------------------------------------------------------------------- */
/* Licences                                                                   */
/* ------------------------------------------------------------------------- */

/* A set of export licences, each with an optional quantity that decisions
 * draw down. Thread-safe to apply from many threads at once. */
typedef struct clr_licences clr_licences;

/* Parses licences from JSON Lines text of len bytes, one licence a line:
 *   {"id": "L-1", "rulebook": "us-ear", "licensee": "org:acme",
 *    "models": [...], "classes": [...], "destinations": [...], "uses": [...],
 *    "integrations": [...], "from": TIME, "until": TIME,
 *    "quantity": 1000000, "unit": "units" | "requests"}
 * id, rulebook and licensee (an organisation or principal id) are required;
 * an absent list means any value; an absent quantity means unlimited. On
 * success returns 0 and *out, which the caller frees with clr_licences_free.
 * On a malformed line returns CLR_EINVAL and writes "NAME:LINE: PATH: message"
 * into err (cap bytes); CLR_ENOMEM. */
int clr_licences_parse(clr_licences **out, const char *text, size_t len, const char *name,
                       char *err, size_t cap);

/* Frees the set. NULL is allowed. Not while another thread applies it. */
void clr_licences_free(clr_licences *l);

/* Lifts a license_required decision that valid licences cover. When d is
 * license_required (never deny) and every license_required reason is covered
 * by a licence of the reason's rulebook whose licensee is the principal's
 * organisation or id, whose window holds the request's instant, and whose
 * lists admit the request (model or class, destination, use, integration),
 * each licence used is drawn down by the request's units (or by 1 for a
 * licence counted in requests); a licence without enough left, or revoked,
 * covers nothing and the next one that covers is tried. Then the covered
 * reasons name their licence, and the outcome (and each rulebook's) is
 * recomputed from the reasons left, allow when none. Returns the number of
 * licences drawn down (0: d unchanged). The licence ids live in l. Allocates
 * nothing; thread-safe (drawdowns are atomic). A store-backed set
 * (clr_licences_open) leases units from its store when its lease runs short:
 * only then does a call wait for the store. */
int clr_licences_apply(clr_licences *l, const clr_request *req, clr_decision *d);

/* What is left of licence id: sets *left (-1: unlimited) and returns 0, or
 * CLR_ENOTFOUND. */
int clr_licences_remaining(const clr_licences *l, const char *id, int64_t *left);

/* Writes the decision as JSON (the decision contract) into buf of cap bytes,
 * NUL added. Returns the length the full text needs, excluding the NUL, as
 * snprintf does. Never allocates. */
size_t clr_decision_to_json(const clr_decision *d, char *buf, size_t cap);

/* Writes a readable account of how rs decided req into f: each rulebook and
 * why it applied or not, the classes, every rule that fired or was exempted,
 * the obligations and the outcome. Re-evaluates (screening against lists,
 * which may be NULL, as clr_decide_screened does). */
void clr_decision_explain(const clr_ruleset *rs, const clr_lists *lists, const clr_request *req,
                          const clr_decision *d, FILE *f);

/* ------------------------------------------------------------------------- */
/* Classification                                                             */
/* ------------------------------------------------------------------------- */

/* The classes rs derives for a model described by attrs; writes up to cap class
 * names (strings living in rs) to names and returns how many classes apply. */
size_t clr_classify(const clr_ruleset *rs, const clr_model_attrs *attrs, const char **names,
                    size_t cap);

/* ------------------------------------------------------------------------- */
/* Engine: the active rule set, swapped atomically                            */
/* ------------------------------------------------------------------------- */

typedef struct clr_engine clr_engine;

/* A new engine serving rs (a reference is taken; rs may be NULL, in which case
 * every decision is deny "no-rules"). Returns 0 or CLR_ENOMEM. */
int clr_engine_new(clr_engine **out, clr_ruleset *rs);

/* Frees the engine and drops its reference to the active set. */
void clr_engine_free(clr_engine *e);

/* Makes rs the active set (taking a reference) and drops the old one once no
 * reader holds it. Readers never see a half-swapped state. Thread-safe. */
void clr_engine_swap(clr_engine *e, clr_ruleset *rs);

/* The active set with a reference the caller owns (release with
 * clr_ruleset_unref); NULL when none. Thread-safe. */
clr_ruleset *clr_engine_acquire(clr_engine *e);

/* Refreshes a reader's cached reference: when the active set has changed since
 * *cached was taken, drops *cached and stores a reference to the new one.
 * Costs one atomic load when nothing changed. *gen is the reader's generation
 * counter, 0 initially. Thread-safe across readers, each with its own cache. */
const clr_ruleset *clr_engine_current(clr_engine *e, clr_ruleset **cached, uint64_t *gen);

#ifdef __cplusplus
}
#endif

#include "clearance_screen.h"
#include "clearance_store.h"
/* after the store: they name its types */
#include "clearance_impact.h"
#include "clearance_redflags.h"

#endif
