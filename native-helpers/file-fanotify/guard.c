#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fspath.h"
#include "kv.h"
#include "out.h"

#define PENDING_MAX 1024
#define LATE_MAX 256
#define CACHE_SLOTS (1u << 16)
#define STDIN_LINE_MAX 4096

/* ------------------------------------------------------------------------------------------------ */
/* decision cache: dev:ino -> verdict for one version of the file (size, mtime, ctime) */

typedef struct fkey { uint64_t dev, ino; int64_t size, mtime, ctime; } fkey;

enum { C_EMPTY, C_ALLOW, C_DENY, C_FORGOTTEN };
enum { M_SIZE = 1, M_MTIME = 2, M_CTIME = 4 }; /* which fields must match (a core deny may give none) */

typedef struct centry { fkey k; uint8_t state, match; } centry;

static centry *cache;
static unsigned cache_used;

static unsigned slot_of(uint64_t dev, uint64_t ino)
{
    uint64_t h = (ino * 0x9E3779B97F4A7C15ull) ^ (dev * 0xC2B2AE3D27D4EB4Full);
    return (unsigned)(h >> 40) & (CACHE_SLOTS - 1);
}

static centry *cache_slot(uint64_t dev, uint64_t ino, bool create)
{
    for (unsigned i = slot_of(dev, ino), n = 0; n < CACHE_SLOTS; i = (i + 1) & (CACHE_SLOTS - 1), n++) {
        centry *e = &cache[i];
        if (e->state == C_EMPTY) {
            if (!create)
                return NULL;
            if (cache_used >= CACHE_SLOTS / 4 * 3) {
                /* Full of old entries: start over rather than probe forever. */
                memset(cache, 0, CACHE_SLOTS * sizeof *cache);
                cache_used = 0;
                emit_log("info", "exec decision cache was full and has been emptied");
                return cache_slot(dev, ino, true);
            }
            cache_used++;
            e->k.dev = dev;
            e->k.ino = ino;
            return e;
        }
        if (e->k.dev == dev && e->k.ino == ino)
            return e;
    }
    return NULL;
}

static int cache_get(const fkey *k)
{
    centry *e = cache_slot(k->dev, k->ino, false);
    if (!e || (e->state != C_ALLOW && e->state != C_DENY))
        return C_EMPTY;
    if ((e->match & M_SIZE && e->k.size != k->size) || (e->match & M_MTIME && e->k.mtime != k->mtime) ||
        (e->match & M_CTIME && e->k.ctime != k->ctime))
        return C_EMPTY; /* the file changed since the decision */
    return e->state;
}

static void cache_put(const fkey *k, uint8_t match, int state)
{
    centry *e = cache_slot(k->dev, k->ino, true);
    if (!e)
        return;
    e->k = *k;
    e->match = match;
    e->state = (uint8_t)state;
}

/* ------------------------------------------------------------------------------------------------ */
/* requests waiting for the core */

typedef struct pend {
    bool on;
    uint64_t id;
    int fd;              /* the permission event's fd: answering closes it */
    int32_t pid;
    int64_t asked_ns, deadline_ns; /* CLOCK_MONOTONIC */
    fkey k;
    char *path;
} pend;

static pend pending[PENDING_MAX];
static unsigned n_pending;
static struct { uint64_t id; fkey k; } late[LATE_MAX]; /* timed out: a late verdict can still be cached */
static unsigned late_next;

static int gfd = -1;
static int timeout_ms;
static uint64_t next_id = 1;
static pid_t self_pid, parent_pid;
static bool stdin_open = true;
static char path_buf[PATH_MAX_BYTES + 1];

static void respond(int fd, bool allow)
{
    struct fanotify_response r = { .fd = fd, .response = allow ? FAN_ALLOW : FAN_DENY };
    if (write(gfd, &r, sizeof r) != (ssize_t)sizeof r)
        diag("answering an exec permission event: %s", strerror(errno));
    close(fd);
}

static void put_file(jbuf *b, const char *path, int32_t pid, const fkey *k)
{
    jb_lit(b, ",\"path\":");
    if (path)
        jb_str(b, path, strlen(path));
    else
        jb_lit(b, "null");
    jb_lit(b, ",\"pid\":");
    jb_i64(b, pid);
    jb_lit(b, ",\"dev\":");
    jb_u64(b, k->dev);
    jb_lit(b, ",\"ino\":");
    jb_u64(b, k->ino);
    jb_lit(b, ",\"size\":");
    jb_i64(b, k->size);
    jb_lit(b, ",\"mtime_ns\":");
    jb_i64(b, k->mtime);
    jb_lit(b, ",\"ctime_ns\":");
    jb_i64(b, k->ctime);
}

