/* Container decoders (see containers.h). Every reader checks bounds before each read; outputs are
 * capped at max_out, so a hostile container costs at most its own size plus max_out per child. */
#include "containers.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "ole2.h"

#define SNIFF 8192

typedef struct ctx {
    const uint8_t *d;
    size_t n;
    uint64_t max_out;
    container_emit emit;
    void *user;
    char *code;
    char *msg;
    size_t msg_cap;
    int count;
    bool stop;
} ctx;

static void fail(ctx *c, const char *code, const char *msg)
{
    if (c->code[0])
        return; /* the first problem is the one worth telling */
    snprintf(c->code, 24, "%s", code);
    snprintf(c->msg, c->msg_cap, "%s", msg);
}

static void give(ctx *c, const char *name, const uint8_t *d, size_t n)
{
    if (c->stop)
        return;
    c->count++;
    if (c->emit(c->user, name, d, n))
        c->stop = true;
}

static const uint8_t *find(const uint8_t *hay, size_t n, const char *needle)
{
    return memmem(hay, n, needle, strlen(needle));
}

static const uint8_t *find_ci(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp((const char *)hay + i, needle, k) == 0)
            return hay + i;
    return NULL;
}

static bool looks_text(const uint8_t *d, size_t n)
{
    return memchr(d, 0, n < 1024 ? n : 1024) == NULL;
}

/* ------------------------------------------------------------------------------------------------ */
/* base64 and uuencode in mail, mbox and HTML */

static int b64v(uint8_t ch)
{
    if (ch >= 'A' && ch <= 'Z') return ch - 'A';
    if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9') return ch - '0' + 52;
    if (ch == '+') return 62;
    if (ch == '/') return 63;
    return -1;
}

/* Decodes base64 from p until a character that is neither base64 nor whitespace (or, when lines is set,
 * an empty line or a MIME boundary). Returns the bytes written to out (sized n*3/4+3). */
static size_t b64_run(const uint8_t *p, const uint8_t *end, bool lines, uint8_t *out, uint64_t max_out)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (; p < end && o < max_out; p++) {
        int v = b64v(*p);
        if (v >= 0) {
            acc = (acc << 6) | (uint32_t)v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[o++] = (uint8_t)(acc >> bits);
            }
        } else if (*p == '=' || *p == ' ' || *p == '\t' || *p == '\r') {
            continue;
        } else if (*p == '\n' && lines) {
            const uint8_t *q = p + 1;
            if (q < end && *q == '\r')
                q++;
            if (q >= end || *q == '\n' || *q == '-')
                break;
        } else {
            break;
        }
    }
    return o;
}

/* The value of name= or filename= in a MIME header block, into out (left as it is when there is none). */
static void header_name(const uint8_t *h, size_t n, char *out, size_t cap)
{
    const uint8_t *p = find_ci(h, n, "filename=");
    if (!p)
        p = find_ci(h, n, "name=");
    if (!p)
        return;
    p = memchr(p, '=', (size_t)(h + n - p)) + 1;
    if (p < h + n && *p == '"')
        p++;
    size_t k = 0;
    while (p + k < h + n && k + 1 < cap && p[k] != '"' && p[k] != ';' && p[k] != '\r' && p[k] != '\n')
        k++;
    if (k) {
        memcpy(out, p, k);
        out[k] = 0;
    }
}

