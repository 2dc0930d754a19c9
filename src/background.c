/* Naming background threads and lowering their priority (background.h). */
#define _GNU_SOURCE /* pthread_setname_np, gettid */
#include "background.h"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#define BACKGROUND_NICE 19

void clr__background_thread(const char *name, int yield_to_requests)
{
#if defined(__linux__)
    (void)pthread_setname_np(pthread_self(), name);
    /* on Linux a nice value belongs to the thread, named by its id */
    if (yield_to_requests)
        (void)setpriority(PRIO_PROCESS, (id_t)gettid(), BACKGROUND_NICE);
#else
    (void)name;
    (void)yield_to_requests;
#endif
}