/* exec_denied, exec_timeout, exec_unchecked: one line about an answered exec. */
static void emit_outcome(const char *type, uint64_t id, const char *path, int32_t pid, const fkey *k,
                         const char *reason, int64_t waited_ns)
{
    jbuf b;
    if (!ev_begin(&b, type, boot_ns()))
        return;
    if (id) {
        jb_lit(&b, ",\"id\":");
        jb_u64(&b, id);
    }
    put_file(&b, path, pid, k);
    jb_lit(&b, ",\"reason\":");
    jb_str(&b, reason, strlen(reason));
    if (waited_ns >= 0) {
        jb_lit(&b, ",\"waited_ms\":");
        jb_i64(&b, waited_ns / 1000000);
    }
    ev_end(&b);
    out_flush();
}

static void finish(pend *p, bool allow, const char *timeout_reason)
{
    respond(p->fd, allow);
    int64_t waited = clock_ns(CLOCK_MONOTONIC) - p->asked_ns;
    if (timeout_reason) {
        emit_outcome("exec_timeout", p->id, p->path, p->pid, &p->k, timeout_reason, waited);
        late[late_next % LATE_MAX].id = p->id;
        late[late_next % LATE_MAX].k = p->k;
        late_next++;
    } else if (!allow) {
        emit_outcome("exec_denied", p->id, p->path, p->pid, &p->k, "verdict", waited);
    }
    free(p->path);
    p->path = NULL;
    p->on = false;
    n_pending--;
}

static void allow_all_pending(const char *reason)
{
    for (unsigned i = 0; i < PENDING_MAX && n_pending; i++)
        if (pending[i].on)
            finish(&pending[i], true, reason);
}

