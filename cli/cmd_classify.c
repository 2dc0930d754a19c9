/* clearance classify: the classes a model's attributes put it in. */
#include "cli_util.h"
#include "commands.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: clearance classify [--rules PATH]... [FILE|-]\n"
               "  Reads model attributes as JSON, e.g.\n"
               "    {\"origin\": \"US\", \"training_ops\": 3e26, \"open_weights\": false}\n"
               "  and prints {\"classes\": [...]} under the rulebooks' class definitions.\n");
}

int clr_cmd_classify(int argc, char **argv)
{
    static const struct option opts[] = {{"rules", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    cli_strv rules = {0};
    int rc = CLR_EXIT_BADINPUT, opt;
    clr_ruleset *rs = NULL;
    char *text = NULL, *wrapped = NULL;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
        if (opt == 'r') {
            if (cli_strv_push(&rules, optarg))
                goto done;
        } else if (opt == 'h') {
            usage(stdout);
            rc = CLR_EXIT_OK;
            goto done;
        } else {
            usage(stderr);
            goto done;
        }
    }
    if ((rc = cli_load_rules(rules.v, rules.n, 0, &rs)))
        goto done;
    rc = CLR_EXIT_BADINPUT;
    size_t len;
    if (!(text = cli_read_all(optind < argc ? argv[optind] : "-", &len)))
        goto done;
    /* validate through the request parser, so errors carry the same JSON paths */
    static const char head[] = "{\"model\":\"(classify)\",\"principal\":{\"id\":\"-\"},"
                               "\"destination\":\"US\",\"use\":\"-\",\"integration\":\"-\","
                               "\"model_attributes\":";
    wrapped = malloc(sizeof head + len + 2);
    if (!wrapped)
        goto done;
    int n = sprintf(wrapped, "%s%s}", head, text);
    clr_request req;
    clr_request_error err;
    if (clr_request_parse(&req, wrapped, (size_t)n, 0, &err)) {
        printf("{\"error\":\"%s\",\"path\":\"%s\"}\n", err.message, err.path);
        fprintf(stderr, "clearance: %s: %s\n", err.path, err.message);
        goto done;
    }
    if (!req.model_attributes.present) {
        fprintf(stderr, "clearance: expected a JSON object of model attributes\n");
        goto done;
    }
    const char *names[64];
    size_t nc = clr_classify(rs, &req.model_attributes, names, 64);
    printf("{\"classes\":[");
    for (size_t i = 0; i < nc && i < 64; i++)
        printf("%s\"%s\"", i ? "," : "", names[i]);
    printf("]}\n");
    rc = CLR_EXIT_OK;
done:
    free(text);
    free(wrapped);
    clr_ruleset_unref(rs);
    cli_strv_free(&rules);
    return rc;
}
