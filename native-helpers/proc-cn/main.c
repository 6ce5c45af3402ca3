/* mamori-proc-cn: the fallback process sensor. Listens to the kernel's proc connector (netlink,
 * NETLINK_CONNECTOR / CN_IDX_PROC) for fork, exec, exit, uid/gid changes and ptrace attach/detach,
 * completes each event from /proc right after it arrives, and writes NDJSON (see ../PROTOCOL.md).
 * How it works and what it can miss: README.md next to this file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "json.h"
#include "pidtab.h"
#include "procfs.h"

#define HELPER "mamori-proc-cn"
#define VERSION "0.1.0"

#define RCVBUF_WANT (32 << 20)      /* netlink receive buffer (the kernel doubles it for bookkeeping) */
#ifndef OUT_CAP
#define OUT_CAP (8u << 20)          /* NDJSON waiting for the core */
#endif
#define ARGV_MAX_BYTES 32768        /* /proc/PID/cmdline bytes kept */
#define ARGV_MAX_ARGS 1024
#define EXE_MAX 4096
/* Largest line one event can produce (argv and filename fully escaped, plus the other fields). */
#define EVENT_MAX (JSON_STR_MAX(ARGV_MAX_BYTES) + 3 * ARGV_MAX_ARGS + JSON_STR_MAX(EXE_MAX) + 4096)
#define NMSG 64                     /* datagrams per recvmmsg */
#define MSG_BUFSZ 512
#define BATCH_MAX 1024              /* messages handled between two flushes */
/* A /proc entry whose start time is later than the event (plus this slack) is a reused pid. */
#define START_SLACK_NS 2000000LL
#define PROBE_TIMEOUT_MS 2000
#define ENOBUFS_NULL_AFTER_NS 1000000000LL
#define TRACERS 256

/* ------------------------------------------------------------------------------------------------ */
/* diagnostics and clocks */

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    dprintf(2, HELPER ": %s\n", line);
}

static int64_t clock_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* cn_proc stamps events with ktime_get_ns() (CLOCK_MONOTONIC); the protocol wants CLOCK_BOOTTIME.
 * The two differ by the time spent suspended, which we re-sample for every batch of messages. */
static int64_t mono_to_boot;

static void sample_clock_offset(void)
{
    int64_t m1 = clock_ns(CLOCK_MONOTONIC);
    int64_t b = clock_ns(CLOCK_BOOTTIME);
    int64_t m2 = clock_ns(CLOCK_MONOTONIC);
    mono_to_boot = b - (m1 + (m2 - m1) / 2);
}

/* ------------------------------------------------------------------------------------------------ */
/* output: one buffer of NDJSON, written to stdout after every batch of netlink messages */

static char *out_buf;
static size_t out_head, out_tail;   /* [head, tail) is not yet written */
static bool out_hold;               /* during the start-up probe: keep everything, write nothing */
static bool out_dead;               /* stdout is closed (EPIPE) */
static bool out_nonblock;
static int out_saved_flags = -1;
static uint64_t next_seq = 1;
static uint64_t out_lost;           /* events not emitted because the core did not read; not yet reported */
static bool out_blocked;            /* dropping until the core has read half of the buffer */

static void out_flush(void)
{
    if (out_hold || out_dead)
        return;
    while (out_head < out_tail) {
        ssize_t n = write(1, out_buf + out_head, out_tail - out_head);
        if (n > 0) {
            out_head += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0 && errno != EPIPE)
            diag("stdout: %s; exiting", strerror(errno));
        out_dead = true;
        return;
    }
    if (out_head == out_tail)
        out_head = out_tail = 0;
}

static size_t out_room(void)
{
    if (out_head > 0 && OUT_CAP - out_tail < 2 * EVENT_MAX) {
        memmove(out_buf, out_buf + out_head, out_tail - out_head);
        out_tail -= out_head;
        out_head = 0;
    }
    return OUT_CAP - out_tail;
}

static bool out_pending(void)
{
    return out_tail > out_head;
}

static void ev_open(jbuf *b, const char *type, int64_t ts)
{
    jb_init(b, out_buf + out_tail, OUT_CAP - out_tail);
    jb_lit(b, "{\"type\":\"");
    jb_raw(b, type, strlen(type));
    jb_lit(b, "\",\"seq\":");
    jb_u64(b, next_seq);
    jb_lit(b, ",\"ts_ns\":");
    jb_i64(b, ts);
}

/* Commits the line; a line that did not fit is not emitted, takes no seq and counts as lost. */
static void ev_close(jbuf *b)
{
    jb_lit(b, "}\n");
    if (b->overflow) {
        out_lost++;
        return;
    }
    out_tail += b->len;
    next_seq++;
}

static bool emit_drop(int64_t count, const char *reason, int64_t ts)
{
    if (out_room() < 1024)
        return false;
    jbuf b;
    ev_open(&b, "drop", ts);
    jb_lit(&b, ",\"count\":");
    jb_i64_or_null(&b, count);
    jb_lit(&b, ",\"reason\":");
    jb_str(&b, reason, strlen(reason));
    ev_close(&b);
    return !b.overflow;
}

