#include "json.h"

#include <string.h>

static const char hexd[] = "0123456789abcdef";

/* 1 = ASCII that can be copied as is (0x20..0x7f except '"' and '\\'). */
static const uint8_t plain_ascii[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(0), R16(0),                                     /* 0x00 - 0x1f: control characters */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,     /* 0x20 - 0x2f: '"' is 0x22 */
    R16(1), R16(1),                                     /* 0x30 - 0x4f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,     /* 0x50 - 0x5f: '\\' is 0x5c */
    R16(1), R16(1),                                     /* 0x60 - 0x7f */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), /* 0x80 - 0xff */
#undef R16
};

void jb_init(jbuf *b, char *mem, size_t cap)
{
    b->p = mem;
    b->len = 0;
    b->cap = cap;
    b->overflow = false;
}

void jb_raw(jbuf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n) {
        b->overflow = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

void jb_char(jbuf *b, char c)
{
    if (b->len >= b->cap) {
        b->overflow = true;
        return;
    }
    b->p[b->len++] = c;
}

void jb_u64(jbuf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    jb_raw(b, tmp + i, sizeof tmp - i);
}

void jb_i64(jbuf *b, int64_t v)
{
    if (v < 0) {
        jb_char(b, '-');
        jb_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        jb_u64(b, (uint64_t)v);
    }
}

void jb_i64_or_null(jbuf *b, int64_t v)
{
    if (v < 0)
        jb_lit(b, "null");
    else
        jb_u64(b, (uint64_t)v);
}

void jb_bool(jbuf *b, bool v)
{
    if (v)
        jb_lit(b, "true");
    else
        jb_lit(b, "false");
}

/* Length of the valid UTF-8 sequence starting at s[0] (n bytes available), or 0 if invalid.
 * Rejects overlong forms, UTF-16 surrogates and code points above U+10FFFF. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c >= 0xc2 && c <= 0xdf) {
        if (n >= 2 && (s[1] & 0xc0) == 0x80)
            return 2;
        return 0;
    }
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[2] & 0xc0) != 0x80)
            return 0;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c == 0xe0)
            lo = 0xa0;      /* overlong */
        else if (c == 0xed)
            hi = 0x9f;      /* surrogates */
        return (s[1] >= lo && s[1] <= hi) ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        uint8_t lo = 0x80, hi = 0xbf;
        if (c == 0xf0)
            lo = 0x90;      /* overlong */
        else if (c == 0xf4)
            hi = 0x8f;      /* above U+10FFFF */
        return (s[1] >= lo && s[1] <= hi) ? 4 : 0;
    }
    return 0;
}

void jb_str(jbuf *b, const void *src, size_t n)
{
    const uint8_t *s = src;
    /* Reserve the worst case once, so the loop below needs no bounds checks. */
    if (b->cap - b->len < JSON_STR_MAX(n)) {
        b->overflow = true;
        return;
    }
    char *o = b->p + b->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && plain_ascii[s[j]])
            j++;
        if (j > i) {
            memcpy(o, s + i, j - i);
            o += j - i;
            i = j;
            if (i >= n)
                break;
        }
        uint8_t c = s[i];
        if (c < 0x80) {
            *o++ = '\\';
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            default:
                *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hexd[c >> 4]; *o++ = hexd[c & 15];
                break;
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
    b->len = (size_t)(o - b->p);
}
