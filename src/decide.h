/* Internals of deciding that explaining shares. */
#ifndef CLR_DECIDE_H
#define CLR_DECIDE_H

#include "eval.h"
#include "ruleset.h"

/* Writes a new UUIDv7 (time-ordered) into out. Thread-safe. */
void clr__decision_id(char out[37]);

/* Resolves req's attributes into ctx. An inline model is built in mbuf with
 * its tags in tagbuf (CLR_TAGS_MAX entries). ctx->model is NULL for an
 * unknown model. Returns 0, or CLR_EREQUEST (with err filled) for a value
 * outside a vocabulary. */
int clr__resolve(const clr_ruleset *rs, const clr_request *req, clr__ctx *ctx, clr__model *mbuf,
                 clr__sym *tagbuf, clr_request_error *err);

/* The classes (bit i: class i) that m belongs to. */
uint64_t clr__model_classes(const clr_ruleset *rs, const clr__model *m);

#endif
