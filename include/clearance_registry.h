/*
 * clearance: the customer registry (know your customer), docs/store.md.
 *
 * Organisations, users and API keys kept in the store; the screening of every
 * registered party against restricted-party lists, on registration and again
 * whenever the lists change; reviewers' adjudications of possible matches; and
 * an immutable, reference-counted snapshot of it all that the decision path
 * reads without allocating. Same conventions as clearance.h.
 */
#ifndef CLEARANCE_REGISTRY_H
#define CLEARANCE_REGISTRY_H

#include "clearance.h"
#include "clearance_screen.h"
#include "clearance_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Records                                                                    */
/* ------------------------------------------------------------------------- */

#define CLR_ORG_ALIASES_MAX 8
#define CLR_PARTY_MAX (CLR_ID_MAX + 5) /* "org:ID" or "user:ID" */
#define CLR_DIGEST_HEX 33              /* a list entry's digest: 32 hex digits and a NUL */

typedef struct clr_org {
    char id[CLR_ID_MAX];           /* required */
    char legal_name[CLR_NAME_MAX]; /* required */
    size_t naliases;
    char aliases[CLR_ORG_ALIASES_MAX][CLR_NAME_MAX]; /* other names it trades under */
    char country[3];                                 /* of incorporation; or "" */
    char hq[3];                                      /* headquarters; or "" */
    char parent[CLR_ID_MAX];                         /* a registered organisation; or "" */
} clr_org;

typedef struct clr_user {
    char id[CLR_ID_MAX];     /* required; the principal id requests name */
    char name[CLR_NAME_MAX]; /* the person's name, screened; or "" */
    char org[CLR_ID_MAX];    /* a registered organisation; or "" */
    char nationality[3];     /* or "" */
    char country[3];         /* where the user is; or "" */
} clr_user;

typedef struct clr_api_key {
    char id[17]; /* 16 hex digits, public: the secret starts "clr_<id>_" */
    char user[CLR_ID_MAX];
    clr_time created;
    clr_time revoked; /* 0 while valid */
} clr_api_key;

/* Why a record was refused: the field (JSON member name, "id", "country", ...)
 * and one sentence. */
typedef struct clr_registry_error {
    char field[32];
    char message[256];
} clr_registry_error;

/* ------------------------------------------------------------------------- */
/* CRUD (one store handle, one thread at a time)                              */
/* ------------------------------------------------------------------------- */

/* Checks o: id 1..CLR_ID_MAX-1 bytes of printable ASCII without spaces,
 * legal_name and aliases 1..CLR_NAME_MAX-1 bytes without control characters,
 * country and hq assigned ISO 3166-1 alpha-2 codes or "", parent not o itself.
 * Returns 0 or CLR_EINVAL with *err (may be NULL) naming the field. */
int clr_org_validate(const clr_org *o, clr_registry_error *err);

/* Checks u the same way (name may be ""; nationality and country ISO codes or
 * ""). Returns 0 or CLR_EINVAL with *err. */
int clr_user_validate(const clr_user *u, clr_registry_error *err);

/* Stores o: create non-zero refuses an existing id (CLR_EEXIST), zero creates
 * or replaces. A parent must be registered (CLR_EINVAL, field "parent"). When
 * lists is not NULL the organisation's legal name and aliases are screened and
 * the results stored (clr_registry_screen_party). Returns 0, CLR_EINVAL (with
 * *err), CLR_EEXIST, CLR_ESTORE (message on s) or CLR_ENOMEM. */
int clr_registry_org_put(clr_store *s, const clr_org *o, int create, const clr_lists *lists,
                         clr_registry_error *err);

/* Reads organisation id into *out. Returns 0, CLR_ENOTFOUND or CLR_ESTORE. */
int clr_registry_org_get(clr_org *out, clr_store *s, const char *id);

/* Removes organisation id with its screening results and adjudications.
 * Refused (CLR_EINVAL, *err) while a user or organisation names it. Returns 0,
 * CLR_ENOTFOUND, CLR_EINVAL or CLR_ESTORE. */
int clr_registry_org_remove(clr_store *s, const char *id, clr_registry_error *err);

/* Calls fn for every organisation in id order; fn returns non-zero to stop,
 * and that value is returned. Otherwise returns 0 or CLR_ESTORE. */