static void expand_mail(ctx *c)
{
    const uint8_t *d = c->d, *end = d + c->n;
    uint8_t *out = malloc(c->n / 4 * 3 + 4);
    char name[256];
    int k = 0;
    if (!out) {
        fail(c, "ENOMEM", "out of memory decoding the text");
        return;
    }
    /* MIME parts: the body starts after the blank line that ends the part's headers. Every search goes
     * forward from where the last one ended, so hostile text (thousands of headers, no blank line) costs
     * linear time. */
    const uint8_t *blank = NULL, *done_until = d;
    for (const uint8_t *p = d; !c->stop && (p = find_ci(p, (size_t)(end - p), "content-transfer-encoding:")) != NULL;) {
        const uint8_t *line_end = memchr(p, '\n', (size_t)(end - p));
        if (!line_end)
            break;
        bool b64 = find_ci(p, (size_t)(line_end - p), "base64") != NULL;
        p = line_end;
        if (!blank || blank < p) {
            const uint8_t *lf = find(p, (size_t)(end - p), "\n\n"), *crlf = find(p, (size_t)(end - p), "\n\r\n");
            blank = crlf && (!lf || crlf < lf) ? crlf : lf;
            if (!blank)
                break; /* no body follows any later header either */
        }
        const uint8_t *body = blank + (blank[1] == '\r' ? 3 : 2);
        if (!b64 || body < done_until)
            continue; /* several headers before one body: decoded once */
        /* The part's headers, for its file name: at most 2 KiB before the encoding line, up to the body. */
        const uint8_t *hstart = p - (p - d > 2048 ? 2048 : p - d);
        size_t hlen = (size_t)(body - hstart) < 4096 ? (size_t)(body - hstart) : 4096;
        snprintf(name, sizeof name, "part-%d", ++k);
        header_name(hstart, hlen, name, sizeof name);
        size_t got = b64_run(body, end, true, out, c->max_out);
        if (got)
            give(c, name, out, got);
        done_until = body + 1;
        p = body;
    }
    /* data: URIs (HTML, SVG, CSS). */
    for (const uint8_t *p = d; !c->stop && (p = find_ci(p, (size_t)(end - p), ";base64,")) != NULL; p++) {
        size_t got = b64_run(p + 8, end, false, out, c->max_out);
        snprintf(name, sizeof name, "data-uri-%d", ++k);
        if (got)
            give(c, name, out, got);
    }
    /* uuencode: "begin MODE NAME", lines of (length char, data), "end". */
    for (const uint8_t *p = d; !c->stop && (p = find(p, (size_t)(end - p), "begin ")) != NULL; p++) {
        if (p != d && p[-1] != '\n')
            continue;
        const uint8_t *q = p + 6;
        if (q + 4 > end || !isdigit(q[0]) || !isdigit(q[1]) || !isdigit(q[2]))
            continue;
        const uint8_t *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl)
            break;
        const uint8_t *nm = memchr(q, ' ', (size_t)(nl - q));
        size_t nlen = nm ? (size_t)(nl - nm - 1) : 0;
        while (nlen && (nm[nlen] == '\r' || nm[nlen] == '\n'))
            nlen--;
        snprintf(name, sizeof name, "%.*s", nm && nlen ? (int)nlen : 4, nm && nlen ? (const char *)nm + 1 : "data");
        size_t o = 0;
        bool ended = false;
        const uint8_t *line = nl + 1;
        for (; line < end && o < c->max_out;) {
            const uint8_t *le = memchr(line, '\n', (size_t)(end - line));
            if (!le)
                le = end;
            if (le - line >= 3 && memcmp(line, "end", 3) == 0) {
                ended = true;
                break;
            }
            int len = (line[0] - 32) & 63;
            if (len == 0) {
                line = le + 1;
                continue;
            }
            if (le - line - 1 < (len + 2) / 3 * 4)
                break; /* shorter than its length char says: not uuencode any more */
            const uint8_t *s = line + 1;
            for (int i = 0; i < len && o < c->max_out; i += 3, s += 4) {
                uint8_t v[4] = { 0 };
                for (int j = 0; j < 4; j++)
                    v[j] = (s + j < le) ? (uint8_t)((s[j] - 32) & 63) : 0;
                uint8_t b[3] = { (uint8_t)(v[0] << 2 | v[1] >> 4), (uint8_t)(v[1] << 4 | v[2] >> 2), (uint8_t)(v[2] << 6 | v[3]) };
                for (int j = 0; j < 3 && i + j < len && o < c->max_out && o < c->n; j++)
                    out[o++] = b[j];
            }
            line = le + 1;
        }
        if (!ended)
            fail(c, "TRUNCATED", "a uuencoded file has no \"end\" line");
        if (o)
            give(c, name, out, o);
        p = line > p ? line - 1 : p; /* go on after the decoded lines, not inside them */
    }
    free(out);
}

