/* mamori-proc-signal: sends KILL, STOP, CONT or TERM to processes named by pid AND start time, so a pid
 * that now belongs to another process is never signalled. Per target: pidfd_open(pid) pins whatever
 * process holds the pid now; /proc/PID/stat must then show the expected start time (else the pid was
 * reused: refuse); pidfd_send_signal() on that pidfd reaches exactly the pinned process, or fails with
 * ESRCH if it exited in between, never a newcomer that took the pid. One-shot: targets on the command
 * line, one NDJSON result line per target on stdout. How and why: README.md next to this file. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "json.h"

#define HELPER "mamori-proc-signal"
#define VERSION "0.1.0"

#define MAX_TARGETS 65536
#define PF_KTHREAD 0x00200000u /* include/linux/sched.h: the task is a kernel thread */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

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

static int pidfd_open(pid_t pid)
{
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int pidfd_send_signal(int pidfd, int sig)
{
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static int64_t boot_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The only signals Mamori's responders need; anything else is refused, not passed through. */
static const struct { const char *name; int sig; } allowed[] = {
    { "KILL", SIGKILL }, { "STOP", SIGSTOP }, { "CONT", SIGCONT }, { "TERM", SIGTERM },
};

static int parse_signal(const char *s, const char **name)
{
    if (strncmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
        if (strcmp(s, allowed[i].name) == 0) {
            *name = allowed[i].name;
            return allowed[i].sig;
        }
    }
    return -1;
}

static const char *errno_name(int e)
{
    switch (e) {
    case EPERM: return "EPERM";
    case ESRCH: return "ESRCH";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case ENOSYS: return "ENOSYS";
    case EIO: return "EIO";
    default: return "ERRNO";
    }
}

typedef struct target {
    pid_t pid;
    int64_t ticks; /* start time since boot in 10 ms units: the number in Mamori's entity id */
} target;

typedef struct pstat {
    char state;
    unsigned flags;
    int64_t ticks; /* converted to 10 ms units */
} pstat;

static long clk_tck = 100;

/* /proc/PID/stat fields 3 (state), 9 (flags) and 22 (starttime, clock ticks since boot). comm (field 2)
 * may hold spaces and ')', so fields are counted from the last ')'. Returns false if the pid has no entry. */
static bool read_stat(pid_t pid, pstat *p)
{
    char path[40], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n;
    do
        n = read(fd, buf, sizeof buf - 1);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = 0;
    char *r = strrchr(buf, ')');
    if (!r || r + 2 >= buf + n)
        return false;
    char *s = r + 2;
    p->state = *s;
    bool have_start = false;
    for (int field = 3; *s && field <= 22; field++) {
        if (field == 9)
            p->flags = (unsigned)strtoul(s, NULL, 10);
        else if (field == 22) {
            uint64_t t = strtoull(s, NULL, 10);
            /* Entity ids count 10 ms units; CLK_TCK is 100 on every Linux Mamori targets, so this is t. */
            p->ticks = clk_tck == 100 ? (int64_t)t : (int64_t)(t / (uint64_t)clk_tck * 100 + t % (uint64_t)clk_tck * 100 / (uint64_t)clk_tck);
            have_start = true;
        }
        char *sp = strchr(s, ' ');
        if (!sp)
            break;
        s = sp + 1;
    }
    return have_start;
}

typedef struct outcome {
    const char *code; /* NULL = signalled */
    int err;
    char state;       /* state before the signal, 0 if unknown */
    int64_t actual_ticks; /* for REUSED: the start time of the process now holding the pid */
} outcome;

static outcome act(const target *t, int sig)
{
    outcome o = { NULL, 0, 0, -1 };
    /* Never the init process, the helper itself or its caller (Mamori), whatever the caller asks. */
    if (t->pid <= 1 || t->pid == getpid() || t->pid == getppid()) {
        o.code = "PROTECTED";
        return o;
    }
    int fd = pidfd_open(t->pid);
    if (fd < 0) {
        o.err = errno;
        o.code = errno == ESRCH ? "GONE" : errno_name(errno);
        return o;
    }
    /* The pidfd is taken first: if the stat read below shows the expected start time, the pidfd pins that
     * very process (had it exited in between, the signal fails with ESRCH instead of reaching a newcomer). */
    pstat p = { 0, 0, -1 };
    if (!read_stat(t->pid, &p)) {
        o.code = "GONE";
        goto out;
    }
    o.state = p.state;
    if (p.ticks != t->ticks) {
        o.code = "REUSED";
        o.actual_ticks = p.ticks;
        goto out;
    }
    if (p.state == 'Z' || p.state == 'X') { /* exited, waiting to be reaped: nothing left to signal */
        o.code = "GONE";
        goto out;
    }
    if (p.flags & PF_KTHREAD) {
        o.code = "PROTECTED";
        goto out;
    }
    if (pidfd_send_signal(fd, sig) < 0) {
        o.err = errno;
        o.code = errno == ESRCH ? "GONE" : errno_name(errno);
    }
out:
    close(fd);
    return o;
}

static bool write_all(const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(1, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static uint64_t next_seq = 1;

static bool emit_result(const target *t, const char *signame, const outcome *o)
{
    char mem[512];
    jbuf b;
    jb_init(&b, mem, sizeof mem);
    jb_lit(&b, "{\"type\":\"result\",\"pid\":");
    jb_i64(&b, t->pid);
    jb_lit(&b, ",\"ticks\":");
    jb_i64(&b, t->ticks);
    jb_lit(&b, ",\"signal\":");
    jb_str(&b, signame, strlen(signame));
    jb_lit(&b, ",\"ok\":");
    jb_bool(&b, o->code == NULL);
    if (o->code) {
        jb_lit(&b, ",\"code\":");
        jb_str(&b, o->code, strlen(o->code));
        jb_lit(&b, ",\"errno\":");
        jb_i64(&b, o->err);
    }
    if (o->actual_ticks >= 0) {
        jb_lit(&b, ",\"actual_ticks\":");
        jb_i64(&b, o->actual_ticks);
    }
    if (o->state) {
        jb_lit(&b, ",\"state\":");
        jb_str(&b, &o->state, 1);
    }
    jb_lit(&b, ",\"seq\":");
    jb_u64(&b, next_seq++);
    jb_lit(&b, ",\"ts_ns\":");
    jb_i64(&b, boot_ns());
    jb_lit(&b, "}\n");
    return !b.overflow && write_all(mem, b.len);
}

static bool emit_hello(void)
{
    char mem[512];
    jbuf b;
    jb_init(&b, mem, sizeof mem);
    jb_lit(&b, "{\"type\":\"hello\",\"protocol\":1,\"helper\":\"" HELPER "\",\"version\":\"" VERSION
               "\",\"tier\":\"pidfd\",\"pid\":");
    jb_i64(&b, getpid());
    jb_lit(&b, ",\"capabilities\":[\"KILL\",\"STOP\",\"CONT\",\"TERM\"],\"clock\":\"boottime\"}\n");
    return write_all(mem, b.len);
}

/* pidfds need Linux 5.3 (pidfd_open); on an older kernel the core falls back to check-then-kill. */
static bool pidfd_works(char *why, size_t whylen)
{
    int fd = pidfd_open(getpid());
    if (fd < 0) {
        snprintf(why, whylen, "pidfd_open: %s (needs Linux 5.3 or later)", strerror(errno));
        return false;
    }
    int r = pidfd_send_signal(fd, 0);
    int e = errno;
    close(fd);
    if (r < 0) {
        snprintf(why, whylen, "pidfd_send_signal: %s", strerror(e));
        return false;
    }
    return true;
}

static bool parse_target(const char *s, target *t)
{
    char *end;
    errno = 0;
    long long pid = strtoll(s, &end, 10);
    if (errno || end == s || *end != ':' || pid < 1 || pid > INT_MAX)
        return false;
    const char *tk = end + 1;
    long long ticks = strtoll(tk, &end, 10);
    if (errno || end == tk || *end || ticks < 0)
        return false;
    t->pid = (pid_t)pid;
    t->ticks = ticks;
    return true;
}

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: " HELPER " SIGNAL PID:TICKS [PID:TICKS...]\n"
            "       " HELPER " --self-test | --help | --version\n"
            "Sends SIGNAL (KILL, STOP, CONT or TERM; nothing else) to each process PID whose start time is\n"
            "TICKS (10 ms units since boot, as /proc/PID/stat field 22 with CLK_TCK 100: the number in\n"
            "Mamori's entity id PID-TICKS), through a pidfd, so a reused pid is never signalled. Prints a\n"
            "hello line, then one NDJSON result per target, in order: ok:true, or ok:false with code GONE,\n"
            "REUSED, PROTECTED, EPERM, ... Exit 0 when every target was answered, 2 on bad arguments\n"
            "(nothing signalled), 3 when pidfds do not work here.\n");
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf(HELPER " " VERSION "\n");
        return 0;
    }
    long t = sysconf(_SC_CLK_TCK);
    if (t > 0)
        clk_tck = t;
    char why[256] = "";
    if (argc == 2 && strcmp(argv[1], "--self-test") == 0) {
        bool ok = pidfd_works(why, sizeof why);
        char mem[600];
        jbuf b;
        jb_init(&b, mem, sizeof mem);
        jb_lit(&b, "{\"type\":\"self_test\",\"ok\":");
        jb_bool(&b, ok);
        jb_lit(&b, ",\"reason\":");
        if (ok)
            jb_lit(&b, "\"pidfd_open and pidfd_send_signal work\"");
        else
            jb_str(&b, why, strlen(why));
        jb_lit(&b, "}\n");
        write_all(mem, b.len);
        return ok ? 0 : 3;
    }
    if (argc < 3) {
        usage(stderr);
        return 2;
    }
    const char *signame = NULL;
    int sig = parse_signal(argv[1], &signame);
    if (sig < 0) {
        diag("signal '%s' is not allowed (KILL, STOP, CONT or TERM)", argv[1]);
        return 2;
    }
    int n = argc - 2;
    if (n > MAX_TARGETS) {
        diag("at most %d targets per run", MAX_TARGETS);
        return 2;
    }
    target *targets = calloc((size_t)n, sizeof *targets);
    if (!targets) {
        diag("out of memory");
        return 1;
    }
    /* Every argument is checked before anything is signalled: a typo never leaves half a tree stopped. */
    for (int i = 0; i < n; i++) {
        if (!parse_target(argv[i + 2], &targets[i])) {
            diag("bad target '%s' (want PID:TICKS, e.g. 4321:1234567)", argv[i + 2]);
            free(targets);
            return 2;
        }
    }
    if (!pidfd_works(why, sizeof why)) {
        diag("%s", why);
        free(targets);
        return 3;
    }
    if (!emit_hello()) {
        free(targets);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        outcome o = act(&targets[i], sig);
        if (!emit_result(&targets[i], signame, &o)) {
            free(targets);
            return 1; /* stdout gone: the caller stopped listening */
        }
    }
    free(targets);
    return 0;
}
