/* A readable account of a decision, for people reviewing it. */
#include "decide.h"
#include "decide_screen.h"

#include <math.h>
#include <string.h>

static void window(FILE *f, const clr__rule *r)
{
    char a[32], b[32];
    if (r->from == CLR_TIME_MIN && r->until == CLR_TIME_MAX)
        return;
    fputs(" (in force", f);
    if (r->from != CLR_TIME_MIN && clr_time_format(a, sizeof a, r->from) > 0)
        fprintf(f, " from %s", a);
    if (r->until != CLR_TIME_MAX && clr_time_format(b, sizeof b, r->until) > 0)
        fprintf(f, " until %s", b);
    fputs(")", f);
}

static void describe_model(FILE *f, const clr_ruleset *rs, const clr__ctx *ctx, int inline_model)
{
    const clr__model *m = ctx->model;
    fprintf(f, "  model       %s (%s", m->id, inline_model ? "described inline" : "catalogue");
    if (m->provider_str[0])
        fprintf(f, "; provider %s", m->provider_str);
    if (m->origin_str[0])
        fprintf(f, "; origin %s", m->origin_str);
    if (!isnan(m->training_ops))
        fprintf(f, "; %.3g training operations", m->training_ops);
    fprintf(f, "; %s", m->open_weights == 1 ? "open weights" : "closed weights");
    fputs(")\n  classes    ", f);
    int any = 0;
    for (size_t c = 0; c < rs->nclasses; c++)
        if ((m->classes >> c) & 1) {
            fprintf(f, " %s (%s)", rs->classes[c].name, rs->classes[c].when_text);
            any = 1;
        }
    fputs(any ? "\n" : " none\n", f);
}

