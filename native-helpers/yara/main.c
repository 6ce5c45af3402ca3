/* mamori-yara: compiles YARA rule files once (a bad file is reported and skipped) and scans files and
 * in-memory data on request. Requests come on stdin, one JSON object per line; replies go to stdout as
 * NDJSON (protocol 1, see ../PROTOCOL.md and README.md next to this file). */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yara.h>

#include "compile.h"
#include "jw.h"
#include "scan.h"

#define HELPER "mamori-yara"
#define VERSION "0.1.0"
#define PROTOCOL 1

#define DEFAULT_MAX_FILE_SIZE (128ull << 20)
#define DEFAULT_MAX_DATA_SIZE (32ull << 20)
#define DEFAULT_TIMEOUT_S 60
/* Deep scans (archives and containers): generous for real files, small enough that a bomb costs little. */
#define DEFAULT_DEEP_DEPTH 10
#define DEFAULT_DEEP_MEMBER (64ll << 20)
#define DEFAULT_DEEP_TOTAL (256ll << 20)
#define DEFAULT_DEEP_RATIO 200
#define DEFAULT_DEEP_ENTRIES 10000
#define MAX_THREADS YR_MAX_THREADS /* libyara's limit on scanners running at once */
#define ID_SNIFF 4096              /* bytes of an over-long line kept to find its id */

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

/* ------------------------------------------------------------------------------------------------ */
/* signals: a thread waits for them and exits at once (SIGTERM must end us within 1 s, even mid-scan) */

static void *signal_thread(void *arg)
{
    sigset_t *ss = arg;
    int sig;
    while (sigwait(ss, &sig) != 0)
        ;
    /* Take the output lock so no reply is cut in half; give up on it after 300 ms. */
    out_lock_for_exit(300);
    _exit(0);
    return NULL;
}

/* ------------------------------------------------------------------------------------------------ */
/* requests */