/* Parent pid from /proc/PID/stat ("pid (comm) state ppid ..."), or -1. */
static int32_t ppid_of(int32_t pid)
{
    char p[64], buf[512];
    snprintf(p, sizeof p, "/proc/%d/stat", pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *rp = strrchr(buf, ')');
    int ppid;
    char state;
    if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
        return -1;
    return ppid;
}

static void on_perm(struct fanotify_event_metadata *m)
{
    struct stat st;
    if (fstat(m->fd, &st) < 0) {
        respond(m->fd, true);
        return;
    }
    fkey k = {
        .dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
        .mtime = (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
        .ctime = (int64_t)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec,
    };
    int cached = cache_get(&k);
    if (cached == C_ALLOW) {
        respond(m->fd, true);
        return;
    }
    const char *path = fd_path(m->fd, path_buf, sizeof path_buf) >= 0 ? path_buf : NULL;
    if (cached == C_DENY) {
        respond(m->fd, false);
        emit_outcome("exec_denied", 0, path, m->pid, &k, "cache", -1);
        return;
    }
    /* Never make the core wait on itself: it answers us. That includes its own children: spawning a
     * process in Node (libuv) blocks the core's event loop until the child's exec has succeeded. Nor
     * ask anyone once the core is gone. */
    const char *unasked = m->pid == self_pid ? "helper_process" : m->pid == parent_pid ? "core_process"
                        : !stdin_open ? "no_core" : n_pending == PENDING_MAX ? "too_many_waiting"
                        : ppid_of(m->pid) == parent_pid ? "core_child" : NULL;
    if (unasked) {
        respond(m->fd, true);
        emit_outcome("exec_unchecked", 0, path, m->pid, &k, unasked, -1);
        return;
    }
    jbuf b;
    if (!ev_begin(&b, "exec_check", boot_ns())) {
        respond(m->fd, true); /* the core is not reading: counted in the next output_blocked drop */
        return;
    }
    pend *p = NULL;
    for (unsigned i = 0; i < PENDING_MAX && !p; i++)
        if (!pending[i].on)
            p = &pending[i];
    *p = (pend){ .on = true, .id = next_id++, .fd = m->fd, .pid = m->pid, .k = k,
                 .path = path ? strdup(path) : NULL };
    p->asked_ns = clock_ns(CLOCK_MONOTONIC);
    p->deadline_ns = p->asked_ns + (int64_t)timeout_ms * 1000000LL;
    n_pending++;
    jb_lit(&b, ",\"id\":");
    jb_u64(&b, p->id);
    put_file(&b, path, m->pid, &k);
    ev_end(&b);
    out_flush();
}

bool guard_read(void)
{
    static char buf[4096] __attribute__((aligned(8)));
    ssize_t n = read(gfd, buf, sizeof buf);
    if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            diag("read(fanotify exec group): %s", strerror(errno));
        return false;
    }
    struct fanotify_event_metadata *m = (void *)buf;
    size_t len = (size_t)n;
    for (; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
        if (m->fd < 0)
            continue; /* FAN_Q_OVERFLOW cannot happen with an unlimited queue; nothing to answer */
        if (m->mask & FAN_OPEN_EXEC_PERM)
            on_perm(m);
        else
            respond(m->fd, true);
    }
    return true;
}

int guard_next_timeout_ms(void)
{
    if (!n_pending)
        return -1;
    int64_t now = clock_ns(CLOCK_MONOTONIC), first = INT64_MAX;
    for (unsigned i = 0; i < PENDING_MAX; i++)
        if (pending[i].on && pending[i].deadline_ns < first)
            first = pending[i].deadline_ns;
    int64_t ms = (first - now + 999999) / 1000000;
    return ms < 0 ? 0 : (int)ms;
}

void guard_expire(void)
{
    if (!n_pending)
        return;
    int64_t now = clock_ns(CLOCK_MONOTONIC);
    for (unsigned i = 0; i < PENDING_MAX; i++)
        if (pending[i].on && pending[i].deadline_ns <= now)
            finish(&pending[i], true, "timeout");
}

void guard_stop(void)
{
    allow_all_pending("stopping");
    if (gfd >= 0)
        close(gfd); /* the kernel allows whatever it had not handed to us yet */
    gfd = -1;
}

/* ------------------------------------------------------------------------------------------------ */
/* stdin: the core's verdicts and cache commands */

static void bad_input(const char *what, const char *why)
{
    char msg[300];
    snprintf(msg, sizeof msg, "stdin: %s: %s", what, why);
    emit_log("warn", msg);
}

static void on_verdict(const kv_obj *o)
{
    int64_t id;
    bool allow, keep = false;
    if (!kv_int(o, "id", &id) || !kv_bool(o, "allow", &allow)) {
        bad_input("verdict", "needs \"id\" (integer) and \"allow\" (true/false)");
        return;
    }
    kv_bool(o, "cache", &keep);
    for (unsigned i = 0; i < PENDING_MAX; i++) {
        pend *p = &pending[i];
        if (p->on && p->id == (uint64_t)id) {
            if (keep)
                cache_put(&p->k, M_SIZE | M_MTIME | M_CTIME, allow ? C_ALLOW : C_DENY);
            finish(p, allow, NULL);
            return;
        }
    }
    for (unsigned i = 0; i < LATE_MAX; i++) {
        if (late[i].id == (uint64_t)id && id) {
            if (keep)
                cache_put(&late[i].k, M_SIZE | M_MTIME | M_CTIME, allow ? C_ALLOW : C_DENY);
            return; /* already allowed on timeout; the decision applies to the next exec */
        }
    }
    bad_input("verdict", "no such request id (already answered?)");
}

/* deny / allow / forget {"dev","ino"[,"size"][,"mtime_ns"][,"ctime_ns"]}: the core's own knowledge,
 * e.g. a quarantined or blocked file. Without size/times the entry holds for every version. */
static void on_cache_cmd(const char *type, const kv_obj *o)
{
    fkey k = { 0 };
    int64_t dev, ino, v;
    if (!kv_int(o, "dev", &dev) || !kv_int(o, "ino", &ino) || dev < 0 || ino < 0) {
        bad_input(type, "needs \"dev\" and \"ino\" (non-negative integers, as in exec_check)");
        return;
    }
    k.dev = (uint64_t)dev;
    k.ino = (uint64_t)ino;
    uint8_t match = 0;
    if (kv_int(o, "size", &v)) { k.size = v; match |= M_SIZE; }
    if (kv_int(o, "mtime_ns", &v)) { k.mtime = v; match |= M_MTIME; }
    if (kv_int(o, "ctime_ns", &v)) { k.ctime = v; match |= M_CTIME; }
    if (strcmp(type, "forget") == 0) {
        centry *e = cache_slot(k.dev, k.ino, false);
        if (e)
            e->state = C_FORGOTTEN;
    } else {
        cache_put(&k, match, strcmp(type, "deny") == 0 ? C_DENY : C_ALLOW);
    }
    jbuf b;
    if (!ev_begin(&b, "cache_updated", boot_ns()))
        return;
    jb_lit(&b, ",\"op\":");
    jb_str(&b, type, strlen(type));
    jb_lit(&b, ",\"dev\":");
    jb_u64(&b, k.dev);
    jb_lit(&b, ",\"ino\":");
    jb_u64(&b, k.ino);
    ev_end(&b);
}

static void on_line(const char *line)
{
    kv_obj o;
    const char *err = NULL;
    if (!kv_parse(line, &o, &err)) {
        bad_input("bad line", err);
        return;
    }
    const char *type = kv_str(&o, "type");
    if (!type) {
        bad_input("bad line", "no \"type\"");
    } else if (strcmp(type, "verdict") == 0) {
        on_verdict(&o);
    } else if (strcmp(type, "deny") == 0 || strcmp(type, "allow") == 0 || strcmp(type, "forget") == 0) {
        on_cache_cmd(type, &o);
    } else if (strcmp(type, "flush_cache") == 0) {
        memset(cache, 0, CACHE_SLOTS * sizeof *cache);
        cache_used = 0;
        jbuf b;
        if (ev_begin(&b, "cache_updated", boot_ns())) {
            jb_lit(&b, ",\"op\":\"flush_cache\"");
            ev_end(&b);
        }
    } else {
        bad_input(type, "unknown type");
    }
}

static char in_buf[STDIN_LINE_MAX * 4];
static size_t in_len;
static bool in_skipping; /* inside a line that was too long */

void guard_stdin(void)
{
    ssize_t n = read(0, in_buf + in_len, sizeof in_buf - in_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        stdin_open = false;
        allow_all_pending("stdin_closed");
        emit_log("warn", "stdin closed: the core cannot answer any more; execs the cache does not decide are "
                         "allowed without asking (exec_unchecked, reason no_core); cached denials still apply");
        return;
    }
    in_len += (size_t)n;
    size_t start = 0;
    for (size_t i = 0; i < in_len; i++) {
        if (in_buf[i] != '\n')
            continue;
        in_buf[i] = 0;
        if (!in_skipping && i > start)
            on_line(in_buf + start);
        in_skipping = false;
        start = i + 1;
    }
    memmove(in_buf, in_buf + start, in_len - start);
    in_len -= start;
    if (in_len > STDIN_LINE_MAX) {
        if (!in_skipping)
            bad_input("bad line", "longer than 4096 bytes; ignored");
        in_skipping = true;
        in_len = 0;
    }
}

bool guard_stdin_open(void) { return stdin_open; }
int guard_fd(void) { return gfd; }

/* ------------------------------------------------------------------------------------------------ */
/* start */

bool guard_start(int verdict_timeout_ms, char *why, size_t cap)
{
    timeout_ms = verdict_timeout_ms;
    self_pid = getpid();
    parent_pid = getppid();
    cache = calloc(CACHE_SLOTS, sizeof *cache);
    if (!cache) {
        snprintf(why, cap, "out of memory");
        return false;
    }
    unsigned flags = FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK;
    /* Unlimited: a full permission queue would let execs through unseen. */
    gfd = fanotify_init(flags | FAN_UNLIMITED_QUEUE, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (gfd < 0)
        gfd = fanotify_init(flags, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (gfd < 0) {
        snprintf(why, cap, "fanotify_init(FAN_CLASS_CONTENT): %s%s", strerror(errno),
                 errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
        return false;
    }
    for (int i = 0; i < n_mounts; i++) {
        if (fanotify_mark(gfd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC_PERM, mounts[i].fd, NULL) < 0) {
            snprintf(why, cap, "fanotify_mark(FAN_OPEN_EXEC_PERM) on %s: %s%s", mounts[i].path, strerror(errno),
                     errno == EINVAL ? " (kernel without CONFIG_FANOTIFY_ACCESS_PERMISSIONS or older than 5.0?)" : "");
            close(gfd);
            gfd = -1;
            return false;
        }
    }
    struct stat st;
    if (fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        int fl = fcntl(0, F_GETFL);
        if (fl >= 0)
            fcntl(0, F_SETFL, fl | O_NONBLOCK);
    }
    return true;
}

bool guard_probe(char *why, size_t cap)
{
    int fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, cap, "fanotify_init(FAN_CLASS_CONTENT): %s%s", strerror(errno),
                 errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
        return false;
    }
    /* An inode mark on a directory: proves permission events are available without holding up any exec. */
    bool ok = fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_INODE, FAN_OPEN_EXEC_PERM, AT_FDCWD, "/") == 0;
    if (!ok)
        snprintf(why, cap, "fanotify_mark(FAN_OPEN_EXEC_PERM): %s%s", strerror(errno),
                 errno == EINVAL ? " (kernel without CONFIG_FANOTIFY_ACCESS_PERMISSIONS?)" : "");
    close(fd);
    return ok;
}