/* ------------------------------------------------------------------------------------------------ */
/* BinHex 4.0 (.hqx): 6-bit text, run-length coded, then a header and the data fork. */

static void expand_binhex(ctx *c)
{
    static const char alphabet[] = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";
    const uint8_t *end = c->d + c->n;
    const uint8_t *p = find(c->d, c->n, "(This file must be converted with BinHex");
    p = p ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    p = p ? memchr(p, ':', (size_t)(end - p)) : NULL;
    if (!p) {
        fail(c, "CORRUPT", "BinHex text without its ':' start");
        return;
    }
    p++;
    size_t cap = c->n; /* 6 bits per char, before run-length expansion */
    uint64_t out_cap = c->max_out + 512;
    uint8_t *six = malloc(cap), *out = malloc(out_cap);
    size_t ns = 0, o = 0;
    uint32_t acc = 0;
    int bits = 0;
    bool closed = false;
    if (!six || !out) {
        fail(c, "ENOMEM", "out of memory decoding BinHex");
        goto done;
    }
    for (; p < end; p++) {
        if (*p == ':') {
            closed = true;
            break;
        }
        if (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t')
            continue;
        const char *pos = memchr(alphabet, *p, 64);
        if (!pos) {
            fail(c, "CORRUPT", "a character that is not BinHex");
            break;
        }
        acc = (acc << 6) | (uint32_t)(pos - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            six[ns++] = (uint8_t)(acc >> bits);
        }
    }
    /* 0x90 n: repeat the previous byte n-1 more times; 0x90 0: a literal 0x90. */
    for (size_t i = 0; i < ns && o < out_cap; i++) {
        if (six[i] != 0x90) {
            out[o++] = six[i];
        } else if (i + 1 < ns) {
            uint8_t rep = six[++i];
            if (rep == 0)
                out[o++] = 0x90;
            else if (o > 0)
                for (int r = 1; r < rep && o < out_cap; r++, o++)
                    out[o] = out[o - 1];
        }
    }
    if (o < 1 || o < (size_t)1 + out[0] + 1 + 4 + 4 + 2 + 4 + 4 + 2) {
        fail(c, "TRUNCATED", "BinHex header cut short");
        goto done;
    }
    {
        size_t nl = out[0], h = 1 + nl + 1 + 10;
        uint32_t dlen = (uint32_t)out[h] << 24 | (uint32_t)out[h + 1] << 16 | (uint32_t)out[h + 2] << 8 | out[h + 3];
        size_t data = h + 4 + 4 + 2;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(nl < 63 ? nl : 63), (const char *)out + 1);
        size_t have = o > data ? o - data : 0;
        if (dlen > c->max_out) {
            fail(c, "TOO_BIG", "BinHex data fork larger than the member limit");
        } else if (have < dlen) {
            fail(c, "TRUNCATED", "BinHex data fork cut short");
        }
        size_t give_n = have < dlen ? have : dlen;
        if (!closed)
            fail(c, "TRUNCATED", "BinHex text without its closing ':'");
        if (give_n)
            give(c, name[0] ? name : "data", out + data, give_n);
    }
done:
    free(six);
    free(out);
}

/* ------------------------------------------------------------------------------------------------ */
/* SZDD (MS-DOS compress.exe, files named like CLAM.EX_): LZSS with a 4 KiB window of spaces. */