void clr_decision_explain(const clr_ruleset *rs, const clr_lists *lists, const clr_request *req,
                          const clr_decision *d, FILE *f)
{
    char at[32] = "?";
    clr_time_format(at, sizeof at, req->time);
    fprintf(f, "Decision: %s  (id %s, rules %s)\n", clr_outcome_name(d->outcome), d->decision_id,
            d->rules_version);
    fprintf(f, "Request:\n  principal   %s", req->principal.id);
    if (req->principal.org[0])
        fprintf(f, " of %s", req->principal.org);
    fprintf(f, "; nationality %s, in %s, headquarters %s\n",
            req->principal.nationality[0] ? req->principal.nationality : "(not stated)",
            req->principal.country[0] ? req->principal.country : "(not stated)",
            req->principal.hq[0] ? req->principal.hq : "(not stated)");
    fprintf(f, "  access      %s via %s for %s, destination %s, at %s\n", req->model,
            req->integration, req->use, req->destination, at);
    if (!rs) {
        fputs("No rulebook set is loaded: every request is denied.\n", f);
        return;
    }
    clr__ctx ctx;
    clr__model mbuf;
    clr__sym tags[CLR_TAGS_MAX];
    clr_request_error err;
    if (clr__resolve(rs, req, &ctx, &mbuf, tags, &err)) {
        fprintf(f, "The request is invalid at %s: %s\n", err.path, err.message);
        return;
    }
    if (!ctx.model) {
        fprintf(f,
                "Model '%s' is neither in the catalogue nor described by model_attributes: "
                "denied (fail closed).\n",
                req->model);
        return;
    }
    clr__screening screening;
    clr__screening_reset(&screening);
    ctx.req = req;
    ctx.lists = lists;
    ctx.screen = &screening;
    ctx.possible_as_hit = 0;
    describe_model(f, rs, &ctx, ctx.model == &mbuf);
    for (size_t i = 0; i < rs->nrulebooks; i++) {
        const clr__rulebook *rb = &rs->rulebooks[i];
        int applies = !rb->scope || clr__eval(&ctx, rb->scope);
        fprintf(f, "\nRulebook %s%s%s%s: ", rb->id, rb->title[0] ? " (" : "", rb->title,
                rb->title[0] ? ")" : "");
        if (!applies) {
            fprintf(f, "not applicable, its scope does not hold: %s\n", rb->scope_text);
            continue;
        }
        clr_outcome oc = i < d->nrulebooks ? d->rulebooks[i].outcome : CLR_ALLOW;
        fprintf(f, "%s; scope holds: %s\n", clr_outcome_name(oc), rb->scope_text);
        int shown = 0;
        for (size_t s = rs->nexemptions; s < rs->nrules; s++) {
            const clr__rule *r = &rs->rules[s];
            if (r->rulebook != i || !clr__eval(&ctx, r->when))
                continue;
            shown = 1;
            int live = ctx.t >= r->from && ctx.t < r->until;
            const clr_exempted *x = NULL;
            for (size_t k = 0; k < d->nexempted; k++)
                if (d->exempted[k].rule == r->id && strcmp(d->exempted[k].rulebook, rb->id) == 0)
                    x = &d->exempted[k];
            if (!live)
                fputs("  not in force  ", f);
            else if (x)
                fputs("  exempted      ", f);
            else
                fputs("  fired         ", f);
            fprintf(f, "%s %s", clr_effect_name(r->effect), r->id);
            window(f, r);
            fputc('\n', f);
            fprintf(f, "                when %s\n", r->when_text);
            if (r->citation[0])
                fprintf(f, "                citation: %s\n", r->citation);
            if (r->message[0] && live && !x)
                fprintf(f, "                %s\n", r->message);
            if (r->screens && screening.last && !screening.last->possible)
                fprintf(f,
                        "                %s is on %s: entry %s, %s (matched \"%s\", score %.2f)\n",
                        screening.last->query, screening.last->list, screening.last->id,
                        screening.last->name, screening.last->matched_name, screening.last->score);
            if (x)
                fprintf(f, "                switched off by exemption %s%s%s\n", x->exemption,
                        x->citation[0] ? ": " : "", x->citation);
            if (!live)
                fprintf(f, "                the condition holds, but not at %s\n", at);
        }
        for (size_t k = 0; k < d->nreasons; k++) {
            const clr_reason *rr = &d->reasons[k];
            if (!rr->match.list || !rr->match.possible || strcmp(rr->rulebook, rb->id) != 0)
                continue;
            shown = 1;
            fprintf(f,
                    "  possible      review %s: %s may be on %s: entry %s, %s (matched \"%s\", "
                    "score %.2f); a reviewer must decide\n",
                    rr->rule, rr->match.query, rr->match.list, rr->match.id, rr->match.name,
                    rr->match.matched_name, rr->match.score);
        }
        if (!shown)
            fputs("  no rule's condition holds\n", f);
    }
    int engine = 0;
    for (size_t k = 0; k < d->nreasons; k++) {
        const clr_reason *rr = &d->reasons[k];
        if (strcmp(rr->rulebook, "clearance") != 0)
            continue;
        if (!engine++)
            fputs("\nThe engine's own checks (red flags, fail closed):\n", f);
        fprintf(f, "  %-13s %s %s\n", "raised", clr_effect_name(rr->effect), rr->rule);
        if (rr->citation[0])
            fprintf(f, "                citation: %s\n", rr->citation);
        if (rr->message[0])
            fprintf(f, "                %s\n", rr->message);
        if (rr->evidence)
            fprintf(f, "                evidence: %s\n", rr->evidence);
    }
    if (d->nobligations) {
        fputs("\nObligations:\n", f);
        for (size_t i = 0; i < d->nobligations; i++)
            fprintf(f, "  %s %s: %s%s%s\n", d->obligations[i].rulebook, d->obligations[i].id,
                    d->obligations[i].citation, d->obligations[i].message[0] ? " - " : "",
                    d->obligations[i].message);
    }
    if (d->reasons_dropped)
        fprintf(f, "\n(%zu further reasons were not kept)\n", d->reasons_dropped);
}
