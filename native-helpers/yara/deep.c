/* Deep scans (see deep.h). libarchive reads archives and compressed streams from memory; the members
 * are read in chunks into memory, counted against the limits as they grow, hashed (libcrypto), scanned
 * with YARA and opened again if they are archives or containers themselves. */
#include "deep.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "containers.h"

#define CHUNK (64u << 10)
#define MAX_NAME 1024

typedef struct walk {
    YR_SCANNER *scanner;
    const deep_limits *lim;
    jw *members;
    jw *problems;
    int nmembers, nproblems;
    uint64_t total;   /* bytes of all members so far */
    uint64_t entries; /* members so far */
    bool stop;        /* a request-wide limit was hit: nothing more is read */
} walk;

static void problem(walk *wk, const char *path, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void problem(walk *wk, const char *path, const char *code, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    jw *w = wk->problems;
    if (wk->nproblems++)
        jw_lit(w, ",");
    jw_lit(w, "{\"path\":");
    jw_cstr(w, path);
    jw_lit(w, ",\"code\":");
    jw_cstr(w, code);
    jw_lit(w, ",\"message\":");
    jw_cstr(w, msg);
    jw_lit(w, "}");
}

static void hex(jw *w, const unsigned char *md, unsigned n)
{
    static const char digits[] = "0123456789abcdef";
    char s[130];
    for (unsigned i = 0; i < n; i++) {
        s[2 * i] = digits[md[i] >> 4];
        s[2 * i + 1] = digits[md[i] & 15];
    }
    jw_lit(w, "\"");
    jw_raw(w, s, 2 * n);
    jw_lit(w, "\"");
}

static void digest(jw *w, const char *key, const EVP_MD *md, const uint8_t *d, size_t n)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    jw_lit(w, ",\"");
    jw_raw(w, key, strlen(key));
    jw_lit(w, "\":");
    if (EVP_Digest(d, n, out, &len, md, NULL) == 1)
        hex(w, out, len);
    else
        jw_lit(w, "null");
}

typedef struct match_list {
    jw *w;
    int count;
} match_list;

static int on_member_match(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
    (void)ctx;
    match_list *m = user;
    if (message == CALLBACK_MSG_RULE_MATCHING) {
        if (m->count++)
            jw_lit(m->w, ",");
        write_match(m->w, data);
    }
    return CALLBACK_CONTINUE;
}

/* A name that would escape the folder it is extracted into, or is absolute. Harmless here (nothing is
 * written to disk) but worth telling: archives built like this are usually hostile. */
static bool suspicious_name(const char *name)
{
    if (name[0] == '/' || name[0] == '\\' || (name[0] && name[1] == ':'))
        return true;
    for (const char *p = name; *p; p++) {
        bool at_start = p == name || p[-1] == '/' || p[-1] == '\\';
        if (at_start && p[0] == '.' && p[1] == '.' && (p[2] == 0 || p[2] == '/' || p[2] == '\\'))
            return true;
    }
    return false;
}

static void member_line(walk *wk, const char *path, const uint8_t *d, size_t n, bool suspicious, bool container)
{
    jw *w = wk->members;
    if (wk->nmembers++)
        jw_lit(w, ",");
    jw_lit(w, "{\"path\":");
    jw_cstr(w, path);
    jw_lit(w, ",\"size\":");
    jw_i64(w, (int64_t)n);
    digest(w, "sha256", EVP_sha256(), d, n);
    digest(w, "md5", EVP_md5(), d, n);
    digest(w, "sha1", EVP_sha1(), d, n);
    if (suspicious)
        jw_lit(w, ",\"suspicious_name\":true");
    if (container)
        jw_lit(w, ",\"container\":true");
    jw_lit(w, ",\"matches\":[");
    match_list m = { .w = w };
    set_name_variables(wk->scanner, path);
    yr_scanner_set_callback(wk->scanner, on_member_match, &m);
    int rc = yr_scanner_scan_mem(wk->scanner, d, n);
    jw_lit(w, "]}");
    if (rc == ERROR_SCAN_TIMEOUT)
        problem(wk, path, "TIMEOUT", "the YARA scan of this member took longer than the timeout");
    else if (rc != ERROR_SUCCESS)
        problem(wk, path, "YARA_ERROR", "libyara failed to scan this member (error %d)", rc);
}

