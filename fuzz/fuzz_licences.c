/* libFuzzer target: licence files. Parses them; when they parse, applies them
 * to a license_required decision under the built-in rulebooks. */
#include "clearance.h"

#include <stdint.h>
#include <string.h>

static clr_ruleset *rules;
static clr_request request;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const char json[] =
        "{\"model\":\"mythos-5\",\"principal\":{\"id\":\"user:ana\",\"org\":\"org:acme\","
        "\"nationality\":\"DE\",\"country\":\"DE\"},\"use\":\"software-development\","
        "\"integration\":\"api\",\"time\":\"2026-06-20T12:00:00Z\",\"units\":100}";
    if (clr_ruleset_load_defaults(&rules, NULL))
        return 1;
    return clr_request_parse(&request, json, strlen(json), 0, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clr_licences *l = NULL;
    char err[512];
    if (clr_licences_parse(&l, (const char *)data, size, "fuzz.jsonl", err, sizeof err) != 0)
        return 0;
    clr_decision d;
    clr_decide(rules, &request, &d, NULL);
    clr_licences_apply(l, &request, &d);
    char json[65536];
    clr_decision_to_json(&d, json, sizeof json);
    clr_licences_free(l);
    return 0;
}
