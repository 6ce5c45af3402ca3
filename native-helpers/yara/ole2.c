/* OLE2 compound files (see ole2.h). Sector chains are followed with a step limit (a FAT with a loop
 * ends at the number of sectors the file can hold), every sector is bounds-checked, and a stream never
 * grows past max_out. */
#include "ole2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define END_OF_CHAIN 0xFFFFFFFEu
#define MAX_REGULAR 0xFFFFFFFAu

typedef struct cfb {
    const uint8_t *d;
    size_t n;
    unsigned shift;        /* sector size = 1 << shift */
    uint32_t *fat;
    size_t fat_len;
    uint8_t *ministream;   /* the root entry's stream, holding the small streams */
    size_t ministream_len;
    uint32_t *minifat;
    size_t minifat_len;
    uint64_t max_out;
} cfb;

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static const uint8_t *sector(const cfb *c, uint32_t s)
{
    uint64_t off = ((uint64_t)s + 1) << c->shift;
    if (s > MAX_REGULAR || off + (1u << c->shift) > c->n)
        return NULL;
    return c->d + off;
}

/* Reads a chain of regular sectors into a new buffer (at most `want` bytes; SIZE_MAX: the whole chain). */
static uint8_t *read_chain(const cfb *c, uint32_t start, size_t want, size_t *got)
{
    size_t ss = (size_t)1 << c->shift, cap = want == SIZE_MAX ? c->n : want, o = 0;
    if (cap > c->max_out)
        cap = (size_t)c->max_out;
    uint8_t *out = malloc(cap ? cap : 1);
    if (!out)
        return NULL;
    size_t steps = c->n / ss + 1;
    for (uint32_t s = start; s != END_OF_CHAIN && o < cap && steps--;) {
        const uint8_t *p = sector(c, s);
        if (!p || s >= c->fat_len)
            break;
        size_t k = cap - o < ss ? cap - o : ss;
        memcpy(out + o, p, k);
        o += k;
        s = c->fat[s];
    }
    *got = o;
    return out;
}

static uint8_t *read_mini(const cfb *c, uint32_t start, size_t want, size_t *got)
{
    size_t o = 0, steps = c->minifat_len + 1;
    uint8_t *out = malloc(want ? want : 1);
    if (!out)
        return NULL;
    for (uint32_t s = start; s != END_OF_CHAIN && o < want && steps--;) {
        uint64_t off = (uint64_t)s * 64;
        if (s >= c->minifat_len || off + 64 > c->ministream_len)
            break;
        size_t k = want - o < 64 ? want - o : 64;
        memcpy(out + o, c->ministream + off, k);
        o += k;
        s = c->minifat[s];
    }
    *got = o;
    return out;
}

bool ole_package_native(const uint8_t *b, size_t n, char *name, size_t name_cap, const uint8_t **file, size_t *file_len)
{
    size_t i = 2; /* uint16 signature */
    if (n < 2)
        return false;
    const uint8_t *z = memchr(b + i, 0, n - i); /* label: the file's name */
    if (!z)
        return false;
    snprintf(name, name_cap, "%.*s", (int)(z - b - i < 200 ? z - b - i : 200), (const char *)b + i);
    i = (size_t)(z - b) + 1;
    z = memchr(b + i, 0, n - i); /* source path */
    if (!z)
        return false;
    i = (size_t)(z - b) + 1 + 4; /* two uint16: unknown, type */
    if (i + 4 > n || le32(b + i) > n - i - 4)
        return false;
    i += 4 + le32(b + i); /* temporary path */
    if (i + 4 > n)
        return false;
    uint32_t size = le32(b + i);
    i += 4;
    if (size > n - i)
        return false;
    *file = b + i;
    *file_len = size;
    return true;
}

/* PowerPoint keeps embedded objects in ExOleObjStg records (type 0x1011); instance 1 is zlib-compressed
 * after a uint32 of the uncompressed size. Container records (version 0xF) are entered, atoms skipped. */
static int ppt_objects(const cfb *c, const uint8_t *s, size_t n, ole2_emit emit, void *user)
{
    int k = 0;
    for (size_t i = 0; i + 8 <= n;) {
        uint16_t vi = le16(s + i), type = le16(s + i + 2);
        uint32_t len = le32(s + i + 4);
        if ((vi & 0xF) == 0xF) {
            i += 8;
            continue;
        }
        if (len > n - i - 8)
            break;
        if (type == 0x1011) {
            const uint8_t *body = s + i + 8;
            char name[40];
            snprintf(name, sizeof name, "ExOleObjStg-%d", ++k);
            if ((vi >> 4) == 1 && len > 4) {
                uLongf want = le32(body);
                if (want > c->max_out)
                    want = (uLongf)c->max_out;
                uint8_t *out = malloc(want ? want : 1);
                uLongf got = want;
                int rc = out ? uncompress(out, &got, body + 4, len - 4) : Z_MEM_ERROR;
                if ((rc == Z_OK || rc == Z_BUF_ERROR) && got && emit(user, name, out, got)) {
                    free(out);
                    return 1;
                }
                free(out);
            } else if (emit(user, name, body, len)) {
                return 1;
            }
        }
        i += 8 + len;
    }
    return 0;
}

