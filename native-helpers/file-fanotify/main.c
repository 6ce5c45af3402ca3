/* mamori-file-fanotify: file telemetry and exec prevention on fanotify. A notification group with
 * filesystem marks reports create, modify (close after write), delete, rename and attribute changes
 * with the pid that made them; with --exec-guard a permission group answers every exec on the marked
 * filesystems from a decision cache or by asking the core, failing open after a deadline.
 * NDJSON on stdout, commands on stdin: ../PROTOCOL.md ("File events"). Limits: README.md. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "fspath.h"
#include "guard.h"
#include "notify.h"
#include "out.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: " HELPER " [--self-test | --help | --version] [--mount PATH]... [--exclude PREFIX]...\n"
            "       [--exec-guard [--verdict-timeout-ms N]] [--bounded-queue]\n"
            "Mamori's file sensor: streams create, modify (close after write), delete, rename and attrib\n"
            "events with the acting pid from fanotify filesystem marks as NDJSON on stdout (protocol 1,\n"
            "tier fanotify, see native-helpers/PROTOCOL.md). Needs CAP_SYS_ADMIN; exits 3 when it cannot\n"
            "run here.\n"
            "  --mount PATH     watch the whole filesystem that holds PATH (repeatable; default /)\n"
            "  --exclude PREFIX do not report paths under PREFIX (repeatable; e.g. Mamori's data dir)\n"
            "  --exec-guard     also hold every exec on those filesystems until it is allowed: from the\n"
            "                   decision cache, or by the core's verdict on stdin (exec_check / verdict)\n"
            "  --verdict-timeout-ms N  allow an exec the core has not answered after N ms (default 300)\n"
            "  --bounded-queue  keep the kernel's default queue of 16384 events (default: unlimited)\n"
            "  --self-test      check that fanotify works here (with --exec-guard: permission events too),\n"
            "                   print one JSON line, exit 0 (ok) or 3\n"
            "  --version        print the version\n"
            "  --help           this text\n");
}

static void write_hello(bool exec_guard)
{
    char line[16384];
    jbuf b;
    jb_init(&b, line, sizeof line);
    jb_lit(&b, "{\"type\":\"hello\",\"protocol\":1,\"helper\":\"" HELPER "\",\"version\":\"" VERSION
               "\",\"tier\":\"fanotify\",\"pid\":");
    jb_i64(&b, getpid());
    jb_lit(&b, ",\"capabilities\":[\"file\"");
    if (exec_guard)
        jb_lit(&b, ",\"exec_guard\"");
    jb_lit(&b, "],\"clock\":\"boottime\",\"mounts\":[");
    for (int i = 0; i < n_mounts; i++) {
        if (i)
            jb_char(&b, ',');
        jb_str(&b, mounts[i].path, strlen(mounts[i].path));
    }
    jb_lit(&b, "],\"rename\":");
    const char *rm = notify_rename_mode();
    jb_str(&b, rm, strlen(rm));
    jb_lit(&b, ",\"queue\":");
    jb_lit(&b, "\"");
    if (notify_queue_unlimited())
        jb_lit(&b, "unlimited\"");
    else
        jb_lit(&b, "bounded\"");
    jb_lit(&b, "}\n");
    if (!b.overflow)
        out_raw_line(line, b.len);
}

static int self_test(const char *path, bool exec_guard)
{
    char why[600] = "";
    bool ok = notify_probe(path, why, sizeof why);
    bool guard_ok = ok && exec_guard ? guard_probe(why, sizeof why) : false;
    if (ok && exec_guard && !guard_ok)
        ok = false;
    if (ok)
        snprintf(why, sizeof why, "fanotify filesystem marks with FID and name reporting work here%s",
                 exec_guard ? "; exec permission events too" : "");
    char line[2048];
    jbuf b;
    jb_init(&b, line, sizeof line);
    jb_lit(&b, "{\"type\":\"self_test\",\"ok\":");
    jb_bool(&b, ok);
    jb_lit(&b, ",\"reason\":");
    jb_str(&b, why, strlen(why));
    jb_lit(&b, "}\n");
    if (write(1, b.p, b.len) < 0)
        return 3;
    return ok ? 0 : 3;
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    bool want_self_test = false, exec_guard = false, unlimited = true;
    long verdict_ms = 300;
    const char *mount_args[MOUNTS_MAX];
    int n_mount_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf(HELPER " " VERSION "\n");
            return 0;
        } else if (strcmp(a, "--self-test") == 0) {
            want_self_test = true;
        } else if (strcmp(a, "--exec-guard") == 0) {
            exec_guard = true;
        } else if (strcmp(a, "--bounded-queue") == 0) {
            unlimited = false;
        } else if (strcmp(a, "--mount") == 0 && has_val) {
            if (n_mount_args == MOUNTS_MAX) {
                diag("at most %d --mount options", MOUNTS_MAX);
                return 2;
            }
            mount_args[n_mount_args++] = argv[++i];
        } else if (strcmp(a, "--exclude") == 0 && has_val) {
            if (!notify_exclude(argv[++i])) {
                diag("--exclude wants an absolute path (at most 64 of them): %s", argv[i]);
                return 2;
            }
        } else if (strcmp(a, "--verdict-timeout-ms") == 0 && has_val) {
            if (!parse_int(argv[++i], 10, 10000, &verdict_ms)) {
                diag("--verdict-timeout-ms wants a number of milliseconds from 10 to 10000");
                return 2;
            }
        } else {
            diag("unknown argument: %s", a);
            usage(stderr);
            return 2;
        }
    }
    if (n_mount_args == 0)
        mount_args[n_mount_args++] = "/";

    /* A closed stdin/stdout/stderr would be reused by the next open (a fanotify fd read as stdin). */
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
            return 3;

    if (want_self_test)
        return self_test(mount_args[0], exec_guard);

    char why[600] = "";
    for (int i = 0; i < n_mount_args; i++) {
        bool dup;
        if (!fs_add(mount_args[i], &dup, why, sizeof why)) {
            diag("--mount %s", why);
            return 2;
        }
    }

    signal(SIGPIPE, SIG_IGN);
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    sigaddset(&ss, SIGHUP);
    sigprocmask(SIG_BLOCK, &ss, NULL);
    int sig_fd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sig_fd < 0 || !out_init()) {
        diag("out of resources at start");
        return 3;
    }
    if (!notify_start(unlimited, why, sizeof why) || (exec_guard && !guard_start((int)verdict_ms, why, sizeof why))) {
        diag("cannot run here: %s", why);
        return 3;
    }
    out_set_nonblocking();
    write_hello(exec_guard);
    if (!notify_queue_unlimited())
        emit_log("info", "kernel event queue is bounded (16384 events): a burst beyond it is reported as a "
                         "drop with reason fanotify_overflow");
    out_flush();

    while (!out_dead()) {
        bool guard_in = exec_guard && guard_stdin_open();
        struct pollfd pf[5] = {
            { .fd = sig_fd, .events = POLLIN },
            { .fd = exec_guard ? guard_fd() : -1, .events = POLLIN },
            { .fd = guard_in ? 0 : -1, .events = POLLIN },
            /* With the kernel queue unlimited, events wait there while the core is behind: stop reading them when
             * the output buffer is nearly full, rather than reading them and dropping their lines. */
            { .fd = out_can_take_burst() || !notify_queue_unlimited() ? notify_fd() : -1, .events = POLLIN },
            { .fd = out_pending() && out_is_nonblocking() ? 1 : -1, .events = POLLOUT },
        };
        int timeout = exec_guard ? guard_next_timeout_ms() : -1;
        int r = poll(pf, 5, timeout);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            diag("poll: %s", strerror(errno));
            break;
        }
        if (pf[0].revents & POLLIN)
            break;
        /* Permission events first: a process is waiting on each of them. */
        if (pf[1].revents & POLLIN)
            while (guard_read())
                ;
        if (pf[2].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
            guard_stdin();
        if (exec_guard)
            guard_expire();
        if (pf[3].revents & POLLIN)
            notify_read();
        out_flush();
        report_output_drops();
    }

    if (exec_guard)
        guard_stop();
    close(notify_fd());
    report_output_drops();
    out_drain(300);
    out_restore();
    return 0;
}
