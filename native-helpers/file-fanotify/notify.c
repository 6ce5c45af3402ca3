#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fspath.h"
#include "out.h"

#define EXCLUDES_MAX 64
#define READ_BUF (256 * 1024)

#define BASE_EVENTS (FAN_CREATE | FAN_CLOSE_WRITE | FAN_DELETE | FAN_ATTRIB | FAN_ONDIR)

static int fan_fd = -1;
static bool have_rename;  /* FAN_RENAME (5.17+): one event with the old and the new name */
static bool unlimited_queue;
static pid_t self_pid;

static struct { char *p; size_t n; } excludes[EXCLUDES_MAX];
static int n_excludes;

bool notify_exclude(const char *prefix)
{
    size_t n = strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/')
        n--;
    if (n == 0 || prefix[0] != '/' || n_excludes == EXCLUDES_MAX)
        return false;
    excludes[n_excludes].p = strndup(prefix, n);
    excludes[n_excludes].n = n;
    return excludes[n_excludes++].p != NULL;
}

static bool excluded(const char *path, long len)
{
    if (len < 0)
        return false;
    for (int i = 0; i < n_excludes; i++) {
        size_t n = excludes[i].n;
        if ((size_t)len >= n && memcmp(path, excludes[i].p, n) == 0 &&
            ((size_t)len == n || path[n] == '/' || n == 1))
            return true;
    }
    return false;
}

static int init_group(bool unlimited, bool *got_unlimited, bool *got_target)
{
    unsigned base = FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME | FAN_REPORT_FID;
    unsigned tries[4] = {
        base | FAN_REPORT_TARGET_FID | (unlimited ? FAN_UNLIMITED_QUEUE : 0),
        base | (unlimited ? FAN_UNLIMITED_QUEUE : 0),
        base | FAN_REPORT_TARGET_FID,
        base,
    };
    for (int i = 0; i < 4; i++) {
        int fd = fanotify_init(tries[i], O_RDONLY | O_CLOEXEC | O_LARGEFILE);
        if (fd >= 0) {
            *got_unlimited = tries[i] & FAN_UNLIMITED_QUEUE;
            *got_target = tries[i] & FAN_REPORT_TARGET_FID;
            return fd;
        }
        if (errno == EPERM)
            return -1;
    }
    return -1;
}

static bool mark_all(int fd, char *why, size_t cap)
{
    have_rename = true;
    for (int i = 0; i < n_mounts; i++) {
        uint64_t mask = BASE_EVENTS | (have_rename ? FAN_RENAME : FAN_MOVED_FROM | FAN_MOVED_TO);
        int r = fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, mounts[i].fd, NULL);
        if (r < 0 && errno == EINVAL && have_rename && i == 0) {
            have_rename = false; /* before 5.17 */
            mask = BASE_EVENTS | FAN_MOVED_FROM | FAN_MOVED_TO;
            r = fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask, mounts[i].fd, NULL);
        }
        if (r < 0) {
            snprintf(why, cap, "fanotify_mark(FAN_MARK_FILESYSTEM) on %s: %s%s", mounts[i].path, strerror(errno),
                     errno == EPERM ? " (needs CAP_SYS_ADMIN)"
                     : errno == EXDEV || errno == EOPNOTSUPP || errno == ENODEV
                         ? " (this filesystem cannot report file handles)" : "");
            return false;
        }
    }
    return true;
}

bool notify_start(bool unlimited, char *why, size_t cap)
{
    self_pid = getpid();
    bool target;
    fan_fd = init_group(unlimited, &unlimited_queue, &target);
    if (fan_fd < 0) {
        snprintf(why, cap, "fanotify_init(FAN_REPORT_DFID_NAME|FAN_REPORT_FID): %s%s", strerror(errno),
                 errno == EPERM ? " (needs CAP_SYS_ADMIN)" : errno == EINVAL ? " (kernel older than 5.9?)" : "");
        return false;
    }
    return mark_all(fan_fd, why, cap);
}

int notify_fd(void) { return fan_fd; }
const char *notify_rename_mode(void) { return have_rename ? "fan_rename" : "moved_pairs"; }
bool notify_queue_unlimited(void) { return unlimited_queue; }

bool notify_probe(const char *path, char *why, size_t cap)
{
    bool u, t;
    int fd = init_group(false, &u, &t);
    if (fd < 0) {
        snprintf(why, cap, "fanotify_init(FAN_REPORT_DFID_NAME|FAN_REPORT_FID): %s%s", strerror(errno),
                 errno == EPERM ? " (needs CAP_SYS_ADMIN)" : errno == EINVAL ? " (kernel older than 5.9?)" : "");
        return false;
    }
    bool dup;
    bool ok = fs_add(path, &dup, why, cap) && mark_all(fd, why, cap);
    close(fd);
    return ok;
}