static void emit_log(const char *level, const char *msg)
{
    if (out_room() < JSON_STR_MAX(strlen(msg)) + 256)
        return;
    jbuf b;
    ev_open(&b, "log", clock_ns(CLOCK_BOOTTIME));
    jb_lit(&b, ",\"level\":");
    jb_str(&b, level, strlen(level));
    jb_lit(&b, ",\"message\":");
    jb_str(&b, msg, strlen(msg));
    ev_close(&b);
}

/* Once the buffer is full we drop until the core has read half of it, then say how many in one line
 * (not one line per lost event while the buffer hovers at the limit). */
static void report_output_drops(void)
{
    if (out_blocked) {
        out_flush();
        if (out_room() < OUT_CAP / 2)
            return;
        out_blocked = false;
    }
    if (out_lost && emit_drop((int64_t)out_lost, "output_blocked", clock_ns(CLOCK_BOOTTIME)))
        out_lost = 0;
}

/* Room for one more event (and a drop line before it)? If not, the event is counted as lost. */
static bool ev_room(void)
{
    report_output_drops();
    if (!out_blocked && out_room() < 2 * EVENT_MAX) {
        out_flush();
        if (out_room() < 2 * EVENT_MAX)
            out_blocked = true;
    }
    if (out_blocked) {
        out_lost++;
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------------------------------------ */
/* process state */

static pidtab pids;

static struct tracer { int32_t target_tid, tracer_tgid, tracer_tid; } tracers[TRACERS];
static unsigned tracers_next;

static int32_t probe_pid = -1;
static bool probe_seen;

static void pstat_reset(pstat *p)
{
    memset(p, 0, sizeof *p);
    p->ppid = -1;
    p->start_ns = -1;
    p->ruid = p->euid = p->rgid = p->egid = -1;
}

/* stat (and optionally status) of pid, if it is still the process the event at ts was about. */
static bool read_checked(int32_t pid, int64_t ts, pstat *ps, bool want_status)
{
    pstat_reset(ps);
    int dfd = proc_dir_open(pid);
    if (dfd < 0)
        return false;
    bool ok = proc_read_stat(dfd, ps) && ps->start_ns <= ts + START_SLACK_NS;
    if (ok && want_status)
        proc_read_status(dfd, ps);
    close(dfd);
    if (!ok)
        pstat_reset(ps);
    return ok;
}

static void remember(int32_t pid, const pstat *ps)
{
    if (!ps->ok_stat)
        return;
    pent *e = pt_put(&pids, pid);
    if (!e)
        return;
    e->start_ns = ps->start_ns;
    if (ps->ppid >= 0)
        e->ppid = ps->ppid;
    if (ps->ok_status) {
        e->uid = ps->ruid;
        e->gid = ps->rgid;
    }
}

static void scan_proc(void)
{
    DIR *d = opendir("/proc");
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        int dfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
            continue;
        pstat ps;
        pstat_reset(&ps);
        if (proc_read_stat(dfd, &ps)) {
            proc_read_status(dfd, &ps);
            remember((int32_t)pid, &ps);
        }
        close(dfd);
    }
    closedir(d);
}

static void keep_table_bounded(void)
{
    /* Entries leave on exit; only lost exit events leave stale ones. Start over if that piles up. */
    if (pids.n < (1u << 21))
        return;
    pt_clear(&pids);
    scan_proc();
    emit_log("info", "process table reset after many missed exits; re-read /proc");
}

/* ------------------------------------------------------------------------------------------------ */
/* event handlers */

static char exe_buf[EXE_MAX];
static char cmd_buf[ARGV_MAX_BYTES];

static void put_comm(jbuf *b, const pstat *ps)
{
    jb_lit(b, ",\"comm\":");
    if (ps->ok_stat)
        jb_str(b, ps->comm, ps->comm_len);
    else
        jb_lit(b, "null");
}

static void on_fork(const struct proc_event *ev, int64_t ts)
{
    const struct fork_proc_event *f = &ev->event_data.fork;
    if (f->child_pid != f->child_tgid)
        return; /* a new thread, not a new process */
    int32_t child = f->child_tgid, parent = f->parent_tgid;
    if (child == probe_pid)
        probe_seen = true;

    int64_t parent_start = -1, parent_uid = -1, parent_gid = -1;
    pent *pe = pt_get(&pids, parent);
    if (pe) {
        parent_start = pe->start_ns;
        parent_uid = pe->uid;
        parent_gid = pe->gid;
    }
    bool room = ev_room();
    pstat ps;
    pstat_reset(&ps);
    if (room) {
        /* A child starts with its parent's credentials: read its status only if we lack the parent's. */
        read_checked(child, ts, &ps, parent_uid < 0 || parent_gid < 0);
        if (!pe || parent_start < 0) {
            pstat pps;
            if (read_checked(parent, ts, &pps, true)) {
                remember(parent, &pps);
                parent_start = pps.start_ns;
                parent_uid = pps.ruid;
                parent_gid = pps.rgid;
            }
        }
    }
    int64_t uid = ps.ok_status ? ps.ruid : parent_uid;
    int64_t gid = ps.ok_status ? ps.rgid : parent_gid;
    pent *ce = pt_put(&pids, child);
    if (ce) {
        ce->ppid = parent;
        ce->start_ns = ps.ok_stat ? ps.start_ns : -1;
        ce->uid = uid;
        ce->gid = gid;
    }
    if (!room)
        return;
    jbuf b;
    ev_open(&b, "fork", ts);
    jb_lit(&b, ",\"pid\":");
    jb_i64(&b, child);
    jb_lit(&b, ",\"ppid\":");
    jb_i64(&b, parent);
    jb_lit(&b, ",\"start_ns\":");
    jb_i64_or_null(&b, ps.ok_stat ? ps.start_ns : -1);
    jb_lit(&b, ",\"parent_start_ns\":");
    jb_i64_or_null(&b, parent_start);
    jb_lit(&b, ",\"uid\":");
    jb_i64_or_null(&b, uid);
    ev_close(&b);
}

static void put_argv(jbuf *b, const char *cmd, size_t n, bool *trunc)
{
    jb_char(b, '[');
    size_t i = 0, args = 0;
    while (i < n) {
        if (args == ARGV_MAX_ARGS) {
            *trunc = true;
            break;
        }
        const char *z = memchr(cmd + i, 0, n - i);
        size_t len = z ? (size_t)(z - (cmd + i)) : n - i;
        if (args)
            jb_char(b, ',');
        jb_str(b, cmd + i, len);
        args++;
        i += len + 1;
    }
    jb_char(b, ']');
}

static void on_exec(const struct proc_event *ev, int64_t ts)
{
    int32_t pid = ev->event_data.exec.process_tgid, tid = ev->event_data.exec.process_pid;
    if (!ev_room())
        return;
    pstat ps;
    pstat_reset(&ps);
    ssize_t exe_n = -1, cmd_n = -1;
    bool exe_trunc = false, cmd_more = false;
    bool have_argv = false;
    int dfd = proc_dir_open(pid);
    if (dfd >= 0) {
        /* stat first: it proves the entry is the process of this event (started before it), and
         * every later read through dfd can only see that same process. */
        if (proc_read_stat(dfd, &ps) && ps.start_ns <= ts + START_SLACK_NS) {
            if (ps.state != 'Z' && ps.state != 'X') {
                exe_n = proc_read_exe(dfd, exe_buf, sizeof exe_buf, &exe_trunc);
                cmd_n = proc_read_file(dfd, "cmdline", cmd_buf, sizeof cmd_buf, &cmd_more);
                if (cmd_n > 0) {
                    have_argv = true;
                } else if (cmd_n == 0 && exe_n >= 0) {
                    /* Empty: either argc was 0 (execve with no argv) or the process is exiting and its
                     * memory is already gone. exe needs the memory too: still readable = really empty. */
                    bool t;
                    char probe[8];
                    have_argv = proc_read_exe(dfd, probe, sizeof probe, &t) >= 0;
                }
            }
            proc_read_status(dfd, &ps);
        } else {
            pstat_reset(&ps);
        }
        close(dfd);
    }

    int64_t ppid = -1, start = -1, uid = -1, gid = -1;
    if (ps.ok_stat) {
        remember(pid, &ps);
        ppid = ps.ppid;
        start = ps.start_ns;
    }
    if (ps.ok_status) {
        uid = ps.ruid;
        gid = ps.rgid;
    }
    pent *e = pt_get(&pids, pid); /* gone already: what the fork event told us */
    if (e) {
        if (ppid < 0)
            ppid = e->ppid;
        if (start < 0)
            start = e->start_ns;
        if (uid < 0)
            uid = e->uid;
        if (gid < 0)
            gid = e->gid;
    }

    jbuf b;
    ev_open(&b, "exec", ts);
    jb_lit(&b, ",\"pid\":");
    jb_i64(&b, pid);
    jb_lit(&b, ",\"tid\":");
    jb_i64(&b, tid);
    jb_lit(&b, ",\"ppid\":");
    jb_i64_or_null(&b, ppid);
    jb_lit(&b, ",\"start_ns\":");
    jb_i64_or_null(&b, start);
    jb_lit(&b, ",\"uid\":");
    jb_i64_or_null(&b, uid);
    jb_lit(&b, ",\"gid\":");
    jb_i64_or_null(&b, gid);
    put_comm(&b, &ps);
    jb_lit(&b, ",\"filename\":");
    if (exe_n >= 0)
        jb_str(&b, exe_buf, (size_t)exe_n);
    else
        jb_lit(&b, "null");
    jb_lit(&b, ",\"filename_truncated\":");
    jb_bool(&b, exe_trunc);
    jb_lit(&b, ",\"argv\":");
    bool argv_trunc = cmd_more;
    if (have_argv)
        put_argv(&b, cmd_buf, (size_t)(cmd_n > 0 ? cmd_n : 0), &argv_trunc);
    else
        jb_lit(&b, "null");
    jb_lit(&b, ",\"argv_truncated\":");
    jb_bool(&b, have_argv && argv_trunc);
    jb_lit(&b, ",\"late\":true");
    ev_close(&b);
}

static void on_exit_ev(const struct proc_event *ev, int64_t ts)
{
    const struct exit_proc_event *x = &ev->event_data.exit;
    if (x->process_pid != x->process_tgid)
        return; /* a thread ended, the process goes on */
    int32_t pid = x->process_tgid;
    pent *e = pt_get(&pids, pid);
    int64_t start = e ? e->start_ns : -1;
    pt_del(&pids, pid);
    if (!ev_room())
        return;
    if (start < 0) {
        pstat ps; /* not reaped yet, a zombie still has its stat */
        if (read_checked(pid, ts, &ps, false))
            start = ps.start_ns;
    }
    /* exit_code is the wait status: exit status in bits 8-15, terminating signal in bits 0-6. */
    uint32_t status = x->exit_code;
    jbuf b;
    ev_open(&b, "exit", ts);
    jb_lit(&b, ",\"pid\":");
    jb_i64(&b, pid);
    jb_lit(&b, ",\"start_ns\":");
    jb_i64_or_null(&b, start);
    jb_lit(&b, ",\"exit_code\":");
    jb_u64(&b, (status >> 8) & 0xff);
    jb_lit(&b, ",\"signal\":");
    jb_u64(&b, status & 0x7f);
    ev_close(&b);
}

static void on_id(const struct proc_event *ev, int64_t ts, bool is_uid)
{
    const struct id_proc_event *d = &ev->event_data.id;
    int32_t pid = d->process_tgid, tid = d->process_pid;
    int64_t r = is_uid ? (int64_t)d->r.ruid : (int64_t)d->r.rgid;
    int64_t eff = is_uid ? (int64_t)d->e.euid : (int64_t)d->e.egid;
    pent *e = pt_put(&pids, pid);
    if (e) {
        if (is_uid)
            e->uid = r;
        else
            e->gid = r;
    }
    if (!ev_room())
        return;
    pstat ps;
    read_checked(pid, ts, &ps, !is_uid);
    int64_t start = ps.ok_stat ? ps.start_ns : -1;
    e = pt_get(&pids, pid);
    if (e && start < 0)
        start = e->start_ns;
    else if (e && e->start_ns < 0)
        e->start_ns = start;
    int64_t uid = is_uid ? r : (ps.ok_status ? ps.ruid : (e ? e->uid : -1));

    jbuf b;
    ev_open(&b, "setid", ts);
    jb_lit(&b, ",\"pid\":");
    jb_i64(&b, pid);
    jb_lit(&b, ",\"tid\":");
    jb_i64(&b, tid);
    jb_lit(&b, ",\"start_ns\":");
    jb_i64_or_null(&b, start);
    jb_lit(&b, ",\"uid\":");
    jb_i64_or_null(&b, uid);
    put_comm(&b, &ps);
    jb_lit(&b, ",\"ret\":0,\"syscall\":\"cn_proc\",\"id_type\":");
    if (is_uid)
        jb_lit(&b, "\"uid\"");
    else
        jb_lit(&b, "\"gid\"");
    jb_lit(&b, ",\"args\":[");
    jb_i64(&b, r);
    jb_char(&b, ',');
    jb_i64(&b, eff);
    jb_char(&b, ']');
    ev_close(&b);
}

static void on_ptrace(const struct proc_event *ev, int64_t ts)
{
    const struct ptrace_proc_event *p = &ev->event_data.ptrace;
    int32_t target = p->process_tgid, target_tid = p->process_pid;
    int32_t tracer = p->tracer_tgid, tracer_tid = p->tracer_pid;
    bool attach = tracer != 0;
    if (attach) {
        struct tracer *slot = NULL;
        for (unsigned i = 0; i < TRACERS; i++)
            if (tracers[i].target_tid == target_tid)
                slot = &tracers[i];
        if (!slot)
            slot = &tracers[tracers_next++ % TRACERS];
        *slot = (struct tracer){ target_tid, tracer, tracer_tid };
    } else {
        /* The kernel reports a detach with tracer 0; the tracer is the one we saw attach. */
        tracer = tracer_tid = -1;
        for (unsigned i = 0; i < TRACERS; i++) {
            if (tracers[i].target_tid == target_tid) {
                tracer = tracers[i].tracer_tgid;
                tracer_tid = tracers[i].tracer_tid;
                tracers[i] = (struct tracer){ 0, 0, 0 };
                break;
            }
        }
    }
    if (!ev_room())
        return;
    pstat ps;
    pstat_reset(&ps);
    int64_t start = -1, uid = -1;
    if (tracer > 0) {
        read_checked(tracer, ts, &ps, true);
        pent *e = pt_get(&pids, tracer);
        start = ps.ok_stat ? ps.start_ns : (e ? e->start_ns : -1);
        uid = ps.ok_status ? ps.ruid : (e ? e->uid : -1);
    }
    pent *te = pt_get(&pids, target);
    int64_t target_start = te ? te->start_ns : -1;
    if (target_start < 0) {
        pstat tps;
        if (read_checked(target, ts, &tps, false))
            target_start = tps.start_ns;
    }

    jbuf b;
    ev_open(&b, "ptrace", ts);
    jb_lit(&b, ",\"pid\":");
    jb_i64_or_null(&b, tracer);
    jb_lit(&b, ",\"tid\":");
    jb_i64_or_null(&b, tracer_tid);
    jb_lit(&b, ",\"start_ns\":");
    jb_i64_or_null(&b, start);
    jb_lit(&b, ",\"uid\":");
    jb_i64_or_null(&b, uid);
    put_comm(&b, &ps);
    jb_lit(&b, ",\"ret\":0,\"request\":null,\"attach\":");
    jb_bool(&b, attach);
    jb_lit(&b, ",\"target_pid\":");
    jb_i64(&b, target);
    jb_lit(&b, ",\"target_tid\":");
    jb_i64(&b, target_tid);
    jb_lit(&b, ",\"target_start_ns\":");
    jb_i64_or_null(&b, target_start);
    ev_close(&b);
}

/* ------------------------------------------------------------------------------------------------ */
/* netlink */

static int nl_fd = -1;

/* Loss accounting: the kernel numbers proc connector messages per CPU (cn_msg.seq, with the CPU in
 * proc_event.cpu), so a hole in a CPU's sequence is the exact number of messages we did not get. */
static uint32_t *cpu_last;
static uint8_t *cpu_seen;
static size_t cpu_slots;
static uint64_t gap_lost;
static bool enobufs_unreported;
static int64_t enobufs_at = -1;     /* boottime of the last ENOBUFS */

static void track_seq(uint32_t cpu, uint32_t seq)
{
    if (cpu >= 65536)
        return;
    if (cpu >= cpu_slots) {
        size_t n = cpu + 64;
        uint32_t *l = realloc(cpu_last, n * sizeof *l);
        if (!l)
            return;
        cpu_last = l;
        uint8_t *s = realloc(cpu_seen, n);
        if (!s)
            return;
        memset(s + cpu_slots, 0, n - cpu_slots);
        cpu_seen = s;
        cpu_slots = n;
    }
    if (cpu_seen[cpu]) {
        int32_t d = (int32_t)(seq - cpu_last[cpu]);
        if (d <= 0)
            return; /* not newer: ignore */
        gap_lost += (uint32_t)d - 1;
    }
    cpu_seen[cpu] = 1;
    cpu_last[cpu] = seq;
}

/* A hole in the kernel's numbering: one drop line, where the hole is in the stream (ts: the event
 * that revealed it; the lost ones came before). */
static void report_gaps(int64_t ts)
{
    int64_t now = clock_ns(CLOCK_BOOTTIME);
    bool recent = enobufs_at >= 0 && now - enobufs_at < 10 * 1000000000LL;
    if (emit_drop((int64_t)gap_lost, recent ? "netlink_enobufs" : "netlink_lost", ts)) {
        gap_lost = 0;
        enobufs_unreported = false;
    }
}

static int nl_send_op(uint32_t op)
{
    char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(uint32_t))];
    memset(buf, 0, sizeof buf);
    struct nlmsghdr *nh = (struct nlmsghdr *)buf;
    nh->nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(uint32_t));
    nh->nlmsg_type = NLMSG_DONE;
    nh->nlmsg_pid = (uint32_t)getpid();
    struct cn_msg cn;
    memset(&cn, 0, sizeof cn);
    cn.id.idx = CN_IDX_PROC;
    cn.id.val = CN_VAL_PROC;
    cn.len = sizeof(uint32_t);
    memcpy(NLMSG_DATA(nh), &cn, sizeof cn);
    memcpy((char *)NLMSG_DATA(nh) + sizeof cn, &op, sizeof op);
    struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = 0, .nl_groups = CN_IDX_PROC };
    for (;;) {
        ssize_t n = sendto(nl_fd, buf, nh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof to);
        if (n >= 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == ENOBUFS) {
            struct pollfd pf = { .fd = nl_fd, .events = POLLOUT };
            poll(&pf, 1, 100);
            continue;
        }
        return -1;
    }
}