static void expand_szdd(ctx *c)
{
    const uint8_t *d = c->d;
    if (c->n < 14) {
        fail(c, "TRUNCATED", "SZDD header cut short");
        return;
    }
    uint64_t want = (uint32_t)d[10] | (uint32_t)d[11] << 8 | (uint32_t)d[12] << 16 | (uint32_t)d[13] << 24;
    if (want > c->max_out) {
        fail(c, "TOO_BIG", "SZDD file larger than the member limit");
        return;
    }
    uint8_t *out = malloc(want ? want : 1);
    uint8_t win[4096];
    if (!out) {
        fail(c, "ENOMEM", "out of memory expanding SZDD");
        return;
    }
    memset(win, ' ', sizeof win);
    unsigned pos = 4096 - 16;
    size_t i = 14, o = 0;
    while (i < c->n && o < want) {
        uint8_t control = d[i++];
        for (int bit = 0; bit < 8 && i < c->n && o < want; bit++) {
            if (control & (1u << bit)) {
                out[o++] = win[pos] = d[i++];
                pos = (pos + 1) & 4095;
            } else {
                if (i + 1 >= c->n) {
                    i = c->n;
                    break;
                }
                unsigned off = d[i] | ((unsigned)(d[i + 1] & 0xF0) << 4);
                unsigned len = (d[i + 1] & 0x0F) + 3u;
                i += 2;
                for (unsigned k = 0; k < len && o < want; k++) {
                    out[o++] = win[pos] = win[(off + k) & 4095];
                    pos = (pos + 1) & 4095;
                }
            }
        }
    }
    if (o < want)
        fail(c, "TRUNCATED", "SZDD data ends before the size its header gives");
    if (o)
        give(c, "data", out, o);
    free(out);
}

/* ------------------------------------------------------------------------------------------------ */
/* RTF: \objdata holds an OLE1 object as hex; a "Package" object wraps a whole file. */

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

/* The file inside an OLE1 Package's native data, or false. */
static bool ole1_package(const uint8_t *b, size_t n, char *name, size_t name_cap, const uint8_t **file, size_t *file_len)
{
    /* version(4) format(4) class name (len, bytes) topic (len, bytes) item (len, bytes) native size(4) */
    size_t i = 8;
    if (n < 12 || le32(b + 8) != 8 || n < 20 || memcmp(b + 12, "Package", 8) != 0)
        return false;
    i = 20;
    for (int s = 0; s < 2; s++) {
        if (i + 4 > n || le32(b + i) > n - i - 4)
            return false;
        i += 4 + le32(b + i);
    }
    if (i + 4 > n)
        return false;
    return ole_package_native(b + i + 4, n - i - 4, name, name_cap, file, file_len); /* after the native size */
}

static int hexv(uint8_t ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    ch |= 0x20;
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    return -1;
}

static void expand_rtf(ctx *c)
{
    const uint8_t *end = c->d + c->n;
    uint8_t *out = malloc(c->n / 2 + 1);
    int k = 0;
    if (!out) {
        fail(c, "ENOMEM", "out of memory decoding RTF objects");
        return;
    }
    for (const uint8_t *p = c->d; !c->stop && (p = find(p, (size_t)(end - p), "\\objdata")) != NULL;) {
        p += 8;
        size_t o = 0;
        int hi = -1;
        for (; p < end && o < c->max_out; p++) {
            int v = hexv(*p);
            if (v < 0) {
                if (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t')
                    continue;
                break;
            }
            if (hi < 0) {
                hi = v;
            } else {
                out[o++] = (uint8_t)(hi << 4 | v);
                hi = -1;
            }
        }
        char name[256];
        const uint8_t *file;
        size_t file_len;
        if (ole1_package(out, o, name, sizeof name, &file, &file_len)) {
            give(c, name[0] ? name : "package", file, file_len);
        } else if (o) {
            snprintf(name, sizeof name, "objdata-%d", ++k);
            give(c, name, out, o);
        }
    }
    free(out);
}

/* ------------------------------------------------------------------------------------------------ */
/* PDF: every stream, inflated when its filter is FlateDecode alone; other filters are left out. */

static uint8_t *inflate_capped(const uint8_t *in, size_t n, uint64_t max_out, size_t *out_len, bool *too_big)
{
    size_t cap = n * 4 + 1024;
    if (cap > max_out)
        cap = (size_t)max_out;
    uint8_t *out = malloc(cap ? cap : 1);
    z_stream z = { 0 };
    *too_big = false;
    if (!out || inflateInit(&z) != Z_OK) {
        free(out);
        return NULL;
    }
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)(n > 0x7fffffff ? 0x7fffffff : n);
    size_t o = 0;
    int rc = Z_OK;
    while (rc == Z_OK) {
        if (o == cap) {
            if (cap >= max_out) {
                *too_big = true;
                break;
            }
            size_t ncap = cap * 2 > max_out ? (size_t)max_out : cap * 2;
            uint8_t *nb = realloc(out, ncap);
            if (!nb)
                break;
            out = nb;
            cap = ncap;
        }
        z.next_out = out + o;
        z.avail_out = (uInt)(cap - o > 0x7fffffff ? 0x7fffffff : cap - o);
        rc = inflate(&z, Z_NO_FLUSH);
        o = cap - z.avail_out;
        if (rc == Z_BUF_ERROR && z.avail_out > 0)
            break; /* input ended early: keep what came out */
        if (rc == Z_BUF_ERROR)
            rc = Z_OK;
    }
    inflateEnd(&z);
    *out_len = o;
    if (o == 0) {
        free(out);
        return NULL;
    }
    return out;
}

