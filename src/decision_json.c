/* Decisions as JSON: the decision contract. */
#include "clearance.h"
#include "jsonw.h"

static void field(clr__jsonw *w, const char *key, const char *val, int comma)
{
    if (comma)
        clr__jsonw_raw(w, ",");
    clr__jsonw_raw(w, "\"");
    clr__jsonw_raw(w, key);
    clr__jsonw_raw(w, "\":");
    clr__jsonw_str(w, val ? val : "");
}

size_t clr_decision_to_json(const clr_decision *d, char *buf, size_t cap)
{
    clr__jsonw w;
    clr__jsonw_init(&w, buf, cap);
    clr__jsonw_raw(&w, "{\"decision\":\"");
    clr__jsonw_raw(&w, clr_outcome_name(d->outcome));
    clr__jsonw_raw(&w, "\",\"reasons\":[");
    for (size_t i = 0; i < d->nreasons; i++) {
        const clr_reason *r = &d->reasons[i];
        clr__jsonw_raw(&w, i ? ",{" : "{");
        field(&w, "rulebook", r->rulebook, 0);
        field(&w, "rule", r->rule, 1);
        field(&w, "effect", clr_effect_name(r->effect), 1);
        field(&w, "citation", r->citation, 1);
        field(&w, "message", r->message, 1);
        if (r->licence)
            field(&w, "licence", r->licence, 1);
        if (r->evidence)
            field(&w, "evidence", r->evidence, 1);
        if (r->match.list) {
            clr__jsonw_raw(&w, ",\"match\":{");
            field(&w, "list", r->match.list, 0);
            field(&w, "id", r->match.id, 1);
            field(&w, "name", r->match.name, 1);
            field(&w, "matched_name", r->match.matched_name, 1);
            field(&w, "query", r->match.query, 1);
            clr__jsonw_raw(&w, ",\"score\":");
            clr__jsonw_num(&w, (double)(int)(r->match.score * 1000 + 0.5) / 1000);
            field(&w, "status", r->match.possible ? "possible" : "hit", 1);
            clr__jsonw_raw(&w, "}");
        }
        clr__jsonw_raw(&w, "}");
    }
    clr__jsonw_raw(&w, "]");
    if (d->reasons_dropped) {
        clr__jsonw_raw(&w, ",\"reasons_dropped\":");
        clr__jsonw_int(&w, (int64_t)d->reasons_dropped);
    }
    clr__jsonw_raw(&w, ",\"obligations\":[");
    for (size_t i = 0; i < d->nobligations; i++) {
        const clr_obligation *o = &d->obligations[i];
        clr__jsonw_raw(&w, i ? ",{" : "{");
        field(&w, "rulebook", o->rulebook, 0);
        field(&w, "id", o->id, 1);
        field(&w, "citation", o->citation, 1);
        field(&w, "message", o->message, 1);
        clr__jsonw_raw(&w, "}");
    }
    clr__jsonw_raw(&w, "]");
    if (d->obligations_dropped) {
        clr__jsonw_raw(&w, ",\"obligations_dropped\":");
        clr__jsonw_int(&w, (int64_t)d->obligations_dropped);
    }
    clr__jsonw_raw(&w, ",\"rulebooks\":{");
    for (size_t i = 0; i < d->nrulebooks; i++) {
        const clr_rulebook_result *r = &d->rulebooks[i];
        field(&w, r->rulebook, r->applicable ? clr_outcome_name(r->outcome) : "not_applicable",
              i > 0);
    }
    clr__jsonw_raw(&w, "},\"exempted\":[");
    for (size_t i = 0; i < d->nexempted; i++) {
        const clr_exempted *x = &d->exempted[i];
        clr__jsonw_raw(&w, i ? ",{" : "{");
        field(&w, "rulebook", x->rulebook, 0);
        field(&w, "rule", x->rule, 1);
        field(&w, "exemption", x->exemption, 1);
        field(&w, "citation", x->citation, 1);
        clr__jsonw_raw(&w, "}");
    }
    clr__jsonw_raw(&w, "],\"classes\":[");
    for (size_t i = 0; i < d->nclasses; i++) {
        if (i)
            clr__jsonw_raw(&w, ",");
        clr__jsonw_str(&w, d->classes[i]);
    }
    char ts[32] = "";
    if (clr_time_format(ts, sizeof ts, d->at) < 0)
        ts[0] = '\0';
    clr__jsonw_raw(&w, "]");
    field(&w, "at", ts, 1);
    field(&w, "rules_version", d->rules_version, 1);
    field(&w, "decision_id", d->decision_id, 1);
    clr__jsonw_raw(&w, "}");
    return clr__jsonw_finish(&w);
}
