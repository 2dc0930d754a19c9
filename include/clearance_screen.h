/*
 * clearance: restricted-party screening.
 *
 * Loads government restricted-party lists (OFAC SDN and consolidated non-SDN
 * legacy CSV, the US Consolidated Screening List CSV, the BIS Denied Persons
 * List, the UN Security Council consolidated XML) into one immutable,
 * reference-counted clr_lists with a search index, and screens names against
 * it with a token-aligned fuzzy matcher. Follows the conventions of
 * clearance.h: clr_<module>_<verb>, 0 or a negative CLR_E* code, out-parameters
 * first, the caller owns what comes back through **out.
 */
#ifndef CLEARANCE_SCREEN_H
#define CLEARANCE_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------- */
/* Lists                                                                      */
/* ------------------------------------------------------------------------- */

typedef enum {
    CLR_ENTITY_UNKNOWN = 0, /* the list does not say (most non-OFAC CSL sources) */
    CLR_ENTITY_PERSON = 1,
    CLR_ENTITY_ORG = 2,
    CLR_ENTITY_VESSEL = 3,
    CLR_ENTITY_AIRCRAFT = 4
} clr_entity_type;

/* "unknown", "person", "org", "vessel", "aircraft". */
const char *clr_entity_type_name(clr_entity_type t);

/* Parses "person"/"individual", "org"/"organization"/"entity"/"company",
 * "vessel", "aircraft" (any case) into *out. Returns 0 or CLR_EINVAL. */
int clr_entity_type_parse(clr_entity_type *out, const char *s);

/* All loaded lists with their search index. Immutable once loaded (apart from
 * clr_lists_set_thresholds), reference-counted, shared freely by threads. */
typedef struct clr_lists clr_lists;

#define CLR_LIST_ID_MAX 32
#define CLR_LIST_REPORT_LISTS 64
#define CLR_LIST_REPORT_PROBLEMS 64

/* What an import found for one list id. */
typedef struct clr_list_stats {
    char list[CLR_LIST_ID_MAX]; /* "sdn", "entity-list", "un", ... */
    size_t entities;            /* entries kept */
    size_t names;               /* primary names */
    size_t aliases;             /* aliases (a.k.a., f.k.a., n.k.a., alt names) */
    double hit_threshold;       /* the list's defaults, see clr_lists_set_thresholds */
    double review_threshold;
} clr_list_stats;

/* One malformed row that was reported and skipped (or a file-level error). */
typedef struct clr_list_problem {
    char file[256];
    size_t row;        /* 1-based record number in the file; 0 for the file itself */
    char message[160]; /* one sentence */
} clr_list_problem;

/* The account of an import. Fixed-size: lives on the caller's stack. */
typedef struct clr_list_report {
    size_t nfiles; /* files read */
    size_t nlists;
    clr_list_stats lists[CLR_LIST_REPORT_LISTS];
    size_t rows_skipped; /* malformed rows, all files */
    size_t nproblems;
    clr_list_problem problems[CLR_LIST_REPORT_PROBLEMS];
    size_t problems_dropped; /* beyond CLR_LIST_REPORT_PROBLEMS */
} clr_list_report;

/* Loads the list files at paths into one clr_lists. Each path is a file or a
 * directory whose files are loaded in name order (files that are no list are
 * ignored in a directory, an error when named directly). The format is
 * detected from the content:
 *   - OFAC legacy CSV (sdn.csv or cons_prim.csv: 12 columns, "-0-" for empty,
 *     optional trailing 0x1A). Aliases and addresses are read from the sibling
 *     alt.csv/add.csv (cons_alt.csv/cons_add.csv) when present; list id "sdn"
 *     for an SDN file, "ofac-cons" for the consolidated non-SDN list.
 *   - US Consolidated Screening List CSV: each source becomes its own list id
 *     ("sdn", "entity-list", "dpl", "unverified", "meu", "ssi", "isn",
 *     "itar-debarred", "ns-plc", "cmic", "ns-mbs", "fse", "capta", ...).
 *   - BIS Denied Persons List tab-separated text: list id "dpl".
 *   - UN Security Council consolidated XML: list id "un".
 * Entries of the same list id from different files are kept side by side.
 * Malformed rows are skipped and reported in *report (which may be NULL) with
 * the file and row. On success *out holds a set with one reference, which the
 * caller owns (clr_lists_unref). Returns 0; CLR_EIO when a path cannot be
 * read; CLR_ELIST when a named file is in no known format or no entry at all
 * could be loaded; CLR_ENOMEM; CLR_EINVAL for bad arguments. Thread-safe. */
int clr_lists_load(clr_lists **out, const char *const *paths, size_t npaths,
                   clr_list_report *report);

/* Loads the default lists shipped with clearance: the lists/ folder of
 * data_dir (the installed data directory; the CLI passes it). When data_dir is
 * NULL, the directory the library was built with (CLR_DATA_DIR) is used, or
 * CLR_EINVAL is returned when it was built without one. Same contract as
 * clr_lists_load. */
int clr_lists_load_defaults(clr_lists **out, const char *data_dir, clr_list_report *report);

/* The folder clr_lists_load_defaults reads when given no data_dir (the
 * lists/ folder of the directory the library was built with), or NULL when
 * it was built without one. The string is static. */
const char *clr_lists_default_dir(void);