static void reply_error(bool has_id, int64_t id, const char *code, const char *message)
{
    jw w = { 0 };
    jw_begin(&w, "error");
    if (has_id) {
        jw_lit(&w, ",\"id\":");
        jw_i64(&w, id);
    }
    jw_lit(&w, ",\"code\":");
    jw_cstr(&w, code);
    jw_lit(&w, ",\"message\":");
    jw_cstr(&w, message);
    emit_line(&w);
    jw_free(&w);
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Standard base64 with optional padding. Returns the decoded length, or -1 on a bad character. */
static int64_t b64_decode(const char *s, size_t n, uint8_t *out)
{
    while (n && s[n - 1] == '=')
        n--;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    if (n % 4 == 1)
        return -1;
    return (int64_t)o;
}

static uint64_t max_data_size = DEFAULT_MAX_DATA_SIZE;

static void handle_request(const char *line, size_t len)
{
    json_error_t jerr;
    json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!req || !json_is_object(req)) {
        char msg[240];
        if (req)
            snprintf(msg, sizeof msg, "a request must be a JSON object");
        else
            snprintf(msg, sizeof msg, "not JSON: %s (column %d)", jerr.text, jerr.column);
        reply_error(false, 0, "BAD_JSON", msg);
        json_decref(req);
        return;
    }
    json_t *jid = json_object_get(req, "id");
    const char *type = json_string_value(json_object_get(req, "type"));
    bool has_id = json_is_integer(jid);
    int64_t id = has_id ? (int64_t)json_integer_value(jid) : 0;
    if (!type) {
        reply_error(has_id, id, "BAD_REQUEST", "the request has no \"type\" string");
    } else if (!has_id) {
        reply_error(false, 0, "BAD_REQUEST", "the request has no integer \"id\"");
    } else if (strcmp(type, "scan") == 0) {
        json_t *jpath = json_object_get(req, "path");
        const char *path = json_string_value(jpath);
        if (!path || !*path || strlen(path) != json_string_length(jpath)) {
            reply_error(true, id, "BAD_REQUEST", "scan needs a non-empty \"path\" string without NUL");
        } else if (json_object_get(req, "deep") && !json_is_boolean(json_object_get(req, "deep"))) {
            reply_error(true, id, "BAD_REQUEST", "\"deep\" must be true or false");
        } else {
            scan_job *job = calloc(1, sizeof *job);
            if (job && (job->path = strdup(path)) != NULL) {
                job->id = id;
                job->deep = json_is_true(json_object_get(req, "deep"));
                pool_submit(job);
            } else {
                free(job);
                reply_error(true, id, "ENOMEM", "out of memory queueing the scan");
            }
        }
    } else if (strcmp(type, "scan_data") == 0) {
        json_t *jdata = json_object_get(req, "data_b64");
        json_t *jname = json_object_get(req, "name");
        const char *b64 = json_string_value(jdata);
        const char *name = jname ? json_string_value(jname) : "";
        size_t b64_len = b64 ? json_string_length(jdata) : 0;
        if (!b64 || !name) {
            reply_error(true, id, "BAD_REQUEST", "scan_data needs a \"data_b64\" string (and \"name\" a string)");
        } else if (b64_len / 4 * 3 > max_data_size + 3) {
            reply_error(true, id, "TOO_BIG", "the data is larger than the helper's max_data_size");
        } else {
            scan_job *job = calloc(1, sizeof *job);
            uint8_t *data = malloc(b64_len / 4 * 3 + 3);
            char *name_copy = strdup(name);
            int64_t n = data ? b64_decode(b64, b64_len, data) : -1;
            if (!job || !data || !name_copy) {
                reply_error(true, id, "ENOMEM", "out of memory decoding the data");
            } else if (n < 0) {
                reply_error(true, id, "BAD_REQUEST", "\"data_b64\" is not valid base64");
            } else if ((uint64_t)n > max_data_size) {
                reply_error(true, id, "TOO_BIG", "the data is larger than the helper's max_data_size");
            } else {
                job->id = id;
                job->data = data;
                job->len = (size_t)n;
                job->name = name_copy;
                pool_submit(job);
                job = NULL;
                data = NULL;
                name_copy = NULL;
            }
            free(job);
            free(data);
            free(name_copy);
        }
    } else {
        char msg[200];
        snprintf(msg, sizeof msg, "unknown request type \"%.100s\" (known: scan, scan_data)", type);
        reply_error(true, id, "UNKNOWN_TYPE", msg);
    }
    json_decref(req);
}

/* An over-long line is thrown away; if its start named an id, the error carries it so the caller's
 * request does not hang. */
static void reply_too_long(const char *start, size_t n)
{
    char head[ID_SNIFF + 1];
    memcpy(head, start, n);
    head[n] = 0;
    const char *p = strstr(head, "\"id\":");
    if (p) {
        char *end;
        long long id = strtoll(p + 5, &end, 10);
        if (end != p + 5) {
            reply_error(true, id, "LINE_TOO_LONG", "request line longer than the helper accepts");
            return;
        }
    }
    reply_error(false, 0, "LINE_TOO_LONG", "request line longer than the helper accepts");
}

/* Reads request lines from stdin until EOF. */
static void read_requests(void)
{
    size_t max_line = max_data_size / 3 * 4 + 65536;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    bool skipping = false; /* inside an over-long line: drop bytes up to its newline */
    if (!buf) {
        diag("out of memory");
        return;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= max_line) {
                /* Line too long: answer now, then drop the rest of it. */
                reply_too_long(buf, len < ID_SNIFF ? len : ID_SNIFF);
                skipping = true;
                len = 0;
            } else {
                size_t ncap = cap * 2 > max_line ? max_line : cap * 2;
                char *nb = realloc(buf, ncap);
                if (!nb) {
                    reply_too_long(buf, len < ID_SNIFF ? len : ID_SNIFF);
                    skipping = true;
                    len = 0;
                } else {
                    buf = nb;
                    cap = ncap;
                }
            }
        }
        ssize_t n = read(0, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t scan_from = len;
        len += (size_t)n;
        size_t start = 0;
        for (size_t i = scan_from; i < len; i++) {
            if (buf[i] != '\n')
                continue;
            if (skipping)
                skipping = false;
            else if (i > start && !(i == start + 1 && buf[start] == '\r'))
                handle_request(buf + start, i - start);
            start = i + 1;
        }
        if (skipping) {
            len = 0;
        } else if (start > 0) {
            memmove(buf, buf + start, len - start);
            len -= start;
        }
    }
    if (len > 0 && !skipping)
        handle_request(buf, len); /* a last line without a newline */
    free(buf);
}