static bool past_deadline(walk *wk, const char *path)
{
    if (monotonic_ms() <= wk->lim->deadline_ms)
        return false;
    if (!wk->stop)
        problem(wk, path, "TIMEOUT", "the deep scan took longer than the timeout; the rest was not opened");
    wk->stop = true;
    return true;
}

static void node(walk *wk, const uint8_t *d, size_t n, const char *path, int depth, bool suspicious, bool is_top);

/* Counts a new member against the request-wide limits; false (and a problem) when it must not be read. */
static bool admit_entry(walk *wk, const char *path)
{
    if (++wk->entries > wk->lim->max_entries) {
        problem(wk, path, "TOO_MANY_ENTRIES", "more than %llu members in this file; the rest were not opened",
                (unsigned long long)wk->lim->max_entries);
        wk->stop = true;
        return false;
    }
    return true;
}

static const char *archive_problem_code(const char *msg)
{
    if (!msg)
        return "CORRUPT";
    if (strstr(msg, "ncrypt") || strstr(msg, "assphrase"))
        return "ENCRYPTED";
    if (strstr(msg, "runcat") || strstr(msg, "remature") || strstr(msg, "nexpected end") ||
        strstr(msg, "nsufficient") || strstr(msg, "EOF"))
        return "TRUNCATED";
    if (strstr(msg, "nsupported") || strstr(msg, "not supported"))
        return "UNSUPPORTED";
    return "CORRUPT";
}

/* Opens `d` with libarchive: archive formats first; failing that, the raw format behind a decompression
 * filter (a lone .gz/.bz2/.xz stream). NULL when it is neither. */
