/* Internals that impact analysis and the rulebook diff share: the causes of a
 * change of outcome between two decisions, and writing them. */
#ifndef CLR_IMPACT_INTERNAL_H
#define CLR_IMPACT_INTERNAL_H

#include "clearance_impact.h"
#include "ruleset.h"

#include <stdio.h>

#define CLR__CAUSES_MAX (2 * CLR_MAX_REASONS)

typedef struct clr__causes {
    clr_cause v[CLR__CAUSES_MAX];
    size_t n;
} clr__causes;

/* The rules and exemptions that account for the difference between decision b
 * (before) and a (after): rules that fire on one side only, rules whose effect
 * differs, and exemptions that came or went together with the rule they
 * switch off. With both set, also the rules that fire alike on both sides
 * (kind CLR_CAUSE_EFFECT with equal effects), for agreements. */
void clr__causes_of(clr__causes *out, const clr_decision *b, const clr_decision *a, int both);

/* A hash of the causes and the two outcomes; equal for equal causes. */
uint64_t clr__causes_hash(const clr_cause *c, size_t n, clr_outcome before, clr_outcome after);

/* Non-zero when the two lists name the same rules, exemptions and effects. */
int clr__causes_equal(const clr_cause *x, size_t nx, const clr_cause *y, size_t ny);

/* A malloc'd copy of n causes (NULL and n == 0 is fine); NULL when out of memory. */
clr_cause *clr__causes_dup(const clr_cause *c, size_t n);

/* One cause, readable: "us-ear/informed-letter-2026 now fires (license_required)". */
void clr__cause_print(FILE *f, const clr_cause *c);

/* One cause as a JSON object. */
void clr__cause_json(FILE *f, const clr_cause *c);

/* s as a JSON string. */
void clr__json_str(FILE *f, const char *s);

/* One side of a comparison as a JSON member: "name":{"rules_version":..,"at":..}. */
void clr__side_json(FILE *f, const char *name, const clr_side *s);

/* ORs into reads[attr] (clr__attr) 1 when some condition of rs (rules,
 * exemptions, rulebook scopes) reads the attribute; 2 when one compares it
 * with another request attribute (then its string matters, not just its
 * symbol); 4 when one compares it with a model attribute (then its symbol
 * matters, not just its class). usage(...) marks ATTR_UNITS too. */
void clr__ruleset_reads(const clr_ruleset *rs, uint8_t reads[CLR__NATTR]);

/* The classes of one symbol-valued request attribute under rs at instant t:
 * values that every condition of rs (EQ and IN tests, dated members as of t)
 * treats alike share a class, and a value the rules never mention (symbol 0)
 * is in class 0. Deciding reads the attribute only through its class, unless
 * a condition compares it with another attribute. */
typedef struct clr__classes {
    uint32_t *of; /* nsyms entries; NULL: too many tests to tell, each symbol its own class */
    uint32_t n;   /* number of classes */
} clr__classes;

/* Builds the classes of attr; returns 0 or CLR_ENOMEM. Free with
 * clr__classes_free. */
int clr__classes_build(clr__classes *out, const clr_ruleset *rs, int attr, clr_time t);
void clr__classes_free(clr__classes *c);

/* The class of sym (a symbol of the set the classes were built on). */
static inline uint32_t clr__class_of(const clr__classes *c, clr__sym sym)
{
    return c->of ? c->of[sym] : sym;
}

/* The symbol of the value s of attr in rs, 0 when rs never mentions it. */
clr__sym clr__attr_sym(const clr_ruleset *rs, int attr, const char *s);

#endif