/* ------------------------------------------------------------------------------------------------ */
/* reading events */

/* One fanotify event, decoded. */
typedef struct fev {
    uint64_t mask;
    int32_t pid;
    struct fanotify_event_info_fid *dir, *old_dir, *new_dir, *obj;
    const char *name, *old_name, *new_name;
} fev;

static char path_a[2 * PATH_MAX_BYTES + 2], path_b[2 * PATH_MAX_BYTES + 2];

static const char *record_name(struct fanotify_event_info_fid *r)
{
    struct file_handle *fh = (struct file_handle *)r->handle;
    return (const char *)(fh->f_handle + fh->handle_bytes);
}

/* raw: the event in the read buffer (only 4-byte aligned: events with names have odd lengths);
 * m: its metadata, copied out. */
static void decode(const struct fanotify_event_metadata *m, char *raw, fev *e)
{
    memset(e, 0, sizeof *e);
    e->mask = m->mask;
    e->pid = m->pid;
    char *p = raw + m->metadata_len, *end = raw + m->event_len;
    while (p + sizeof(struct fanotify_event_info_header) <= end) {
        struct fanotify_event_info_header *h = (void *)p;
        if (h->len < sizeof *h || p + h->len > end)
            break;
        struct fanotify_event_info_fid *r = (void *)p;
        switch (h->info_type) {
        case FAN_EVENT_INFO_TYPE_DFID_NAME: e->dir = r; e->name = record_name(r); break;
        case FAN_EVENT_INFO_TYPE_DFID: e->dir = r; e->name = NULL; break;
        case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME: e->old_dir = r; e->old_name = record_name(r); break;
        case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME: e->new_dir = r; e->new_name = record_name(r); break;
        case FAN_EVENT_INFO_TYPE_FID: e->obj = r; break;
        default: break;
        }
        p += h->len;
    }
}

static long resolve(struct fanotify_event_info_fid *dir, const char *name, char *out, size_t cap)
{
    if (!dir)
        return -1;
    return fs_path(&dir->fsid, (struct file_handle *)dir->handle, name, out, cap);
}

static bool stat_object(const fev *e, struct stat *st)
{
    if (!e->obj)
        return false;
    int fd = fs_open_handle(&e->obj->fsid, (struct file_handle *)e->obj->handle);
    if (fd < 0)
        return false;
    bool ok = fstat(fd, st) == 0;
    close(fd);
    return ok;
}

/* A path we could not resolve (its directory is gone) is written as null, with the bare name. */
static void put_path(jbuf *b, const char *key, const char *path, long len, const char *name)
{
    jb_raw(b, ",\"", 2);
    jb_raw(b, key, strlen(key));
    jb_raw(b, "\":", 2);
    if (len >= 0) {
        jb_str(b, path, (size_t)len);
        return;
    }
    jb_lit(b, "null");
    if (name && strcmp(name, ".") != 0) {
        jb_raw(b, ",\"", 2);
        jb_raw(b, key, strlen(key));
        jb_lit(b, "_name\":");
        jb_str(b, name, strlen(name));
    }
}

static void emit_file(const char *action, const fev *e, const char *path, long len, const char *name,
                      const char *old, long old_len, const char *old_name, const struct stat *st, int64_t ts)
{
    jbuf b;
    if (!ev_begin(&b, "file", ts))
        return;
    jb_lit(&b, ",\"action\":");
    jb_str(&b, action, strlen(action));
    put_path(&b, "path", path, len, name);
    if (old || old_name)
        put_path(&b, "old_path", old, old_len, old_name);
    jb_lit(&b, ",\"pid\":");
    jb_i64(&b, e->pid);
    if (e->mask & FAN_ONDIR)
        jb_lit(&b, ",\"is_dir\":true");
    if (st) {
        jb_lit(&b, ",\"mode\":");
        jb_u64(&b, st->st_mode & 07777);
        jb_lit(&b, ",\"dev\":");
        jb_u64(&b, st->st_dev);
        jb_lit(&b, ",\"ino\":");
        jb_u64(&b, st->st_ino);
        if (S_ISREG(st->st_mode)) {
            jb_lit(&b, ",\"size\":");
            jb_i64(&b, st->st_size);
        }
    }
    ev_end(&b);
}