int clr_registry_org_list(clr_store *s, int (*fn)(void *arg, const clr_org *o), void *arg);

/* Stores u as clr_registry_org_put stores an organisation; u->org must be
 * registered (field "org"); the person's name is screened when lists is not
 * NULL and the name is not empty. */
int clr_registry_user_put(clr_store *s, const clr_user *u, int create, const clr_lists *lists,
                          clr_registry_error *err);
int clr_registry_user_get(clr_user *out, clr_store *s, const char *id);

/* Removes user id, its keys, screening results and adjudications. Returns 0,
 * CLR_ENOTFOUND or CLR_ESTORE. */
int clr_registry_user_remove(clr_store *s, const char *id);
int clr_registry_user_list(clr_store *s, int (*fn)(void *arg, const clr_user *u), void *arg);

#define CLR_KEY_SECRET_MAX 90 /* "clr_" + 16 + "_" + 64 digits + NUL */

/* Creates an API key for registered user user_id: writes the secret
 * ("clr_<id>_<64 hex digits>", NUL added) to secret (CLR_KEY_SECRET_MAX bytes)
 * and the key's record to *key (may be NULL). Only a BLAKE2b-256 hash of the
 * secret is stored: the secret cannot be shown again. Returns 0, CLR_EINVAL
 * (*err: no such user), CLR_ESTORE. */
int clr_registry_key_create(char *secret, clr_api_key *key, clr_store *s, const char *user_id,
                            clr_registry_error *err);

/* Revokes key id (the 16 digits); revoking twice is no error. Returns 0,
 * CLR_ENOTFOUND or CLR_ESTORE. */
int clr_registry_key_revoke(clr_store *s, const char *id);

/* Calls fn for every key (revoked ones too), by id. As clr_registry_org_list. */
int clr_registry_key_list(clr_store *s, int (*fn)(void *arg, const clr_api_key *k), void *arg);

/* ------------------------------------------------------------------------- */
/* Screening of registered parties                                            */
/* ------------------------------------------------------------------------- */

/* A party is "org:ID" or "user:ID". */

/* One stored screening result: the best match of one list entry against any
 * of the party's names. */
typedef struct clr_screen_result {
    char party[CLR_PARTY_MAX];
    char list[CLR_LIST_ID_MAX];
    char entry[CLR_ID_MAX];        /* the list's id of the entry */
    char entry_name[CLR_NAME_MAX]; /* its primary name */
    char digest[CLR_DIGEST_HEX];   /* of the entry's content (clr_registry_entry_digest) */
    double score;
    int possible; /* 1: possible match; 0: hit */
    clr_time screened_at;
} clr_screen_result;

/* What changed between a party's stored results and a new screening. */
typedef enum {
    CLR_SCREEN_NEW = 1,     /* matched now, not before */
    CLR_SCREEN_CLEARED = 2, /* matched before, not now (the entry left the list or no longer
                               scores) */
    CLR_SCREEN_CHANGED = 3  /* matched both times, but the entry's content or the status
                               (hit / possible) changed */
} clr_screen_change_kind;

/* "new", "cleared", "changed". */
const char *clr_screen_change_name(clr_screen_change_kind k);

typedef struct clr_screen_change {
    clr_screen_change_kind kind;
    clr_screen_result result; /* the new result; for CLEARED the stored one */
} clr_screen_change;

/* Called per change; returns non-zero to stop. */
typedef int (*clr_screen_change_fn)(void *arg, const clr_screen_change *c);

/* The digest of list entry (list, entry) in l: BLAKE2b-128 in hex over its
 * list, id, type, programs, birth year, countries and every name and alias.
 * Returns 0, or CLR_ENOTFOUND when l lacks the entry. Thread-safe. */
int clr_registry_entry_digest(char out[CLR_DIGEST_HEX], const clr_lists *l, const char *list,
                              const char *entry);

/* Screens the registered party (an organisation's legal name and aliases, a
 * user's name) against every list of l, replaces its stored results with the
 * new ones (in one transaction) and calls fn (may be NULL) for every change.
 * Returns 0, fn's non-zero value, CLR_ENOTFOUND (no such party), CLR_EINVAL
 * (malformed party) or CLR_ESTORE. */
