/* libFuzzer target: rulebook text. Compiles it; when it compiles, decides a
 * few requests under it and explains them, so the compiler's output is
 * exercised too. */
#include "clearance.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char *const REQUESTS[] = {
    "{\"model\":\"mythos-5\",\"principal\":{\"id\":\"u\",\"org\":\"org:a\",\"nationality\":\"DE\","
    "\"country\":\"DE\",\"hq\":\"CN\"},\"use\":\"research\",\"integration\":\"api\",\"time\":"
    "\"2026-06-20T00:00:00Z\",\"units\":50}",
    "{\"model\":\"x\",\"principal\":{\"id\":\"u\",\"country\":\"KH\"},\"use\":\"military\","
    "\"integration\":\"weights\",\"time\":\"2025-03-01\",\"model_attributes\":{\"origin\":\"US\","
    "\"provider\":\"org:a\",\"training_ops\":2e26,\"open_weights\":false,\"tags\":[\"t\"]}}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clr_diags *diags = NULL;
    if (clr_diags_new(&diags))
        return 0;
    clr_ruleset *rs = NULL;
    /* includes resolve against a folder with no rulebooks in it */
    if (clr_ruleset_compile(&rs, "fuzz.rules", (const char *)data, size, "/nonexistent", diags) ==
        0) {
        FILE *devnull = fopen("/dev/null", "w");
        for (size_t i = 0; i < sizeof REQUESTS / sizeof REQUESTS[0]; i++) {
            clr_request q;
            clr_decision d;
            if (clr_request_parse(&q, REQUESTS[i], strlen(REQUESTS[i]), 0, NULL))
                continue;
            clr_decide(rs, &q, &d, NULL);
            char json[65536];
            clr_decision_to_json(&d, json, sizeof json);
            if (devnull)
                clr_decision_explain(rs, NULL, &q, &d, devnull);
        }
        const char *names[64];
        clr_model_attrs attrs;
        memset(&attrs, 0, sizeof attrs);
        attrs.present = 1;
        attrs.training_ops = 1e26;
        clr_classify(rs, &attrs, names, 64);
        if (devnull)
            fclose(devnull);
    }
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
        clr_diags_print(diags, devnull);
        fclose(devnull);
    }
    clr_ruleset_unref(rs);
    clr_diags_free(diags);
    return 0;
}