static int rcvbuf_want = RCVBUF_WANT;
/* exec details are read from /proc after the event: the sooner we run, the fewer short-lived processes
 * are gone by then (2,000 /bin/true here: ~50-85% keep argv at nice 0, ~95-99% at nice -10). */
static int nice_want = -10;
static int rcvbuf_bytes;
static bool rcvbuf_forced;

static bool nl_open(char *why, size_t whylen)
{
    nl_fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
    if (nl_fd < 0) {
        snprintf(why, whylen, "cannot open a NETLINK_CONNECTOR socket (%s): kernel without CONFIG_CONNECTOR?",
                 strerror(errno));
        return false;
    }
    int want = rcvbuf_want;
    rcvbuf_forced = setsockopt(nl_fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) == 0;
    if (!rcvbuf_forced)
        setsockopt(nl_fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
    socklen_t sl = sizeof rcvbuf_bytes;
    getsockopt(nl_fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_bytes, &sl);

    struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = 0, .nl_groups = CN_IDX_PROC };
    if (bind(nl_fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (errno == EPERM || errno == EACCES)
            snprintf(why, whylen, "listening to the proc connector needs root (CAP_NET_ADMIN): %s", strerror(errno));
        else
            snprintf(why, whylen, "cannot bind to the proc connector: %s", strerror(errno));
        return false;
    }
    if (nl_send_op(PROC_CN_MCAST_LISTEN) < 0) {
        if (errno == EPERM || errno == EACCES)
            snprintf(why, whylen, "subscribing to the proc connector needs root (CAP_NET_ADMIN): %s", strerror(errno));
        else
            snprintf(why, whylen, "cannot subscribe to the proc connector: %s", strerror(errno));
        return false;
    }
    return true;
}

static bool proc_connector_registered(void)
{
    FILE *f = fopen("/proc/net/connector", "r");
    if (!f)
        return true; /* cannot tell; the probe decides */
    char line[256];
    bool found = false;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "cn_proc", 7) == 0)
            found = true;
    fclose(f);
    return found;
}

