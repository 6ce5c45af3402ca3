#include "jw.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t next_seq = 1;
static bool out_dead;

static bool grow(jw *w, size_t extra)
{
    if (w->oom)
        return false;
    if (w->cap - w->len >= extra)
        return true;
    size_t cap = w->cap ? w->cap : 1024;
    while (cap - w->len < extra) {
        if (cap > ((size_t)1 << 40)) {
            w->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(w->p, cap);
    if (!p) {
        w->oom = true;
        return false;
    }
    w->p = p;
    w->cap = cap;
    return true;
}

void jw_reset(jw *w)
{
    w->len = 0;
    w->oom = false;
}

void jw_free(jw *w)
{
    free(w->p);
    w->p = NULL;
    w->len = w->cap = 0;
}

void jw_raw(jw *w, const char *s, size_t n)
{
    if (!grow(w, n))
        return;
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

void jw_i64(jw *w, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    jw_raw(w, tmp, (size_t)n);
}

void jw_bool(jw *w, bool v)
{
    if (v)
        jw_lit(w, "true");
    else
        jw_lit(w, "false");
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0: no overlong forms, no surrogates,
 * nothing above U+10FFFF. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c >= 0xc2 && c <= 0xdf)
        return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[2] & 0xc0) != 0x80)
            return 0;
        uint8_t lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return (s[1] >= lo && s[1] <= hi) ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        uint8_t lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return (s[1] >= lo && s[1] <= hi) ? 4 : 0;
    }
    return 0;
}

static const char hexd[] = "0123456789abcdef";

void jw_str(jw *w, const void *src, size_t n)
{
    const uint8_t *s = src;
    if (!grow(w, 6 * n + 2)) /* worst case: every byte as \u00XX */
        return;
    char *o = w->p + w->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
            continue;
        }
        if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            default:
                *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hexd[c >> 4]; *o++ = hexd[c & 15];
            }
            i++;
            continue;
        }
        size_t k = utf8_len(s + i, n - i);
        if (k) {
            memcpy(o, s + i, k);
            o += k;
            i += k;
        } else {
            *o++ = '\\'; *o++ = 'u'; *o++ = '0'; *o++ = '0';
            *o++ = hexd[c >> 4]; *o++ = hexd[c & 15];
            i++;
        }
    }
    *o++ = '"';
    w->len = (size_t)(o - w->p);
}

void jw_cstr(jw *w, const char *s)
{
    jw_str(w, s, strlen(s));
}

void jw_begin(jw *w, const char *type)
{
    jw_reset(w);
    jw_lit(w, "{\"type\":");
    jw_cstr(w, type);
}

int64_t boottime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static bool write_all(const char *p, size_t n)
{
    while (n && !out_dead) {
        ssize_t k = write(1, p, n);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
        } else if (k < 0 && errno == EINTR) {
            continue;
        } else {
            out_dead = true; /* EPIPE: the core is gone; stdin EOF will end us */
        }
    }
    return !out_dead;
}

bool emit_line(jw *w)
{
    if (w->oom) {
        /* Could not build the line: say so rather than write half of it. */
        jw_reset(w);
        jw_lit(w, "{\"type\":\"error\",\"code\":\"ENOMEM\",\"message\":\"out of memory building a reply\"");
    }
    pthread_mutex_lock(&out_mu);
    /* seq and ts_ns go last: they are only known under the lock, and key order does not matter. */
    char tail[80];
    int n = snprintf(tail, sizeof tail, ",\"seq\":%llu,\"ts_ns\":%lld}\n", (unsigned long long)next_seq,
                     (long long)boottime_ns());
    jw_raw(w, tail, (size_t)n);
    bool ok = false;
    if (!w->oom) {
        next_seq++;
        ok = write_all(w->p, w->len);
    }
    pthread_mutex_unlock(&out_mu);
    return ok;
}

bool emit_raw_line(jw *w)
{
    jw_lit(w, "}\n");
    pthread_mutex_lock(&out_mu);
    bool ok = !w->oom && write_all(w->p, w->len);
    pthread_mutex_unlock(&out_mu);
    return ok;
}

bool out_lock_for_exit(int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    return pthread_mutex_timedlock(&out_mu, &until) == 0;
}