static void expand_pdf(ctx *c)
{
    const uint8_t *d = c->d, *end = d + c->n;
    int k = 0;
    /* floor: the dictionary search never goes back before the previous stream's end; next_end: the
     * next "endstream", found once and reused (both keep hostile files linear). */
    const uint8_t *floor = d, *next_end = NULL;
    for (const uint8_t *p = d; !c->stop && (p = find(p, (size_t)(end - p), "stream")) != NULL;) {
        const uint8_t *kw = p;
        p += 6;
        if (kw > d && kw[-1] == 'd') /* "endstream" */
            continue;
        if (p < end && *p == '\r')
            p++;
        if (p >= end || *p != '\n')
            continue;
        const uint8_t *body = p + 1;
        /* The stream's dictionary: back to "obj" (at most 4 KiB). */
        const uint8_t *dict = kw - (kw - floor > 4096 ? 4096 : kw - floor);
        const uint8_t *obj = NULL;
        for (const uint8_t *q = dict; (q = find(q, (size_t)(kw - q), "obj")) != NULL; q++)
            obj = q;
        if (obj)
            dict = obj;
        size_t dlen = (size_t)(kw - dict);
        if (next_end != end && (!next_end || next_end < body)) {
            next_end = find(body, (size_t)(end - body), "endstream");
            if (!next_end)
                next_end = end;
        }
        const uint8_t *stop = next_end != end ? next_end : NULL;
        size_t len = stop ? (size_t)(stop - body) : (size_t)(end - body);
        const uint8_t *lp = find(dict, dlen, "/Length");
        if (lp) {
            char *e;
            unsigned long long v = strtoull((const char *)lp + 7, &e, 10);
            /* A direct length (not "N 0 R") that ends right before endstream wins over the search. */
            while ((const uint8_t *)e < kw && (*e == ' ' || *e == '\r' || *e == '\n'))
                e++;
            if (!isdigit((unsigned char)*e) && v <= (unsigned long long)(end - body) && v <= len)
                len = (size_t)v;
        }
        while (len && stop && (const uint8_t *)body + len == stop && (body[len - 1] == '\n' || body[len - 1] == '\r'))
            len--;
        p = body + len;
        floor = p;
        char name[32];
        snprintf(name, sizeof name, "stream-%d", ++k);
        bool flate = find(dict, dlen, "/FlateDecode") != NULL || find(dict, dlen, "/Fl ") != NULL;
        bool other = find(dict, dlen, "/Filter") != NULL && !flate;
        if (other || len == 0)
            continue;
        if (!flate) {
            give(c, name, body, len < c->max_out ? len : (size_t)c->max_out);
            continue;
        }
        size_t n;
        bool too_big;
        uint8_t *out = inflate_capped(body, len, c->max_out, &n, &too_big);
        if (too_big)
            fail(c, "TOO_BIG", "a PDF stream inflates past the member limit; the rest of it was not scanned");
        if (out)
            give(c, name, out, n);
        free(out);
    }
}

/* ------------------------------------------------------------------------------------------------ */
/* TNEF (winmail.dat): attributes of level, id, length, data, checksum; attachments are attAttachData,
 * named by the attAttachTitle before them. */