static void handle_datagram(const char *buf, size_t len)
{
    const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
    for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
        if (nh->nlmsg_type == NLMSG_NOOP || nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_OVERRUN)
            continue;
        if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg)))
            continue;
        struct cn_msg cn;
        memcpy(&cn, NLMSG_DATA(nh), sizeof cn);
        if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC)
            continue;
        size_t avail = nh->nlmsg_len - NLMSG_LENGTH(sizeof(struct cn_msg));
        size_t dlen = cn.len < avail ? cn.len : avail;
        if (dlen < offsetof(struct proc_event, event_data))
            continue;
        /* The payload is not 8-byte aligned in the datagram: copy it out. */
        struct proc_event ev;
        memset(&ev, 0, sizeof ev);
        memcpy(&ev, (const char *)NLMSG_DATA(nh) + sizeof cn, dlen < sizeof ev ? dlen : sizeof ev);
        track_seq(ev.cpu, cn.seq);
        int64_t ts = (int64_t)ev.timestamp_ns + mono_to_boot;
        if (gap_lost)
            report_gaps(ts);
        switch (ev.what) {
        case PROC_EVENT_FORK: on_fork(&ev, ts); break;
        case PROC_EVENT_EXEC: on_exec(&ev, ts); break;
        case PROC_EVENT_EXIT: on_exit_ev(&ev, ts); break;
        case PROC_EVENT_UID: on_id(&ev, ts, true); break;
        case PROC_EVENT_GID: on_id(&ev, ts, false); break;
        case PROC_EVENT_PTRACE: on_ptrace(&ev, ts); break;
        default: break; /* acks, sid, comm, coredump: not reported */
        }
    }
}

