/* libFuzzer target for the list importers: the input is written to a file and
 * loaded; the first byte picks the file name (and so the OFAC list id), the
 * format is detected from the content as for any list file. Loaded lists are
 * also queried once. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clearance.h"
#include "clearance_screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/clr_fuzz_lists_%d", (int)getpid());
        mkdir(dir, 0700);
    }
    if (size < 1)
        return 0;
    static const char *const names[] = {"sdn.csv", "cons_prim.csv", "csl.csv", "dpl.txt", "un.xml"};
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, names[data[0] % 5]);
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    clr_lists *l = NULL;
    static clr_list_report rep;
    const char *p[] = {path};
    if (clr_lists_load(&l, p, 1, &rep) == 0) {
        clr_screen_query q = CLR_SCREEN_QUERY_INIT;
        clr_match m[4];
        size_t n;
        q.name = "acme trading llc";
        clr_screen_run(l, &q, m, 4, &n);
        clr_lists_unref(l);
    }
    unlink(path);
    return 0;
}
