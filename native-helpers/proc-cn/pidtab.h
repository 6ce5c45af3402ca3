/* pid -> what we know about the process (start time, parent, ids), filled from fork/exec events and a
 * /proc scan at start, removed on exit. Open addressing, linear probing, backward-shift deletion. */
#ifndef MAMORI_PIDTAB_H
#define MAMORI_PIDTAB_H

#include <stdbool.h>
#include <stdint.h>

typedef struct pent {
    int32_t pid;      /* 0 = empty slot */
    int32_t ppid;     /* -1 = unknown */
    int64_t start_ns; /* -1 = unknown */
    int64_t uid;      /* real uid, -1 = unknown */
    int64_t gid;      /* real gid, -1 = unknown */
} pent;

typedef struct pidtab {
    pent *e;
    uint32_t mask; /* capacity - 1 (capacity is a power of two) */
    uint32_t n;
} pidtab;

bool pt_init(pidtab *t, uint32_t cap_pow2);
void pt_clear(pidtab *t);
pent *pt_get(pidtab *t, int32_t pid);
/* The entry for pid, inserted with every field unknown if it was not there; NULL only if out of memory. */
pent *pt_put(pidtab *t, int32_t pid);
void pt_del(pidtab *t, int32_t pid);

#endif
