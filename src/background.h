/* Threads that do background work for the library: the audit log's writer,
 * SQLite's checkpointer, the usage meter's flusher. */
#ifndef CLR_BACKGROUND_H
#define CLR_BACKGROUND_H

/* Marks the calling thread as background work.
 *
 * Names it `name` (at most 15 bytes; seen in `top -H`, `ps -L` and
 * /proc/PID/task/TID/comm). When `yield_to_requests` is set, also lowers its
 * scheduling priority to nice 19, so that on a busy machine the threads that
 * answer requests run first and this one takes the processor time they leave.
 * Only give that to a thread whose callers never wait on it one by one (the
 * async audit writer, the usage flusher): it drains a bounded queue, and when
 * the queue fills its producers block, so it cannot fall behind for good.
 * Best effort: failures are ignored, and nothing else changes. */
void clr__background_thread(const char *name, int yield_to_requests);

#endif
