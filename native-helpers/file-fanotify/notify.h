/* The notification group: create, modify (close after write), delete, rename, attrib on whole
 * filesystems, with the pid of the process that did it. */
#ifndef MAMORI_NOTIFY_H
#define MAMORI_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

/* Paths under this prefix (or equal to it) are not reported. */
bool notify_exclude(const char *prefix);
/* Starts the group and marks every filesystem in fspath's table. unlimited: ask for an unbounded
 * kernel queue (falls back to the default 16384 events if refused). */
bool notify_start(bool unlimited, char *why, size_t cap);
int notify_fd(void);
/* "fan_rename" or "moved_pairs" (kernels before 5.17). */
const char *notify_rename_mode(void);
bool notify_queue_unlimited(void);
/* Reads and reports one buffer of events; false if nothing was waiting. */
bool notify_read(void);
/* The self-test: can a group with these flags mark the filesystem of path? */
bool notify_probe(const char *path, char *why, size_t cap);

#endif