static bool nl_fatal;
static int64_t poked_at = -1;

/* After an overflow, a CPU's hole only shows when that CPU sends its next message. Make every CPU we
 * may run on send one now (a comm event, which we do not report: we set our own name again), so the
 * loss is counted at once instead of whenever that CPU next forks something. */
static void poke_all_cpus(void)
{
    cpu_set_t orig, one;
    if (sched_getaffinity(0, sizeof orig, &orig) < 0)
        return;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &orig))
            continue;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (sched_setaffinity(0, sizeof one, &one) == 0)
            prctl(PR_SET_NAME, (unsigned long)"mamori-proc-cn", 0, 0, 0);
    }
    sched_setaffinity(0, sizeof orig, &orig);
}

static void end_batch(void)
{
    int64_t now = clock_ns(CLOCK_BOOTTIME);
    if (enobufs_at >= 0 && enobufs_at > poked_at && now - poked_at >= 100000000LL) {
        poke_all_cpus();
        poked_at = now;
    }
    if (gap_lost) {
        report_gaps(now);
    } else if (enobufs_unreported && now - enobufs_at >= ENOBUFS_NULL_AFTER_NS) {
        /* The socket overflowed but no hole showed up yet: say so with an unknown count. */
        if (emit_drop(-1, "netlink_enobufs", now))
            enobufs_unreported = false;
    }
    report_output_drops();
    keep_table_bounded();
    out_flush();
}