static void expand_tnef(ctx *c)
{
    const uint8_t *d = c->d;
    size_t i = 6;
    char name[256] = "attachment";
    while (i + 9 <= c->n && !c->stop) {
        uint32_t id = le32(d + i + 1), len = le32(d + i + 5);
        i += 9;
        if (len > c->n - i) {
            fail(c, "TRUNCATED", "a TNEF attribute runs past the end of the file");
            return;
        }
        if ((id & 0xFFFF) == 0x8010) {
            snprintf(name, sizeof name, "%.*s", (int)(len < 255 ? len : 255), (const char *)d + i);
        } else if ((id & 0xFFFF) == 0x800F && len) {
            if (len > c->max_out)
                fail(c, "TOO_BIG", "a TNEF attachment larger than the member limit");
            else
                give(c, name, d + i, len);
        }
        i += len + 2; /* data, then a 16-bit checksum */
    }
}

/* ------------------------------------------------------------------------------------------------ */

/* A uuencode "begin 644 name" line anywhere (the word alone is common in ordinary text). */
static bool has_uu_begin(const uint8_t *d, size_t n)
{
    for (const uint8_t *p = d; (p = find(p, (size_t)(d + n - p), "begin ")) != NULL; p++) {
        if ((p == d || p[-1] == '\n') && p + 10 <= d + n && isdigit(p[6]) && isdigit(p[7]) && isdigit(p[8]) && p[9] == ' ')
            return true;
    }
    return false;
}

/* ------------------------------------------------------------------------------------------------ */
/* OLE2 (ole2.c) */

static int ole2_child(void *user, const char *name, const uint8_t *d, size_t n)
{
    ctx *c = user;
    give(c, name, d, n);
    return c->stop;
}

static void expand_ole2(ctx *c)
{
    const char *msg = NULL;
    const char *code = ole2_expand(c->d, c->n, c->max_out, ole2_child, c, &msg);
    if (code)
        fail(c, code, msg);
}

const char *container_kind(const uint8_t *d, size_t n)
{
    size_t head = n < SNIFF ? n : SNIFF;
    if (n >= 8 && memcmp(d, "SZDD\x88\xf0\x27\x33", 8) == 0)
        return "szdd";
    if (n >= 4 && memcmp(d, "\x78\x9f\x3e\x22", 4) == 0)
        return "tnef";
    if (n >= 8 && memcmp(d, OLE2_MAGIC, 8) == 0)
        return "ole2";
    if (n >= 5 && memcmp(d, "{\\rt", 4) == 0)
        return find(d, n, "\\objdata") ? "rtf" : NULL;
    if (find(d, head < 1024 ? head : 1024, "%PDF-"))
        return "pdf";
    if (!looks_text(d, n))
        return NULL;
    if (find(d, head, "(This file must be converted with BinHex"))
        return "binhex";
    if (find_ci(d, n, "content-transfer-encoding:") || find_ci(d, n, ";base64,") || has_uu_begin(d, n))
        return "mail";
    return NULL;
}

int container_expand(const uint8_t *d, size_t n, uint64_t max_out, container_emit emit, void *user, char *code,
                     char *msg, size_t msg_cap)
{
    ctx c = { .d = d, .n = n, .max_out = max_out, .emit = emit, .user = user, .code = code, .msg = msg, .msg_cap = msg_cap };
    code[0] = 0;
    const char *kind = container_kind(d, n);
    if (!kind)
        return 0;
    if (strcmp(kind, "szdd") == 0)
        expand_szdd(&c);
    else if (strcmp(kind, "tnef") == 0)
        expand_tnef(&c);
    else if (strcmp(kind, "rtf") == 0)
        expand_rtf(&c);
    else if (strcmp(kind, "ole2") == 0)
        expand_ole2(&c);
    else if (strcmp(kind, "pdf") == 0)
        expand_pdf(&c);
    else if (strcmp(kind, "binhex") == 0)
        expand_binhex(&c);
    else
        expand_mail(&c);
    return c.count;
}