int clr_registry_screen_party(clr_store *s, const clr_lists *l, const char *party,
                              clr_screen_change_fn fn, void *arg);

/* Continuous screening: screens every registered organisation and user again
 * against l (a newly imported list set) as clr_registry_screen_party does,
 * reporting every new, cleared and changed match to fn. *nparties (may be
 * NULL) receives the number of parties screened. Returns as
 * clr_registry_screen_party. */
int clr_registry_rescreen(clr_store *s, const clr_lists *l, clr_screen_change_fn fn, void *arg,
                          size_t *nparties);

/* Calls fn for every stored result of party (NULL: of every party). As
 * clr_registry_org_list. */
int clr_registry_results_list(clr_store *s, const char *party,
                              int (*fn)(void *arg, const clr_screen_result *r), void *arg);

/* ------------------------------------------------------------------------- */
/* Adjudication                                                               */
/* ------------------------------------------------------------------------- */

typedef enum { CLR_VERDICT_FALSE_POSITIVE = 1, CLR_VERDICT_TRUE_HIT = 2 } clr_verdict;

/* "false_positive", "true_hit"; and the reverse (0 or CLR_EINVAL). */
const char *clr_verdict_name(clr_verdict v);
int clr_verdict_parse(clr_verdict *out, const char *s);

typedef struct clr_adjudication {
    char party[CLR_PARTY_MAX];
    char list[CLR_LIST_ID_MAX];
    char entry[CLR_ID_MAX];
    char digest[CLR_DIGEST_HEX]; /* the entry as the reviewer saw it; set by adjudicate */
    clr_verdict verdict;
    char reviewer[CLR_ID_MAX];
    char reason[CLR_NAME_MAX];
    clr_time created; /* set by adjudicate */
    clr_time expires; /* required: a verdict holds until then */
} clr_adjudication;

/* Records a reviewer's verdict on a match of a->party against list entry
 * (a->list, a->entry), replacing an earlier one. The entry's digest is taken
 * from lists when given (the entry must be in it), else from the party's
 * stored screening result (which must exist); the verdict holds only while the
 * entry keeps that digest and until a->expires. Returns 0, CLR_EINVAL (*err
 * names the field: party, list, entry, verdict, reviewer, reason, expires),
 * CLR_ENOTFOUND (*err: no such party or entry) or CLR_ESTORE. */
int clr_registry_adjudicate(clr_store *s, const clr_lists *lists, const clr_adjudication *a,
                            clr_registry_error *err);

/* Removes the adjudication. Returns 0, CLR_ENOTFOUND or CLR_ESTORE. */
int clr_registry_adjudication_remove(clr_store *s, const char *party, const char *list,
                                     const char *entry);

/* Calls fn for every adjudication, expired ones too. As clr_registry_org_list. */
int clr_registry_adjudication_list(clr_store *s, int (*fn)(void *arg, const clr_adjudication *a),
                                   void *arg);

/* A counter every change to the registry (organisations, users, keys,
 * adjudications) raises, kept in the store: a process holding a snapshot
 * reloads it when the counter moved (several servers on one store). Sets
 * *out (0 before the first change). Returns 0 or CLR_ESTORE. */
int clr_registry_generation(clr_store *s, int64_t *out);

/* ------------------------------------------------------------------------- */
/* The snapshot the decision path reads                                       */
/* ------------------------------------------------------------------------- */

/* An immutable copy of the registry: organisations, users, valid keys and
 * adjudications whose entry still has the digest they were made on (against
 * the lists given at load). Reference-counted, shared freely by threads. */
typedef struct clr_registry clr_registry;

/* Reads the whole registry from s into a new snapshot with one reference the
 * caller owns (clr_registry_unref). lists (may be NULL: every adjudication is
 * then taken as current) are the lists the decisions screen against.
 * Returns 0, CLR_ESTORE or CLR_ENOMEM. */
int clr_registry_load(clr_registry **out, clr_store *s, const clr_lists *lists);

clr_registry *clr_registry_ref(clr_registry *r);
void clr_registry_unref(clr_registry *r);

/* Counts of what the snapshot holds. */
size_t clr_registry_org_count(const clr_registry *r);
size_t clr_registry_user_count(const clr_registry *r);

/* The registered user id, or NULL. The record lives as long as r.
 * Thread-safe. */
