/* Screening inside a decision: "principal.org_name on entity-list". Each test
 * screens one name against a selection of lists once per decision; a hit makes
 * it true, a possible match makes it true only while looking for review
 * reasons. Missing lists fail closed (the caller turns `failed` into deny). */
#include "decide_screen.h"

#include <string.h>

void clr__screening_reset(clr__screening *s)
{
    memset(s->state, SCREEN_UNKNOWN, sizeof s->state);
    s->failed = 0;
    s->last = NULL;
}

static uint8_t screen(const clr__ctx *ctx, const clr__node *n, const char *name,
                      clr_reason_match *out)
{
    clr__screening *s = ctx->screen;
    if (!ctx->lists) {
        s->failed = 1;
        return SCREEN_NONE;
    }
    const clr_principal *p = &ctx->req->principal;
    clr_screen_query q = CLR_SCREEN_QUERY_INIT;
    q.name = name;
    q.type = n->attr == ATTR_P_ORG_NAME ? CLR_ENTITY_ORG : CLR_ENTITY_PERSON;
    memcpy(q.country, n->attr == ATTR_P_ORG_NAME ? p->hq : p->nationality, 3);
    q.lists = n->lists;
    q.nlists = n->nlists;
    clr_match m;
    size_t nm = 0;
    if (clr_screen_run(ctx->lists, &q, &m, 1, &nm) != 0) {
        s->failed = 1; /* a list the rules name is not loaded */
        return SCREEN_NONE;
    }
    if (nm == 0)
        return SCREEN_NONE;
    out->list = m.list;
    out->id = m.id;
    out->name = m.name;
    out->matched_name = m.matched_name;
    out->query = n->attr == ATTR_P_ORG_NAME ? "principal.org_name" : "principal.name";
    out->score = m.score;
    out->possible = m.status != CLR_MATCH_HIT;
    return m.status == CLR_MATCH_HIT ? SCREEN_HIT : SCREEN_POSSIBLE;
}

int clr__screen_test(const clr__ctx *ctx, const clr__node *n)
{
    clr__screening *s = ctx->screen;
    if (!s)
        return 0;
    const char *name =
        n->attr == ATTR_P_ORG_NAME ? ctx->req->principal.org_name : ctx->req->principal.name;
    if (!name[0])
        return 0; /* nothing to screen */
    size_t k = n->screen_slot % CLR__SCREEN_CACHE;
    if (s->state[k] == SCREEN_UNKNOWN || s->slot[k] != n->screen_slot) {
        s->slot[k] = n->screen_slot;
        s->state[k] = screen(ctx, n, name, &s->match[k]);
    }
    if (s->state[k] == SCREEN_HIT || (s->state[k] == SCREEN_POSSIBLE && ctx->possible_as_hit)) {
        s->last = &s->match[k];
        return 1;
    }
    return 0;
}
