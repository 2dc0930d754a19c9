/* Error codes: names and messages from the one table in clearance.h. */
#include "clearance.h"

const char *clr_strerror(int err)
{
    switch (err) {
#define CLR__ERR_MSG(name, code, msg)                                                              \
    case code: return msg;
        CLR_ERRNO_MAP(CLR__ERR_MSG)
#undef CLR__ERR_MSG
    }
    return "unknown error";
}

const char *clr_errname(int err)
{
    switch (err) {
#define CLR__ERR_NAME(name, code, msg)                                                             \
    case code: return #name;
        CLR_ERRNO_MAP(CLR__ERR_NAME)
#undef CLR__ERR_NAME
    }
    return "UNKNOWN";
}
