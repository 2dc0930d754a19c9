/* What a compiled rule set holds, described for display
 * (include/clearance_rules_info.h). */
#include "clearance_rules_info.h"
#include "ruleset.h"

#include <stddef.h>

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

int clr_ruleset_rulebook_info(clr_rulebook_info *out, const clr_ruleset *rs, size_t i)
{
    if (!out || !rs)
        return CLR_EINVAL;
    if (i >= rs->nrulebooks)
        return CLR_ENOTFOUND;
    const clr__rulebook *rb = &rs->rulebooks[i];
    out->id = or_empty(rb->id);
    out->title = or_empty(rb->title);
    out->jurisdiction = or_empty(rb->jurisdiction);
    out->scope = rb->scope ? or_empty(rb->scope_text) : "";
    return 0;
}

int clr_ruleset_rule_info(clr_rule_info *out, const clr_ruleset *rs, size_t i)
{
    if (!out || !rs)
        return CLR_EINVAL;
    if (i >= rs->nrules)
        return CLR_ENOTFOUND;
    const clr__rule *r = &rs->rules[i];
    const clr__rulebook *rb = r->rulebook < rs->nrulebooks ? &rs->rulebooks[r->rulebook] : NULL;
    out->id = or_empty(r->id);
    out->rulebook = rb ? or_empty(rb->id) : "";
    out->jurisdiction = rb ? or_empty(rb->jurisdiction) : "";
    out->is_exemption = r->is_exemption ? 1 : 0;
    out->effect = r->is_exemption ? (clr_effect)0 : r->effect;
    out->from = r->from;
    out->until = r->until;
    out->citation = or_empty(r->citation);
    out->message = or_empty(r->message);
    out->condition = or_empty(r->when_text);
    out->file = r->pos.src ? or_empty(r->pos.src->name) : "";
    out->line = r->pos.line;
    out->nlinks = r->is_exemption ? r->nexempts : r->nexempted_by;
    return 0;
}

const char *clr_ruleset_rule_link(const clr_ruleset *rs, size_t i, size_t j)
{
    if (!rs || i >= rs->nrules)
        return NULL;
    const clr__rule *r = &rs->rules[i];
    const uint32_t *links = r->is_exemption ? r->exempts : r->exempted_by;
    size_t n = r->is_exemption ? r->nexempts : r->nexempted_by;
    if (j >= n || links[j] >= rs->nrules)
        return NULL;
    return rs->rules[links[j]].id;
}

int clr_ruleset_group_info(clr_group_info *out, const clr_ruleset *rs, size_t i)
{
    if (!out || !rs)
        return CLR_EINVAL;
    if (i >= rs->ngroups)
        return CLR_ENOTFOUND;
    const clr__set *g = &rs->groups[i];
    out->name = or_empty(g->name);
    out->nmembers = g->n;
    out->dated = g->dated ? 1 : 0;
    return 0;
}

int clr_ruleset_group_member(clr_group_member *out, const clr_ruleset *rs, size_t i, size_t j)
{
    if (!out || !rs)
        return CLR_EINVAL;
    if (i >= rs->ngroups || j >= rs->groups[i].n)
        return CLR_ENOTFOUND;
    const clr__member *m = &rs->groups[i].members[j];
    out->value = m->sym < rs->nsyms ? or_empty(rs->sym_str[m->sym]) : "";
    out->from = m->from;
    out->until = m->until;
    return 0;
}
