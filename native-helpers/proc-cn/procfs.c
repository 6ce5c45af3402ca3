#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int64_t clk_tck = 100;

void procfs_init(void)
{
    long t = sysconf(_SC_CLK_TCK);
    if (t > 0)
        clk_tck = t;
}

int64_t ticks_to_ns(uint64_t ticks)
{
    if (1000000000 % clk_tck == 0)
        return (int64_t)(ticks * (uint64_t)(1000000000 / clk_tck));
    uint64_t hz = (uint64_t)clk_tck;
    return (int64_t)((ticks / hz) * 1000000000u + (ticks % hz) * 1000000000u / hz);
}

int proc_dir_open(int32_t pid)
{
    char path[32];
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

ssize_t proc_read_file(int dfd, const char *name, char *buf, size_t cap, bool *more)
{
    if (more)
        *more = false;
    int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    for (;;) {
        if (got == cap) {
            char c;
            ssize_t r = read(fd, &c, 1);
            if (r > 0 && more)
                *more = true;
            break;
        }
        ssize_t r = read(fd, buf + got, cap - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (got == 0) {
                close(fd);
                return -1;
            }
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return (ssize_t)got;
}

bool proc_read_stat(int dfd, pstat *p)
{
    char buf[1024];
    p->ok_stat = false;
    ssize_t n = proc_read_file(dfd, "stat", buf, sizeof buf - 1, NULL);
    if (n <= 0)
        return false;
    buf[n] = 0;
    char *l = memchr(buf, '(', (size_t)n);
    char *r = NULL;
    for (char *q = buf + n - 1; q > buf; q--) {
        if (*q == ')') {
            r = q;
            break;
        }
    }
    if (!l || !r || r < l || r + 2 >= buf + n)
        return false;
    size_t cl = (size_t)(r - l - 1);
    if (cl > sizeof p->comm)
        cl = sizeof p->comm;
    memcpy(p->comm, l + 1, cl);
    p->comm_len = cl;
    /* After ") ": field 3 (state), 4 (ppid), ..., 22 (starttime). */
    char *s = r + 2;
    p->state = *s;
    int field = 3;
    int64_t ppid = -1;
    uint64_t start = 0;
    bool have_start = false;
    while (*s && field <= 22) {
        char *end = s;
        while (*end && *end != ' ')
            end++;
        if (field == 4)
            ppid = strtoll(s, NULL, 10);
        else if (field == 22) {
            start = strtoull(s, NULL, 10);
            have_start = true;
        }
        field++;
        s = *end ? end + 1 : end;
    }
    if (!have_start)
        return false;
    /* A task being released (state X, pid no longer attached) shows ppid 0: that is "unknown", not a
     * parent. Only pid 1 and kthreadd (2) really have parent 0. */
    long self = strtol(buf, NULL, 10);
    if (p->state == 'X' || (ppid == 0 && self > 2))
        ppid = -1;
    p->ppid = (int32_t)ppid;
    p->start_ns = ticks_to_ns(start);
    p->ok_stat = true;
    return true;
}

static bool parse_ids(const char *buf, const char *key, int64_t *r, int64_t *e)
{
    const char *s = strstr(buf, key);
    if (!s)
        return false;
    s += strlen(key);
    char *end;
    long long a = strtoll(s, &end, 10);
    if (end == s)
        return false;
    long long b = strtoll(end, &end, 10);
    *r = a;
    *e = b;
    return true;
}

bool proc_read_status(int dfd, pstat *p)
{
    char buf[4096];
    p->ok_status = false;
    ssize_t n = proc_read_file(dfd, "status", buf, sizeof buf - 1, NULL);
    if (n <= 0)
        return false;
    buf[n] = 0;
    if (!parse_ids(buf, "\nUid:", &p->ruid, &p->euid) || !parse_ids(buf, "\nGid:", &p->rgid, &p->egid))
        return false;
    p->ok_status = true;
    return true;
}

ssize_t proc_read_exe(int dfd, char *buf, size_t cap, bool *trunc)
{
    *trunc = false;
    ssize_t n = readlinkat(dfd, "exe", buf, cap);
    if (n < 0)
        return -1;
    if ((size_t)n == cap)
        *trunc = true;
    return n;
}