const clr_user *clr_registry_user_find(const clr_registry *r, const char *id);

/* Finds the user whose API key secret is key (len bytes): hashes it and
 * compares the hash in constant time. Copies the user id into user_id.
 * Returns 0, or CLR_ENOTFOUND for an unknown, malformed or revoked key.
 * Allocates nothing. Thread-safe. */
int clr_registry_key_user(char user_id[CLR_ID_MAX], const clr_registry *r, const char *key,
                          size_t len);

/* Parses a request as clr_request_parse does, except that when the request
 * names neither destination nor principal.country, the registered country of
 * its principal.id (when registered with one) stands in for the destination,
 * so a request may name only the principal. r may be NULL. Same contract as
 * clr_request_parse; allocates only while parsing (and once more, for a
 * request that needed the registered country). Thread-safe. */
int clr_registry_request_parse(clr_request *out, const clr_registry *r, const char *json,
                               size_t len, clr_time now, clr_request_error *err);

#define CLR_REGISTRY_MAX_FLAGS 8

/* What the registry said of one request (clr_registry_fill). Fixed-size: it
 * lives on the caller's stack; the reasons clr_registry_flag adds point into
 * it, so keep it while the decision is used. */
typedef struct clr_registry_check {
    int in_use;     /* the registry holds at least one user */
    int registered; /* principal.id is a registered user */
    size_t nflags;
    struct {
        const char *field; /* "principal.nationality", ... (static) */
        char message[640]; /* names the field, the stated and the registered value */
    } flags[CLR_REGISTRY_MAX_FLAGS];
} clr_registry_check;

/* Fills req's principal from the registry: for a registered principal.id,
 * every empty field among org, name, nationality, country, then from the
 * organisation hq and org_name (its legal name). A field the request states
 * that the registry contradicts (a stated org_name matching the legal name or
 * an alias, ignoring case, agrees) is recorded in *chk. An empty destination
 * becomes the filled country. r may be NULL (nothing to fill; chk->in_use 0).
 * Allocates nothing. Thread-safe. */
void clr_registry_fill(const clr_registry *r, clr_request *req, clr_registry_check *chk);

/* Adds to d a review reason per contradiction in chk (rulebook "clearance",
 * rule "registry-mismatch"), and one with rule "unregistered-principal" when
 * the registry is in use and the principal is not registered; each raises the
 * outcome to at least review, never lowers it. Returns the reasons added.
 * Allocates nothing. */
size_t clr_registry_flag(const clr_registry_check *chk, clr_decision *d);

/* Applies reviewers' verdicts to d, a decision about req: a possible-match
 * review reason (match.possible) whose party (principal.org_name: "org:" +
 * principal.org; principal.name: "user:" + principal.id) and entry carry a
 * false_positive adjudication that is current (not expired at d->at, entry
 * digest unchanged) is removed, and the outcome and each rulebook's outcome
 * are recomputed from the reasons left (allow when none; reasons a licence
 * covers count as allow). A true_hit adjudication keeps the review and says
 * so in the reason's message. Nothing is removed from a decision that
 * dropped reasons. Returns the number of reasons removed. Allocates nothing;
 * thread-safe. */
size_t clr_registry_apply_adjudications(const clr_registry *r, const clr_request *req,
                                        clr_decision *d);

/* ------------------------------------------------------------------------- */
/* The active snapshot, swapped atomically (as clr_engine swaps rule sets)    */
/* ------------------------------------------------------------------------- */

typedef struct clr_registry_cell clr_registry_cell;

/* A cell holding r (a reference is taken; may be NULL). Returns 0 or
 * CLR_ENOMEM. */
int clr_registry_cell_new(clr_registry_cell **out, clr_registry *r);
void clr_registry_cell_free(clr_registry_cell *c);

/* Makes r the active snapshot (taking a reference). Thread-safe. */
void clr_registry_cell_swap(clr_registry_cell *c, clr_registry *r);

/* The active snapshot as a reader's cached reference, as clr_engine_current:
 * one atomic load when nothing changed. Thread-safe across readers. */
const clr_registry *clr_registry_cell_current(clr_registry_cell *c, clr_registry **cached,
                                              uint64_t *gen);

#ifdef __cplusplus
}
#endif

#endif
