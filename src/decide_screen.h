/* Screening inside a decision: the per-decision cache of "on" tests. */
#ifndef CLR_DECIDE_SCREEN_H
#define CLR_DECIDE_SCREEN_H

#include "eval.h"

#define CLR__SCREEN_CACHE 32 /* "on" tests remembered per decision */

enum { SCREEN_UNKNOWN = 0, SCREEN_NONE, SCREEN_POSSIBLE, SCREEN_HIT };

typedef struct clr__screening {
    uint32_t slot[CLR__SCREEN_CACHE]; /* which "on" test each entry holds */
    uint8_t state[CLR__SCREEN_CACHE]; /* SCREEN_* */
    clr_reason_match match[CLR__SCREEN_CACHE];
    int failed;                   /* lists missing, or a list id they lack */
    int names;                    /* the request carries a name to screen */
    const clr_reason_match *last; /* the match behind the last test that held */
} clr__screening;

/* Empties the cache for a new decision. */
void clr__screening_reset(clr__screening *s);

#endif
