/* libFuzzer target: request JSON. Parses it; when it parses, decides it under
 * the built-in rulebooks, writes the decision and the request back as JSON,
 * and explains it. */
#include "clearance.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static clr_ruleset *rules;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return clr_ruleset_load_defaults(&rules, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    clr_request q;
    clr_request_error err;
    if (clr_request_parse(&q, (const char *)data, size, 1781222400, &err) != 0)
        return 0;
    clr_decision d;
    clr_decide(rules, &q, &d, &err);
    char buf[65536];
    clr_decision_to_json(&d, buf, sizeof buf);
    clr_request_to_json(&q, buf, sizeof buf);
    clr_request again;
    if (clr_request_parse(&again, buf, strlen(buf), 0, &err) != 0)
        __builtin_trap(); /* what we write, we must read back */
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
        clr_decision_explain(rules, NULL, &q, &d, devnull);
        fclose(devnull);
    }
    return 0;
}