static char rx_bufs[NMSG][MSG_BUFSZ];

static void drain_netlink(void)
{
    struct mmsghdr msgs[NMSG];
    struct iovec iov[NMSG];
    struct sockaddr_nl from[NMSG];
    int handled = 0;
    while (handled < BATCH_MAX) {
        for (int i = 0; i < NMSG; i++) {
            iov[i].iov_base = rx_bufs[i];
            iov[i].iov_len = MSG_BUFSZ;
            memset(&msgs[i], 0, sizeof msgs[i]);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        }
        int n = recvmmsg(nl_fd, msgs, NMSG, MSG_DONTWAIT, NULL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == ENOBUFS) {
                enobufs_at = clock_ns(CLOCK_BOOTTIME);
                enobufs_unreported = true;
                continue;
            }
            diag("netlink receive failed: %s", strerror(errno));
            nl_fatal = true;
            break;
        }
        sample_clock_offset();
        for (int i = 0; i < n; i++) {
            if (msgs[i].msg_hdr.msg_namelen >= sizeof(struct sockaddr_nl) && from[i].nl_pid != 0)
                continue; /* only the kernel speaks here */
            handle_datagram(rx_bufs[i], msgs[i].msg_len);
        }
        handled += n;
        if (n < NMSG)
            break;
    }
    end_batch();
}