/* Adds a reference. Returns l. Thread-safe. */
clr_lists *clr_lists_ref(clr_lists *l);

/* Drops a reference; the last one frees everything. NULL is allowed.
 * Thread-safe. */
void clr_lists_unref(clr_lists *l);

/* The number of list ids, and the i-th id (NULL past the end). The strings
 * live as long as l. */
size_t clr_lists_count(const clr_lists *l);
const char *clr_lists_id(const clr_lists *l, size_t i);

/* Totals over all lists: entries, and names including aliases. */
size_t clr_lists_entity_count(const clr_lists *l);
size_t clr_lists_name_count(const clr_lists *l);

/* Default thresholds, chosen by measurement (docs/screening.md). */
#define CLR_SCREEN_HIT_DEFAULT 0.86
#define CLR_SCREEN_REVIEW_DEFAULT 0.76

/* Sets the hit and review thresholds of list id list (NULL: every list).
 * A match scoring >= hit is a hit, >= review a possible match, else dropped.
 * Needs 0 <= review <= hit <= 1. Returns 0, CLR_EINVAL or CLR_ENOTFOUND.
 * Not thread-safe against queries on l: set thresholds before sharing. */
int clr_lists_set_thresholds(clr_lists *l, const char *list, double hit, double review);

/* The thresholds of list id list. Returns 0 or CLR_ENOTFOUND. */
int clr_lists_get_thresholds(const clr_lists *l, const char *list, double *hit, double *review);

/* ------------------------------------------------------------------------- */
/* Screening                                                                  */
/* ------------------------------------------------------------------------- */

#define CLR_SCREEN_MAX_TOKENS 16 /* tokens of a query or name taken into account */

typedef struct clr_screen_query {
    const char *name;         /* UTF-8, any script; required */
    clr_entity_type type;     /* CLR_ENTITY_UNKNOWN: any */
    char country[3];          /* ISO 3166-1 alpha-2 or "": raises or lowers the score */
    int birth_year;           /* 0 when unknown: raises or lowers a person's score */
    const char *const *lists; /* list ids to screen against; NULL: all */
    size_t nlists;
    double min_score; /* report matches from here; < 0: each list's review threshold */
} clr_screen_query;

#define CLR_SCREEN_QUERY_INIT                                                                      \
    {                                                                                              \
        NULL, CLR_ENTITY_UNKNOWN, "", 0, NULL, 0, -1.0                                             \
    }

typedef enum { CLR_MATCH_POSSIBLE = 1, CLR_MATCH_HIT = 2 } clr_match_status;

/* "possible", "hit". */
const char *clr_match_status_name(clr_match_status s);

/* How one token of the query lined up with the matched name. */
typedef struct clr_match_align {
    int8_t query;            /* index of the query token (clr_screen_normalize), -1: none */
    int8_t entry;            /* index of the matched name's token, -1: none */
    int8_t entry_span;       /* entry tokens covered (2 when a joined query token matched two) */
    uint8_t kind;            /* 'e' exact, 'f' fuzzy, 'i' initial, 'j' joined/split, 'l' legal form,
                                'q' query token unmatched, 'n' entry token unmatched */
    float score;             /* token similarity in [0, 1] */
    const char *entry_token; /* the normalised entry token; lives in the lists */
} clr_match_align;

typedef struct clr_match {
    const char *list;         /* list id */
    const char *id;           /* the list's own id of the entry */
    const char *name;         /* the entry's primary name, as published */
    const char *matched_name; /* the name or alias that matched, as published */
    int alias;                /* non-zero when matched_name is an alias */
    clr_entity_type type;
    double score; /* in [0, 1] */
    clr_match_status status;
    const char *programs; /* sanctions programmes, "" when none */
    size_t nalign;
    clr_match_align align[2 * CLR_SCREEN_MAX_TOKENS];
} clr_match;

/* Screens q->name against l. Every name and alias of every entry of the
 * selected lists is a candidate; an index picks those sharing a similar token,
 * and those are scored. For each entry the best-scoring name counts once.
 * Writes up to cap matches, best first, to out and the number of matches
 * written to *nout; the strings in them live as long as l. Returns 0,
 * CLR_EINVAL for a NULL argument or an empty name, CLR_ENOTFOUND when q names
 * a list id that l does not hold. Thread-safe: many threads may query one l.
 * Allocates nothing, except that the first query on a thread sets up that
 * thread's scratch space (grown once if a larger clr_lists comes along), and
 * names in a non-Latin script pass through ICU's transliterator, which
 * allocates internally. */
int clr_screen_run(const clr_lists *l, const clr_screen_query *q, clr_match *out, size_t cap,
                   size_t *nout);

/* Frees the calling thread's screening scratch space now rather than at thread
 * exit. Optional. */
void clr_screen_thread_cleanup(void);

/* Normalises a name the way the matcher does (NFKC, case folding, accent
 * removal, transliteration to Latin, punctuation, legal forms mapped to one
 * form) and writes the tokens separated by single spaces to buf (cap bytes,
 * NUL added). Returns the number of tokens, or CLR_ELIMIT when buf is too
 * small, CLR_EINVAL for NULL arguments or invalid UTF-8 that cannot be
 * repaired (invalid bytes are replaced). Thread-safe. */
int clr_screen_normalize(char *buf, size_t cap, const char *name);

#ifdef __cplusplus
}
#endif

#endif