/* ------------------------------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: " HELPER " --rules PATH [--rules PATH...] [--threads N] [--max-file-size BYTES]\n"
            "       [--max-data-size BYTES] [--timeout-s S] | --self-test | --help | --version\n"
            "Mamori's YARA scanner (libyara %s). Compiles every rule file under the PATHs (a file, or a\n"
            "folder searched for *.yar and *.yara) into one rule set, reporting bad files without stopping,\n"
            "then scans the files named on stdin ({\"type\":\"scan\",\"id\":N,\"path\":...} per line) and\n"
            "in-memory data ({\"type\":\"scan_data\",\"id\":N,\"name\":...,\"data_b64\":...}). Replies are\n"
            "NDJSON on stdout (protocol 1, native-helpers/PROTOCOL.md). Exits 0 at stdin EOF once every\n"
            "scan is answered, or at once on SIGTERM.\n"
            "  --threads N          scanning threads (default: the number of CPUs, at most %d)\n"
            "  --max-file-size B    larger files get a TOO_BIG error (default %llu)\n"
            "  --max-data-size B    largest scan_data payload, decoded (default %llu)\n"
            "  --timeout-s S        per-scan timeout (default %d; a deep scan's whole walk)\n"
            "Deep scans ({\"type\":\"scan\",...,\"deep\":true}) open archives and containers in memory:\n"
            "  --deep-max-depth N   container levels opened below the file (default %d)\n"
            "  --deep-max-member B  largest member, uncompressed (default %lld)\n"
            "  --deep-max-total B   all members of one file together (default %lld)\n"
            "  --deep-max-ratio R   uncompressed:compressed per container, past 1 MiB out (default %d)\n"
            "  --deep-max-entries N members of one file together (default %d)\n"
            "  --self-test          compile and run a built-in rule, print one JSON line, exit 0 (ok) or 3\n",
            YR_VERSION, MAX_THREADS, DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_DATA_SIZE, DEFAULT_TIMEOUT_S, DEFAULT_DEEP_DEPTH,
            DEFAULT_DEEP_MEMBER, DEFAULT_DEEP_TOTAL, DEFAULT_DEEP_RATIO, DEFAULT_DEEP_ENTRIES);
}

static bool parse_num(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int self_test(void)
{
    static const char rule[] = "rule mamori_self_test { strings: $a = \"mamori-yara-self-test\" condition: $a }";
    static const char hit[] = "xx mamori-yara-self-test xx";
    static const char miss[] = "nothing to see";
    YR_COMPILER *c = NULL;
    YR_RULES *rules = NULL;
    const char *reason = "libyara compiles and matches here";
    bool ok = false;
    if (yr_compiler_create(&c) != ERROR_SUCCESS) {
        reason = "cannot create a libyara compiler";
    } else if (yr_compiler_add_string(c, rule, NULL) != 0 || yr_compiler_get_rules(c, &rules) != ERROR_SUCCESS) {
        reason = "libyara cannot compile the built-in rule";
    } else if (scan_buffer_count(rules, (const uint8_t *)hit, sizeof hit - 1) != 1 ||
               scan_buffer_count(rules, (const uint8_t *)miss, sizeof miss - 1) != 0) {
        reason = "the built-in rule does not match as it should";
    } else {
        ok = true;
    }
    if (rules)
        yr_rules_destroy(rules);
    if (c)
        yr_compiler_destroy(c);
    jw w = { 0 };
    jw_lit(&w, "{\"type\":\"self_test\",\"ok\":");
    jw_bool(&w, ok);
    jw_lit(&w, ",\"reason\":");
    jw_cstr(&w, reason);
    jw_lit(&w, ",\"libyara\":");
    jw_cstr(&w, YR_VERSION);
    emit_raw_line(&w);
    jw_free(&w);
    return ok ? 0 : 3;
}

int main(int argc, char **argv)
{
    char **roots = calloc((size_t)argc, sizeof *roots);
    int nroots = 0;
    bool want_self_test = false;
    long long threads = sysconf(_SC_NPROCESSORS_ONLN);
    long long max_file_size = (long long)DEFAULT_MAX_FILE_SIZE;
    long long max_data = (long long)DEFAULT_MAX_DATA_SIZE;
    long long timeout_s = DEFAULT_TIMEOUT_S;
    long long deep_depth = DEFAULT_DEEP_DEPTH, deep_member = DEFAULT_DEEP_MEMBER, deep_total = DEFAULT_DEEP_TOTAL;
    long long deep_ratio = DEFAULT_DEEP_RATIO, deep_entries = DEFAULT_DEEP_ENTRIES;
    if (!roots)
        return 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_value = i + 1 < argc;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf(HELPER " " VERSION " (libyara %s)\n", YR_VERSION);
            return 0;
        } else if (strcmp(a, "--self-test") == 0) {
            want_self_test = true;
        } else if (strcmp(a, "--rules") == 0 && has_value) {
            roots[nroots++] = argv[++i];
        } else if (strcmp(a, "--threads") == 0 && has_value) {
            if (!parse_num(argv[++i], 1, MAX_THREADS, &threads)) {
                diag("--threads wants a number from 1 to %d", MAX_THREADS);
                return 2;
            }
        } else if (strcmp(a, "--max-file-size") == 0 && has_value) {
            if (!parse_num(argv[++i], 0, 1LL << 40, &max_file_size)) {
                diag("--max-file-size wants a byte count from 0 to 2^40");
                return 2;
            }
        } else if (strcmp(a, "--max-data-size") == 0 && has_value) {
            if (!parse_num(argv[++i], 0, 1LL << 30, &max_data)) {
                diag("--max-data-size wants a byte count from 0 to 2^30");
                return 2;
            }
        } else if (strcmp(a, "--timeout-s") == 0 && has_value) {
            if (!parse_num(argv[++i], 1, 86400, &timeout_s)) {
                diag("--timeout-s wants seconds from 1 to 86400");
                return 2;
            }
        } else if (strcmp(a, "--deep-max-depth") == 0 && has_value) {
            if (!parse_num(argv[++i], 0, 64, &deep_depth)) {
                diag("--deep-max-depth wants a number from 0 to 64");
                return 2;
            }
        } else if (strcmp(a, "--deep-max-member") == 0 && has_value) {
            if (!parse_num(argv[++i], 1, 1LL << 32, &deep_member)) {
                diag("--deep-max-member wants a byte count from 1 to 2^32");
                return 2;
            }
        } else if (strcmp(a, "--deep-max-total") == 0 && has_value) {
            if (!parse_num(argv[++i], 1, 1LL << 40, &deep_total)) {
                diag("--deep-max-total wants a byte count from 1 to 2^40");
                return 2;
            }
        } else if (strcmp(a, "--deep-max-ratio") == 0 && has_value) {
            if (!parse_num(argv[++i], 1, 1000000, &deep_ratio)) {
                diag("--deep-max-ratio wants a number from 1 to 1000000");
                return 2;
            }
        } else if (strcmp(a, "--deep-max-entries") == 0 && has_value) {
            if (!parse_num(argv[++i], 1, 100000000, &deep_entries)) {
                diag("--deep-max-entries wants a number from 1 to 100000000");
                return 2;
            }
        } else {
            diag("unknown or incomplete argument: %s", a);
            usage(stderr);
            return 2;
        }
    }
    if (threads < 1)
        threads = 1;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    max_data_size = (uint64_t)max_data;

    signal(SIGPIPE, SIG_IGN);
    static sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGTERM);
    sigaddset(&ss, SIGINT);
    sigaddset(&ss, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &ss, NULL); /* every thread started below inherits the mask */

    if (yr_initialize() != ERROR_SUCCESS) {
        diag("cannot initialise libyara");
        return 3;
    }
    if (want_self_test)
        return self_test();
    if (nroots == 0) {
        diag("give at least one --rules PATH");
        usage(stderr);
        return 2;
    }
    pthread_t sig_tid;
    if (pthread_create(&sig_tid, NULL, signal_thread, &ss) != 0) {
        diag("cannot start the signal thread");
        return 3;
    }

    jw w = { 0 };
    jw_lit(&w, "{\"type\":\"hello\",\"protocol\":1,\"helper\":\"" HELPER "\",\"version\":\"" VERSION "\",\"pid\":");
    jw_i64(&w, getpid());
    jw_lit(&w, ",\"tier\":\"libyara\",\"libyara\":");
    jw_cstr(&w, YR_VERSION);
    jw_lit(&w, ",\"capabilities\":[\"scan\",\"scan_data\",\"deep\"],\"clock\":\"boottime\"");
    emit_raw_line(&w);

    compile_report rep;
    if (compile_roots(roots, nroots, &rep) != 0) {
        diag("libyara failed while compiling (out of memory?)");
        return 3;
    }
    /* A queue deep enough that workers never wait for the reader between small files. */
    if (pool_start(rep.rules, (int)threads, threads * 8 > 64 ? (int)threads * 8 : 64,
                   (scan_limits){ .max_file_size = (uint64_t)max_file_size, .timeout_s = (int)timeout_s,
                                  .deep = { .max_depth = (int)deep_depth, .max_member = (uint64_t)deep_member,
                                            .max_total = (uint64_t)deep_total, .max_ratio = (uint64_t)deep_ratio,
                                            .max_entries = (uint64_t)deep_entries } }) != 0) {
        diag("cannot start the scanning threads");
        return 3;
    }
    jw_begin(&w, "ready");
    jw_lit(&w, ",\"rules\":");
    jw_i64(&w, rep.rule_count);
    jw_lit(&w, ",\"files_ok\":");
    jw_i64(&w, rep.files_ok);
    jw_lit(&w, ",\"files_failed\":");
    jw_i64(&w, rep.files_failed);
    jw_lit(&w, ",\"warnings\":");
    jw_i64(&w, rep.warnings);
    jw_lit(&w, ",\"compile_ms\":");
    jw_i64(&w, rep.ms);
    jw_lit(&w, ",\"threads\":");
    jw_i64(&w, threads);
    jw_lit(&w, ",\"max_file_size\":");
    jw_i64(&w, max_file_size);
    jw_lit(&w, ",\"max_data_size\":");
    jw_i64(&w, max_data);
    jw_lit(&w, ",\"timeout_s\":");
    jw_i64(&w, timeout_s);
    jw_lit(&w, ",\"deep\":{\"max_depth\":");
    jw_i64(&w, deep_depth);
    jw_lit(&w, ",\"max_member\":");
    jw_i64(&w, deep_member);
    jw_lit(&w, ",\"max_total\":");
    jw_i64(&w, deep_total);
    jw_lit(&w, ",\"max_ratio\":");
    jw_i64(&w, deep_ratio);
    jw_lit(&w, ",\"max_entries\":");
    jw_i64(&w, deep_entries);
    jw_lit(&w, "}");
    emit_line(&w);
    jw_free(&w);

    read_requests();
    pool_finish(); /* stdin EOF: answer everything queued, then leave */
    yr_rules_destroy(rep.rules);
    yr_finalize();
    free(roots);
    return 0;
}
