/* The groups of a compiled rule set, for callers outside the rulebooks. */
#include "ruleset.h"

#include <string.h>

int clr_ruleset_group_has(const clr_ruleset *rs, const char *group, const char *member, clr_time at)
{
    if (!rs || !group || !member || !member[0])
        return 0;
    for (size_t i = 0; i < rs->ngroups; i++)
        if (strcmp(rs->groups[i].name, group) == 0)
            return clr__set_contains(&rs->groups[i], clr__sym_lookup(rs, member, strlen(member)),
                                     at);
    return 0;
}
