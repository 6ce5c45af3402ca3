#include "pidtab.h"

#include <stdlib.h>
#include <string.h>

static uint32_t home(int32_t pid, uint32_t mask)
{
    uint32_t x = (uint32_t)pid;
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x & mask;
}

bool pt_init(pidtab *t, uint32_t cap_pow2)
{
    t->e = calloc(cap_pow2, sizeof(pent));
    t->mask = cap_pow2 - 1;
    t->n = 0;
    return t->e != NULL;
}

void pt_clear(pidtab *t)
{
    memset(t->e, 0, ((size_t)t->mask + 1) * sizeof(pent));
    t->n = 0;
}

pent *pt_get(pidtab *t, int32_t pid)
{
    if (pid <= 0)
        return NULL;
    for (uint32_t i = home(pid, t->mask);; i = (i + 1) & t->mask) {
        if (t->e[i].pid == pid)
            return &t->e[i];
        if (t->e[i].pid == 0)
            return NULL;
    }
}

static bool grow(pidtab *t)
{
    uint32_t ncap = (t->mask + 1) * 2;
    pent *ne = calloc(ncap, sizeof(pent));
    if (!ne)
        return false;
    for (uint32_t i = 0; i <= t->mask; i++) {
        if (t->e[i].pid == 0)
            continue;
        uint32_t j = home(t->e[i].pid, ncap - 1);
        while (ne[j].pid != 0)
            j = (j + 1) & (ncap - 1);
        ne[j] = t->e[i];
    }
    free(t->e);
    t->e = ne;
    t->mask = ncap - 1;
    return true;
}

pent *pt_put(pidtab *t, int32_t pid)
{
    if (pid <= 0)
        return NULL;
    pent *p = pt_get(t, pid);
    if (p)
        return p;
    if ((t->n + 1) * 2 > t->mask + 1 && !grow(t))
        return NULL;
    uint32_t i = home(pid, t->mask);
    while (t->e[i].pid != 0)
        i = (i + 1) & t->mask;
    t->e[i] = (pent){ .pid = pid, .ppid = -1, .start_ns = -1, .uid = -1, .gid = -1 };
    t->n++;
    return &t->e[i];
}

void pt_del(pidtab *t, int32_t pid)
{
    pent *p = pt_get(t, pid);
    if (!p)
        return;
    uint32_t i = (uint32_t)(p - t->e);
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & t->mask;
        if (t->e[j].pid == 0)
            break;
        uint32_t k = home(t->e[j].pid, t->mask);
        /* Move e[j] into the hole at i unless its home lies cyclically in (i, j]. */
        bool stay = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);
        if (!stay) {
            t->e[i] = t->e[j];
            i = j;
        }
    }
    t->e[i].pid = 0;
    t->n--;
}