const char *ole2_expand(const uint8_t *d, size_t n, uint64_t max_out, ole2_emit emit, void *user, const char **msg)
{
    cfb c = { .d = d, .n = n, .max_out = max_out };
    const char *code = NULL;
    uint8_t *dir = NULL;
    if (n < 512 || memcmp(d, OLE2_MAGIC, 8) != 0) {
        *msg = "OLE2 header cut short";
        return "TRUNCATED";
    }
    c.shift = le16(d + 0x1E);
    if (c.shift != 9 && c.shift != 12) {
        *msg = "OLE2 header with a bad sector size";
        return "CORRUPT";
    }
    size_t ss = (size_t)1 << c.shift;
    /* The FAT: sectors listed in the header's 109 DIFAT slots, then in the DIFAT chain. */
    uint32_t nfat = le32(d + 0x2C);
    size_t max_sectors = n / ss + 1;
    if (nfat > max_sectors) {
        *msg = "OLE2 header names more FAT sectors than the file holds";
        return "CORRUPT";
    }
    c.fat = calloc((size_t)nfat * (ss / 4) + 1, 4);
    if (!c.fat) {
        *msg = "out of memory reading OLE2";
        return "ENOMEM";
    }
    uint32_t difat = le32(d + 0x44);
    size_t steps = max_sectors;
    for (uint32_t i = 0; i < nfat; i++) {
        uint32_t fs;
        if (i < 109) {
            fs = le32(d + 0x4C + 4 * i);
        } else {
            uint32_t j = (i - 109) % (uint32_t)(ss / 4 - 1);
            const uint8_t *ds = sector(&c, difat);
            if (!ds || !steps--)
                break;
            fs = le32(ds + 4 * j);
            if (j == ss / 4 - 2)
                difat = le32(ds + ss - 4);
        }
        const uint8_t *fp = sector(&c, fs);
        if (!fp) {
            code = "TRUNCATED";
            *msg = "an OLE2 FAT sector lies past the end of the file";
            break;
        }
        memcpy(c.fat + c.fat_len, fp, ss);
        c.fat_len += ss / 4;
    }
    for (size_t i = 0; i < c.fat_len; i++)
        c.fat[i] = le32((const uint8_t *)&c.fat[i]);
    size_t dir_len = 0;
    dir = read_chain(&c, le32(d + 0x30), SIZE_MAX, &dir_len);
    if (!dir || dir_len < 128) {
        code = code ? code : "CORRUPT";
        *msg = "OLE2 directory unreadable";
        goto done;
    }
    /* The root entry's stream is the mini stream; the mini FAT maps its 64-byte sectors. */
    c.ministream = read_chain(&c, le32(dir + 0x74), le32(dir + 0x78), &c.ministream_len);
    size_t mf_len = 0;
    uint8_t *mf = le32(d + 0x40) ? read_chain(&c, le32(d + 0x3C), SIZE_MAX, &mf_len) : NULL;
    c.minifat = (uint32_t *)mf;
    c.minifat_len = mf_len / 4;
    for (size_t i = 0; i < c.minifat_len; i++)
        c.minifat[i] = le32(mf + 4 * i);
    uint32_t cutoff = le32(d + 0x38);
    for (size_t e = 128; e + 128 <= dir_len; e += 128) {
        const uint8_t *ent = dir + e;
        if (ent[0x42] != 2)
            continue; /* not a stream */
        char name[40];
        size_t nl = le16(ent + 0x40) / 2, k = 0;
        for (size_t i = 0; i + 1 < nl && i < 32 && k + 1 < sizeof name; i++) {
            uint16_t ch = le16(ent + 2 * i);
            name[k++] = ch >= 0x20 && ch < 0x7f && ch != '/' ? (char)ch : '_';
        }
        name[k] = 0;
        uint32_t size = le32(ent + 0x78), start = le32(ent + 0x74);
        if (size == 0)
            continue;
        if (size > max_out) {
            code = "TOO_BIG";
            *msg = "an OLE2 stream is larger than the member limit";
            continue;
        }
        size_t got = 0;
        uint8_t *s = size < cutoff ? read_mini(&c, start, size, &got) : read_chain(&c, start, size, &got);
        if (!s)
            continue;
        if (got < size && !code) {
            code = "TRUNCATED";
            *msg = "an OLE2 stream is cut short";
        }
        char pname[200];
        const uint8_t *file;
        size_t file_len;
        int stop;
        if (strcmp(name, "_Ole10Native") == 0 && got > 4 &&
            ole_package_native(s + 4, got - 4, pname, sizeof pname, &file, &file_len))
            stop = emit(user, pname[0] ? pname : "package", file, file_len);
        else if (strcmp(name, "PowerPoint Document") == 0)
            stop = emit(user, name, s, got) || ppt_objects(&c, s, got, emit, user);
        else
            stop = emit(user, name[0] ? name : "stream", s, got);
        free(s);
        if (stop)
            break;
    }
done:
    free(dir);
    free(c.fat);
    free(c.ministream);
    free(c.minifat);
    return code;
}