/* ------------------------------------------------------------------------------------------------ */
/* start-up, probe, main loop */

static int sig_fd = -1;

static void restore_stdout(void)
{
    if (out_nonblock && out_saved_flags >= 0)
        fcntl(1, F_SETFL, out_saved_flags);
}

static void write_hello(void)
{
    jbuf b;
    jb_init(&b, out_buf + out_tail, OUT_CAP - out_tail);
    jb_lit(&b, "{\"type\":\"hello\",\"protocol\":1,\"helper\":\"" HELPER "\",\"version\":\"" VERSION
               "\",\"tier\":\"cn_proc\",\"pid\":");
    jb_i64(&b, getpid());
    jb_lit(&b, ",\"capabilities\":[\"exec\",\"fork\",\"exit\",\"ptrace\",\"setid\"],\"clock\":\"boottime\"}\n");
    out_tail += b.len;
}

/* Subscribe, fork a child that exits at once, and wait for its fork event: proves that events reach
 * us here (the proc connector is silent for listeners outside the initial user and PID namespace). */
static bool start_and_probe(char *why, size_t whylen, bool *signalled)
{
    *signalled = false;
    if (!proc_connector_registered()) {
        snprintf(why, whylen, "the kernel has no proc connector (CONFIG_PROC_EVENTS is off)");
        return false;
    }
    if (!nl_open(why, whylen))
        return false;
    scan_proc();
    pid_t c = fork();
    if (c < 0) {
        snprintf(why, whylen, "fork for the probe failed: %s", strerror(errno));
        return false;
    }
    if (c == 0)
        _exit(0);
    probe_pid = c;
    int64_t deadline = clock_ns(CLOCK_MONOTONIC) + PROBE_TIMEOUT_MS * 1000000LL;
    while (!probe_seen && !nl_fatal) {
        int64_t left = (deadline - clock_ns(CLOCK_MONOTONIC)) / 1000000;
        if (left <= 0)
            break;
        struct pollfd pf[2] = { { .fd = nl_fd, .events = POLLIN }, { .fd = sig_fd, .events = POLLIN } };
        int r = poll(pf, 2, (int)left);
        if (r < 0 && errno != EINTR)
            break;
        if (pf[1].revents & POLLIN) {
            *signalled = true;
            break;
        }
        if (pf[0].revents)
            drain_netlink();
    }
    waitpid(c, NULL, 0);
    if (!probe_seen && !*signalled) {
        snprintf(why, whylen,
                 "no events from the proc connector within %d ms (it only reports to listeners in the initial "
                 "user and PID namespace)", PROBE_TIMEOUT_MS);
        return false;
    }
    return true;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: " HELPER " [--self-test | --help | --version] [--rcvbuf BYTES] [--nice N]\n"
            "Mamori's fallback process sensor: streams fork, exec, exit, setid and ptrace events from the\n"
            "kernel's proc connector (netlink) as NDJSON on stdout (protocol 1, tier cn_proc, see\n"
            "native-helpers/PROTOCOL.md). exec details (filename, argv) are read from /proc after the event\n"
            "(\"late\":true), so a process that exits at once may be reported with \"argv\":null.\n"
            "Needs root in the initial user and PID namespace; exits 3 when it cannot run here.\n"
            "  --self-test  check that events arrive here, print one JSON line, exit 0 (ok) or 3\n"
            "  --rcvbuf N   netlink receive buffer in bytes (default 32 MiB; smaller only to test loss)\n"
            "  --nice N     scheduling priority to run at (default -10, so /proc is read sooner; 0 = keep)\n"
            "  --version    print the version\n"
            "  --help       this text\n");
}