static struct archive *open_archive(const uint8_t *d, size_t n, bool raw, struct archive_entry **first, int *rc)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    /* Formats and filters are named one by one: archive_read_support_*_all would also enable filters
     * that run external programs (lrzip, grzip, lzop, lz4 without the library) and "mtree", which claims
     * ordinary text files. */
    if (raw) {
        archive_read_support_format_raw(a);
    } else {
        archive_read_support_format_7zip(a);
        archive_read_support_format_ar(a);
        archive_read_support_format_cab(a);
        archive_read_support_format_cpio(a);
        archive_read_support_format_iso9660(a);
        archive_read_support_format_lha(a);
        archive_read_support_format_rar(a);
        archive_read_support_format_rar5(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_xar(a);
        archive_read_support_format_zip(a);
    }
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_lzma(a);
    archive_read_support_filter_lzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_compress(a);
    archive_read_support_filter_uu(a);
    if (archive_read_open_memory(a, d, n) != ARCHIVE_OK) {
        archive_read_free(a);
        return NULL;
    }
    *rc = archive_read_next_header(a, first);
    /* The raw format takes anything; it is an archive only when a real filter decoded it. */
    if (raw && (*rc < ARCHIVE_WARN || archive_filter_count(a) < 2)) {
        archive_read_free(a);
        return NULL;
    }
    /* A compressed stream of zeros reads as an empty tar: let the raw pass take it as one member. */
    if (!raw && ((*rc < ARCHIVE_WARN && archive_format(a) == 0) || (*rc == ARCHIVE_EOF && archive_filter_count(a) >= 2))) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

static void child_name(char *out, size_t cap, const char *parent, const char *name)
{
    snprintf(out, cap, "%s/%.*s", parent, MAX_NAME, name && *name ? name : "(no name)");
}

/* A raw stream's member is named after its container minus the compression suffix (clam.exe.bz2 -> clam.exe). */
static void raw_member_name(char *out, size_t cap, const char *parent)
{
    const char *base = strrchr(parent, '/');
    base = base ? base + 1 : parent;
    static const char *const suffixes[] = { ".gz", ".bz2", ".xz", ".lzma", ".lz", ".zst", ".Z", ".uu", ".tgz", NULL };
    size_t bl = strlen(base);
    for (int i = 0; suffixes[i]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (bl > sl && strcasecmp(base + bl - sl, suffixes[i]) == 0) {
            snprintf(out, cap, "%.*s%s", (int)(bl - sl), base, strcmp(suffixes[i], ".tgz") == 0 ? ".tar" : "");
            return;
        }
    }
    snprintf(out, cap, "data");
}

/* Reads the current entry into memory, within the per-member, total and ratio limits. Returns the
 * buffer (caller frees) and its length in *n; *n = SIZE_MAX when it failed (a problem is written). An
 * empty entry gives NULL and *n = 0. */
static uint8_t *read_entry(walk *wk, struct archive *a, const char *path, uint64_t *container_out,
                           size_t container_len, size_t *n, bool *abort_container)
{
    size_t cap = 0, len = 0;
    uint8_t *buf = NULL;
    *n = (size_t)-1; /* failed, until the end of the data is reached */
    for (;;) {
        if (past_deadline(wk, path)) {
            *abort_container = true;
            free(buf);
            return NULL;
        }
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : CHUNK;
            if (ncap > wk->lim->max_member + 1)
                ncap = wk->lim->max_member + 1;
            uint8_t *nb = ncap > cap ? realloc(buf, ncap) : NULL;
            if (!nb) {
                free(buf);
                if (ncap <= cap) {
                    problem(wk, path, "TOO_BIG", "larger than the member limit of %llu bytes; not scanned",
                            (unsigned long long)wk->lim->max_member);
                } else {
                    problem(wk, path, "ENOMEM", "out of memory reading this member");
                }
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        la_ssize_t got = archive_read_data(a, buf + len, cap - len);
        if (got == 0)
            break;
        if (got < 0) {
            const char *msg = archive_error_string(a);
            problem(wk, path, archive_problem_code(msg), "%s", msg ? msg : "cannot read this member");
            free(buf);
            *abort_container = got == ARCHIVE_FATAL;
            return NULL;
        }
        len += (size_t)got;
        wk->total += (uint64_t)got;
        *container_out += (uint64_t)got;
        if (wk->total > wk->lim->max_total) {
            problem(wk, path, "TOO_BIG", "the members of this file add up to more than %llu bytes; stopped",
                    (unsigned long long)wk->lim->max_total);
            wk->stop = true;
            free(buf);
            return NULL;
        }
        if (*container_out > DEEP_RATIO_FLOOR && *container_out / (container_len ? container_len : 1) > wk->lim->max_ratio) {
            problem(wk, path, "BOMB_RATIO",
                    "a decompression bomb: %llu bytes out of %zu compressed (more than %llu:1); stopped",
                    (unsigned long long)*container_out, container_len, (unsigned long long)wk->lim->max_ratio);
            *abort_container = true;
            free(buf);
            return NULL;
        }
        if (len > wk->lim->max_member) {
            problem(wk, path, "TOO_BIG", "larger than the member limit of %llu bytes; not scanned",
                    (unsigned long long)wk->lim->max_member);
            free(buf);
            return NULL;
        }
    }
    *n = len;
    return buf;
}

/* Walks an opened archive. */
static void walk_archive(walk *wk, struct archive *a, struct archive_entry *e, int rc, size_t container_len,
                         const char *path, int depth, bool raw)
{
    uint64_t out = 0;
    char cpath[MAX_NAME * 2 + 64];
    char rawname[MAX_NAME];
    for (; !wk->stop; rc = archive_read_next_header(a, &e)) {
        if (rc == ARCHIVE_EOF)
            break;
        if (rc < ARCHIVE_WARN) {
            const char *msg = archive_error_string(a);
            problem(wk, path, archive_problem_code(msg), "%s", msg ? msg : "damaged archive");
            break;
        }
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        const char *name = archive_entry_pathname(e);
        if (raw) {
            raw_member_name(rawname, sizeof rawname, path);
            name = rawname;
        }
        child_name(cpath, sizeof cpath, path, name);
        if (!admit_entry(wk, cpath))
            break;
        bool suspicious = !raw && name && suspicious_name(name);
        if (archive_entry_is_data_encrypted(e)) {
            problem(wk, cpath, "ENCRYPTED", "encrypted member; its content cannot be scanned");
            continue;
        }
        if (archive_entry_size_is_set(e) && (uint64_t)archive_entry_size(e) > wk->lim->max_member) {
            problem(wk, cpath, "TOO_BIG", "%lld bytes, larger than the member limit of %llu; not scanned",
                    (long long)archive_entry_size(e), (unsigned long long)wk->lim->max_member);
            continue;
        }
        bool abort_container = false;
        size_t n = 0;
        uint8_t *buf = read_entry(wk, a, cpath, &out, container_len, &n, &abort_container);
        if (n != (size_t)-1)
            node(wk, buf ? buf : (const uint8_t *)"", n, cpath, depth + 1, suspicious, false);
        free(buf);
        if (abort_container)
            break;
    }
}

typedef struct container_walk {
    walk *wk;
    const char *path;
    int depth;
} container_walk;

static int on_container_child(void *user, const char *name, const uint8_t *d, size_t n)
{
    container_walk *cw = user;
    char cpath[MAX_NAME * 2 + 64];
    child_name(cpath, sizeof cpath, cw->path, name);
    if (cw->wk->stop || past_deadline(cw->wk, cpath) || !admit_entry(cw->wk, cpath))
        return 1;
    cw->wk->total += n;
    if (cw->wk->total > cw->wk->lim->max_total) {
        problem(cw->wk, cpath, "TOO_BIG", "the members of this file add up to more than %llu bytes; stopped",
                (unsigned long long)cw->wk->lim->max_total);
        cw->wk->stop = true;
        return 1;
    }
    node(cw->wk, d, n, cpath, cw->depth + 1, suspicious_name(name), false);
    return cw->wk->stop ? 1 : 0;
}

/* One file or member: reported (unless it is the file itself), then opened if it is an archive or a container. */
static void node(walk *wk, const uint8_t *d, size_t n, const char *path, int depth, bool suspicious, bool is_top)
{
    struct archive_entry *e = NULL;
    int rc = 0;
    bool raw = false;
    struct archive *a = n ? open_archive(d, n, false, &e, &rc) : NULL;
    if (!a && n) {
        raw = true;
        a = open_archive(d, n, true, &e, &rc);
    }
    bool is_container = a != NULL || (n && container_kind(d, n) != NULL);
    if (!is_top)
        member_line(wk, path, d, n, suspicious, is_container);
    if (!is_container || wk->stop) {
        if (a)
            archive_read_free(a);
        return;
    }
    if (depth >= wk->lim->max_depth) {
        problem(wk, path, "TOO_DEEP", "nested deeper than %d levels; not opened", wk->lim->max_depth);
        if (a)
            archive_read_free(a);
        return;
    }
    if (a) {
        walk_archive(wk, a, e, rc, n, path, depth, raw);
        archive_read_free(a);
        return;
    }
    container_walk cw = { .wk = wk, .path = path, .depth = depth };
    char code[24] = "", msg[200] = "";
    container_expand(d, n, wk->lim->max_member, on_container_child, &cw, code, msg, sizeof msg);
    if (code[0])
        problem(wk, path, code, "%s", msg);
}

void deep_walk(YR_SCANNER *scanner, const uint8_t *data, size_t len, const char *name, const deep_limits *lim,
               jw *members, jw *problems)
{
    walk wk = { .scanner = scanner, .lim = lim, .members = members, .problems = problems };
    node(&wk, data, len, name, 0, false, true);
}
