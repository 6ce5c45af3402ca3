#include "out.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef OUT_CAP
#define OUT_CAP (8u << 20)
#endif

static char *buf;
static size_t head, tail;     /* [head, tail) is not yet written */
static bool dead;             /* stdout is closed (EPIPE) */
static bool nonblock;
static int saved_flags = -1;
static uint64_t next_seq = 1;
static uint64_t lost;         /* lines not emitted because the core did not read; not yet reported */
static bool blocked;          /* dropping until the core has read half of the buffer */
static size_t room(void);

void diag(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    dprintf(2, HELPER ": %s\n", line);
}

int64_t clock_ns(int clock_id)
{
    struct timespec ts;
    clock_gettime((clockid_t)clock_id, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t boot_ns(void)
{
    return clock_ns(CLOCK_BOOTTIME);
}

bool out_init(void)
{
    buf = malloc(OUT_CAP);
    return buf != NULL;
}

void out_set_nonblocking(void)
{
    struct stat st;
    if (fstat(1, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
        saved_flags = fcntl(1, F_GETFL);
        if (saved_flags >= 0 && fcntl(1, F_SETFL, saved_flags | O_NONBLOCK) == 0)
            nonblock = true;
    }
}

void out_restore(void)
{
    if (nonblock && saved_flags >= 0)
        fcntl(1, F_SETFL, saved_flags);
}

bool out_pending(void) { return tail > head; }

/* Room for a whole read of file events (a 256 KiB read of events makes about 1-2 MiB of lines;
 * a read returns at most READ_BUF bytes of events): while there is less, the caller leaves events in the
 * kernel's queue instead of reading them and dropping their lines. */
bool out_can_take_burst(void)
{
    return room() >= OUT_CAP / 2;
}
bool out_is_nonblocking(void) { return nonblock; }
bool out_dead(void) { return dead; }

void out_flush(void)
{
    if (dead)
        return;
    while (head < tail) {
        ssize_t n = write(1, buf + head, tail - head);
        if (n > 0) {
            head += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (n < 0 && errno != EPIPE)
            diag("stdout: %s; exiting", strerror(errno));
        dead = true;
        return;
    }
    if (head == tail)
        head = tail = 0;
}

void out_drain(int ms)
{
    int64_t until = clock_ns(CLOCK_MONOTONIC) + (int64_t)ms * 1000000LL;
    out_flush();
    while (!dead && out_pending() && nonblock) {
        int64_t left = (until - clock_ns(CLOCK_MONOTONIC)) / 1000000;
        if (left <= 0)
            break;
        struct pollfd pf = { .fd = 1, .events = POLLOUT };
        if (poll(&pf, 1, (int)left) <= 0)
            break;
        out_flush();
    }
}

static size_t room(void)
{
    if (head > 0 && OUT_CAP - tail < 2 * EVENT_MAX) {
        memmove(buf, buf + head, tail - head);
        tail -= head;
        head = 0;
    }
    return OUT_CAP - tail;
}

static void open_line(jbuf *b, const char *type, int64_t ts)
{
    jb_init(b, buf + tail, OUT_CAP - tail);
    jb_lit(b, "{\"type\":\"");
    jb_raw(b, type, strlen(type));
    jb_lit(b, "\",\"seq\":");
    jb_u64(b, next_seq);
    jb_lit(b, ",\"ts_ns\":");
    jb_i64(b, ts);
}

/* A drop line bypasses the blocked state (it is what reports it); false if even it does not fit. */
static bool write_drop(int64_t count, const char *reason)
{
    if (room() < 1024)
        return false;
    jbuf b;
    open_line(&b, "drop", boot_ns());
    jb_lit(&b, ",\"count\":");
    jb_i64_or_null(&b, count);
    jb_lit(&b, ",\"reason\":");
    jb_str(&b, reason, strlen(reason));
    jb_lit(&b, "}\n");
    if (b.overflow)
        return false;
    tail += b.len;
    next_seq++;
    return true;
}

/* Once the buffer is full we drop until the core has read half of it, then report the count once. */
void report_output_drops(void)
{
    if (blocked) {
        out_flush();
        if (room() < OUT_CAP / 2)
            return;
        blocked = false;
    }
    if (lost && write_drop((int64_t)lost, "output_blocked"))
        lost = 0;
}

bool ev_begin(jbuf *b, const char *type, int64_t ts)
{
    report_output_drops();
    if (!blocked && room() < 2 * EVENT_MAX) {
        out_flush();
        if (room() < 2 * EVENT_MAX)
            blocked = true;
    }
    if (blocked) {
        lost++;
        return false;
    }
    open_line(b, type, ts);
    return true;
}

void ev_end(jbuf *b)
{
    jb_lit(b, "}\n");
    if (b->overflow) {
        lost++;
        return;
    }
    tail += b->len;
    next_seq++;
}

void out_raw_line(const char *s, size_t n)
{
    if (room() < n)
        return;
    memcpy(buf + tail, s, n);
    tail += n;
}

void emit_log(const char *level, const char *msg)
{
    jbuf b;
    if (!ev_begin(&b, "log", boot_ns()))
        return;
    jb_lit(&b, ",\"level\":");
    jb_str(&b, level, strlen(level));
    jb_lit(&b, ",\"message\":");
    jb_str(&b, msg, strlen(msg));
    ev_end(&b);
}

void emit_drop(int64_t count, const char *reason)
{
    report_output_drops();
    if (!write_drop(count, reason) && count > 0)
        lost += (uint64_t)count; /* reported later as output_blocked */
}