int main(int argc, char **argv)
{
    bool self_test = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf(HELPER " " VERSION "\n");
            return 0;
        } else if (strcmp(argv[i], "--self-test") == 0) {
            self_test = true;
        } else if (strcmp(argv[i], "--rcvbuf") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 4096 || v > (1L << 30)) {
                diag("--rcvbuf wants a byte count from 4096 to 1073741824");
                return 2;
            }
            rcvbuf_want = (int)v;
        } else if (strcmp(argv[i], "--nice") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < -20 || v > 19) {
                diag("--nice wants a number from -20 to 19");
                return 2;
            }
            nice_want = (int)v;
        } else {
            diag("unknown argument: %s", argv[i]);
            usage(stderr);
            return 2;
        }
    }

    procfs_init();
    signal(SIGPIPE, SIG_IGN);
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    sigaddset(&ss, SIGHUP);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    sig_fd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
    out_buf = malloc(OUT_CAP);
    if (sig_fd < 0 || !out_buf || !pt_init(&pids, 4096)) {
        diag("out of resources at start");
        return 3;
    }
    sample_clock_offset();

    char why[256] = "";
    out_hold = true;
    if (!self_test)
        write_hello();
    bool signalled = false;
    bool ok = start_and_probe(why, sizeof why, &signalled);
    if (self_test) {
        out_head = out_tail = 0;
        char rb[64];
        if (rcvbuf_forced)
            snprintf(rb, sizeof rb, "%d KiB (forced)", rcvbuf_bytes / 1024);
        else
            snprintf(rb, sizeof rb, "%d KiB", rcvbuf_bytes / 1024);
        char reason[400];
        if (ok)
            snprintf(reason, sizeof reason, "proc connector delivers events here; netlink receive buffer %s", rb);
        else
            snprintf(reason, sizeof reason, "%s", signalled ? "interrupted" : why);
        jbuf b;
        jb_init(&b, out_buf, OUT_CAP);
        jb_lit(&b, "{\"type\":\"self_test\",\"ok\":");
        jb_bool(&b, ok);
        jb_lit(&b, ",\"reason\":");
        jb_str(&b, reason, strlen(reason));
        jb_lit(&b, "}\n");
        if (nl_fd >= 0)
            nl_send_op(PROC_CN_MCAST_IGNORE);
        if (write(1, b.p, b.len) < 0)
            return 3;
        return ok ? 0 : 3;
    }
    if (!ok) {
        if (signalled) {
            if (nl_fd >= 0)
                nl_send_op(PROC_CN_MCAST_IGNORE);
            return 0;
        }
        diag("cannot run here: %s", why);
        return 3;
    }

    /* Running: write what the probe collected (hello first), then stream. */
    struct stat st;
    if (fstat(1, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        out_saved_flags = fcntl(1, F_GETFL);
        if (out_saved_flags >= 0 && fcntl(1, F_SETFL, out_saved_flags | O_NONBLOCK) == 0)
            out_nonblock = true;
    }
    if (!rcvbuf_forced || rcvbuf_bytes < RCVBUF_WANT) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "netlink receive buffer is only %d KiB (wanted %d KiB): bursts of processes may be lost "
                 "(reported as drop events)", rcvbuf_bytes / 1024, RCVBUF_WANT / 1024);
        emit_log("warn", msg);
    }
    if (nice_want != 0 && setpriority(PRIO_PROCESS, 0, nice_want) < 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "cannot run at nice %d (%s): short-lived processes are more likely to lose argv",
                 nice_want, strerror(errno));
        emit_log("warn", msg);
    }
    emit_log("info", "cn_proc tier: exec filename and argv are read from /proc after the event (late); "
                     "a process that exits at once may have argv null");
    out_hold = false;
    out_flush();

    while (!out_dead && !nl_fatal) {
        struct pollfd pf[3] = {
            { .fd = nl_fd, .events = POLLIN },
            { .fd = sig_fd, .events = POLLIN },
            { .fd = 1, .events = out_pending() && out_nonblock ? POLLOUT : 0 },
        };
        int timeout = enobufs_unreported ? 250 : -1;
        int r = poll(pf, out_nonblock ? 3 : 2, timeout);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            diag("poll: %s", strerror(errno));
            break;
        }
        if (pf[1].revents & POLLIN)
            break;
        if (pf[0].revents & (POLLERR | POLLIN) || r == 0)
            drain_netlink();
        if (pf[2].revents & (POLLOUT | POLLERR | POLLHUP)) {
            out_flush();
            report_output_drops();
            out_flush();
        }
    }

    /* Stop: unsubscribe, report loss still pending, write what is left (briefly: the core wants us
     * gone within 1 s). */
    nl_send_op(PROC_CN_MCAST_IGNORE);
    if (!out_dead) {
        if (gap_lost)
            report_gaps(clock_ns(CLOCK_BOOTTIME));
        else if (enobufs_unreported)
            emit_drop(-1, "netlink_enobufs", clock_ns(CLOCK_BOOTTIME));
        report_output_drops();
    }
    close(nl_fd);
    int64_t until = clock_ns(CLOCK_MONOTONIC) + 300 * 1000000LL;
    out_flush();
    while (!out_dead && out_pending() && out_nonblock) {
        int64_t left = (until - clock_ns(CLOCK_MONOTONIC)) / 1000000;
        if (left <= 0)
            break;
        struct pollfd pf = { .fd = 1, .events = POLLOUT };
        if (poll(&pf, 1, (int)left) <= 0)
            break;
        out_flush();
    }
    restore_stdout();
    return nl_fatal ? 1 : 0;
}