/* Before FAN_RENAME: a moved_from waits for the moved_to of the same process that follows it. */
static struct { bool on; int32_t pid; bool dir; long len; char path[sizeof path_a]; } moved;
static char moved_name[256];

static void flush_moved(int64_t ts)
{
    if (!moved.on)
        return;
    moved.on = false;
    if (excluded(moved.path, moved.len))
        return;
    fev e = { .pid = moved.pid, .mask = moved.dir ? FAN_ONDIR : 0 };
    emit_file("rename", &e, NULL, -1, NULL, moved.path, moved.len, moved_name, NULL, ts);
}

static void handle(const struct fanotify_event_metadata *m, char *raw, int64_t ts)
{
    if (m->mask & FAN_Q_OVERFLOW) {
        flush_moved(ts);
        emit_drop(-1, "fanotify_overflow");
        return;
    }
    if (m->fd >= 0)
        close(m->fd); /* not expected with FID reporting */
    fev e;
    decode(m, raw, &e);
    if (e.pid == self_pid)
        return;

    if (e.mask & FAN_RENAME) {
        long nl = resolve(e.new_dir, e.new_name, path_a, sizeof path_a);
        long ol = resolve(e.old_dir, e.old_name, path_b, sizeof path_b);
        if (!(excluded(path_a, nl) && excluded(path_b, ol))) {
            struct stat st;
            bool have = stat_object(&e, &st);
            emit_file("rename", &e, path_a, nl, e.new_name, path_b, ol, e.old_name, have ? &st : NULL, ts);
        }
        return;
    }

    long len = resolve(e.dir, e.name, path_a, sizeof path_a);
    if (e.mask & FAN_MOVED_TO) {
        if (moved.on && moved.pid == e.pid) {
            moved.on = false;
            if (!(excluded(path_a, len) && excluded(moved.path, moved.len))) {
                struct stat st;
                bool have = stat_object(&e, &st);
                emit_file("rename", &e, path_a, len, e.name, moved.path, moved.len, moved_name, have ? &st : NULL, ts);
            }
        } else {
            flush_moved(ts);
            if (!excluded(path_a, len))
                emit_file("rename", &e, path_a, len, e.name, NULL, -1, "", NULL, ts);
        }
    } else {
        flush_moved(ts);
    }
    if (e.mask & FAN_MOVED_FROM) {
        moved.on = true;
        moved.pid = e.pid;
        moved.dir = e.mask & FAN_ONDIR;
        moved.len = len;
        if (len >= 0)
            memcpy(moved.path, path_a, (size_t)len + 1);
        snprintf(moved_name, sizeof moved_name, "%s", e.name ? e.name : "");
    }
    if (excluded(path_a, len))
        return;

    struct stat st;
    bool have = (e.mask & (FAN_CREATE | FAN_CLOSE_WRITE | FAN_ATTRIB)) && stat_object(&e, &st);
    /* Events merged in the kernel queue carry several bits; report them in their natural order. */
    if (e.mask & FAN_CREATE)
        emit_file("create", &e, path_a, len, e.name, NULL, -1, NULL, have ? &st : NULL, ts);
    if (e.mask & FAN_CLOSE_WRITE)
        emit_file("modify", &e, path_a, len, e.name, NULL, -1, NULL, have ? &st : NULL, ts);
    if (e.mask & FAN_ATTRIB)
        emit_file("attrib", &e, path_a, len, e.name, NULL, -1, NULL, have ? &st : NULL, ts);
    if (e.mask & FAN_DELETE)
        emit_file("delete", &e, path_a, len, e.name, NULL, -1, NULL, NULL, ts);
}

static char *rbuf;

bool notify_read(void)
{
    if (!rbuf && !(rbuf = aligned_alloc(8, READ_BUF)))
        return false;
    ssize_t n = read(fan_fd, rbuf, READ_BUF);
    if (n <= 0) {
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            diag("read(fanotify): %s", strerror(errno));
        flush_moved(boot_ns());
        return false;
    }
    int64_t ts = boot_ns();
    size_t off = 0;
    while ((size_t)n - off >= FAN_EVENT_METADATA_LEN) {
        struct fanotify_event_metadata m;
        memcpy(&m, rbuf + off, sizeof m);
        if (m.event_len < FAN_EVENT_METADATA_LEN || m.event_len > (size_t)n - off)
            break;
        if (m.vers != FANOTIFY_METADATA_VERSION)
            diag("fanotify metadata version %u, expected %u", m.vers, FANOTIFY_METADATA_VERSION);
        else
            handle(&m, rbuf + off, ts);
        off += m.event_len;
    }
    return true;
}
