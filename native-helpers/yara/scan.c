/* The worker pool. Each result is one "result" line; results come out in the order scans finish,
 * matched to requests by id. */
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "jw.h"

#define KEEP_BUFFER_MAX (1u << 20) /* a worker keeps its reply buffer up to this size between scans */

static YR_RULES *pool_rules;
static scan_limits lim;
static pthread_t *workers;
static int nworkers;

static pthread_mutex_t q_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_not_full = PTHREAD_COND_INITIALIZER;
static scan_job *q_head, *q_tail;
static int q_len, q_cap;
static bool q_closed;

void job_free(scan_job *job)
{
    if (!job)
        return;
    free(job->path);
    free(job->name);
    free(job->data);
    free(job);
}

void pool_submit(scan_job *job)
{
    pthread_mutex_lock(&q_mu);
    while (q_len >= q_cap && !q_closed)
        pthread_cond_wait(&q_not_full, &q_mu);
    job->next = NULL;
    if (q_tail)
        q_tail->next = job;
    else
        q_head = job;
    q_tail = job;
    q_len++;
    pthread_cond_signal(&q_not_empty);
    pthread_mutex_unlock(&q_mu);
}

static scan_job *pool_take(void)
{
    pthread_mutex_lock(&q_mu);
    while (!q_head && !q_closed)
        pthread_cond_wait(&q_not_empty, &q_mu);
    scan_job *job = q_head;
    if (job) {
        q_head = job->next;
        if (!q_head)
            q_tail = NULL;
        q_len--;
        pthread_cond_signal(&q_not_full);
    }
    pthread_mutex_unlock(&q_mu);
    return job;
}

/* ------------------------------------------------------------------------------------------------ */

typedef struct match_ctx {
    jw *w;
    int count;
} match_ctx;

void write_match(jw *w, const YR_RULE *rule)
{
    jw_lit(w, "{\"rule\":");
    jw_cstr(w, rule->identifier);
    jw_lit(w, ",\"namespace\":");
    jw_cstr(w, rule->ns && rule->ns->name ? rule->ns->name : "");
    jw_lit(w, ",\"tags\":[");
    const char *tag;
    bool first = true;
    yr_rule_tags_foreach(rule, tag)
    {
        if (!first)
            jw_lit(w, ",");
        first = false;
        jw_cstr(w, tag);
    }
    jw_lit(w, "],\"meta\":{");
    const YR_META *meta;
    first = true;
    yr_rule_metas_foreach(rule, meta)
    {
        if (!first)
            jw_lit(w, ",");
        first = false;
        jw_cstr(w, meta->identifier);
        jw_lit(w, ":");
        if (meta->type == META_TYPE_INTEGER)
            jw_i64(w, meta->integer);
        else if (meta->type == META_TYPE_BOOLEAN)
            jw_bool(w, meta->integer != 0);
        else
            jw_cstr(w, meta->string ? meta->string : "");
    }
    jw_lit(w, "}}");
}

static int on_scan_message(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
    (void)ctx;
    match_ctx *m = user;
    if (message == CALLBACK_MSG_RULE_MATCHING) {
        if (m->count++)
            jw_lit(m->w, ",");
        write_match(m->w, data);
    }
    return CALLBACK_CONTINUE;
}

static const char *yara_error_code(int rc, const char **message)
{
    switch (rc) {
    case ERROR_SCAN_TIMEOUT: *message = "the scan took longer than the timeout"; return "TIMEOUT";
    case ERROR_INSUFFICIENT_MEMORY: *message = "out of memory"; return "ENOMEM";
    case ERROR_TOO_MANY_MATCHES: *message = "a rule string matched too many times"; return "TOO_MANY_MATCHES";
    case ERROR_EXEC_STACK_OVERFLOW: *message = "rule condition too deep"; return "STACK_OVERFLOW";
    case ERROR_COULD_NOT_MAP_FILE: *message = "the file could not be mapped, or shrank while it was scanned"; return "EIO";
    default: *message = "libyara failed to scan"; return "YARA_ERROR";
    }
}

static const char *errno_name(int e)
{
    switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ELOOP: return "ELOOP";
    case ENOTDIR: return "ENOTDIR";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EISDIR: return "EISDIR";
    case ENOMEM: return "ENOMEM";
    case ENXIO: return "ENXIO";
    default: return "EIO";
    }
}

typedef struct worker_state {
    YR_SCANNER *scanner;
    jw w;
    jw problems; /* deep scans: the problems array, appended after the members */
} worker_state;

typedef struct scan_error {
    const char *code;
    char message[160];
} scan_error;

/* Opens the file for scanning: the errno names and the size limit are ours to report, so this is not
 * left to libyara (which only says "could not open"). Returns the fd, or -1 with err filled in. */
static int open_for_scan(const char *path, int64_t *size, scan_error *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below as not regular. */
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        err->code = errno_name(e);
        snprintf(err->message, sizeof err->message, "%s", strerror(e));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        err->code = "NOT_REGULAR";
        snprintf(err->message, sizeof err->message, "not a regular file");
        return -1;
    }
    if ((uint64_t)st.st_size > lim.max_file_size) {
        close(fd);
        err->code = "TOO_BIG";
        snprintf(err->message, sizeof err->message, "%lld bytes, more than the limit of %llu",
                 (long long)st.st_size, (unsigned long long)lim.max_file_size);
        return -1;
    }
    *size = (int64_t)st.st_size;
    return fd;
}

void set_name_variables(YR_SCANNER *s, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    char ext[32] = "";
    if (dot && dot != base && strlen(dot) < sizeof ext)
        for (size_t i = 0; dot[i]; i++)
            ext[i] = (char)((dot[i] >= 'A' && dot[i] <= 'Z') ? dot[i] + 32 : dot[i]);
    yr_scanner_define_string_variable(s, EXT_FILENAME, base);
    yr_scanner_define_string_variable(s, EXT_FILEPATH, path);
    yr_scanner_define_string_variable(s, EXT_EXTENSION, ext);
}

/* Reads a whole file into memory for a deep scan (libarchive and the containers work on buffers; a
 * mapping could SIGBUS outside libyara's guard if the file shrank). */
static uint8_t *read_whole(int fd, int64_t size, size_t *len, scan_error *err)
{
    uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
    size_t got = 0;
    if (!buf) {
        err->code = "ENOMEM";
        snprintf(err->message, sizeof err->message, "out of memory reading the file");
        return NULL;
    }
    while (got < (size_t)size) {
        ssize_t n = read(fd, buf + got, (size_t)size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            err->code = errno_name(e);
            snprintf(err->message, sizeof err->message, "%s", strerror(e));
            free(buf);
            return NULL;
        }
        if (n == 0)
            break; /* the file shrank: scan what is there */
        got += (size_t)n;
    }
    *len = got;
    return buf;
}

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b && b[1] ? b + 1 : path;
}

/* A deep scan: the file's own matches, then every member (deep.c). */
static void run_deep_job(worker_state *ws, scan_job *job)
{
    jw *w = &ws->w;
    scan_error err = { 0 };
    int64_t size = 0;
    size_t len = 0;
    uint8_t *data = NULL;
    int fd = open_for_scan(job->path, &size, &err);
    if (fd >= 0) {
        data = read_whole(fd, size, &len, &err);
        close(fd);
    }
    jw_begin(w, "result");
    jw_lit(w, ",\"id\":");
    jw_i64(w, job->id);
    jw_lit(w, ",\"matches\":[");
    if (data) {
        match_ctx m = { .w = w };
        set_name_variables(ws->scanner, job->path);
        yr_scanner_set_callback(ws->scanner, on_scan_message, &m);
        int rc = yr_scanner_scan_mem(ws->scanner, data, len);
        if (rc != ERROR_SUCCESS) {
            const char *msg;
            err.code = yara_error_code(rc, &msg);
            snprintf(err.message, sizeof err.message, "%s (libyara error %d)", msg, rc);
        }
    }
    jw_lit(w, "]");
    if (data) {
        jw_lit(w, ",\"size\":");
        jw_i64(w, (int64_t)len);
        jw_lit(w, ",\"members\":[");
        deep_limits dl = lim.deep;
        dl.deadline_ms = monotonic_ms() + (int64_t)lim.timeout_s * 1000;
        jw_reset(&ws->problems);
        deep_walk(ws->scanner, data, len, base_name(job->path), &dl, w, &ws->problems);
        jw_lit(w, "],\"problems\":[");
        jw_raw(w, ws->problems.p ? ws->problems.p : "", ws->problems.len);
        jw_lit(w, "]");
        if (ws->problems.cap > KEEP_BUFFER_MAX)
            jw_free(&ws->problems);
    }
    free(data);
    if (err.code) {
        jw_lit(w, ",\"error\":{\"code\":");
        jw_cstr(w, err.code);
        jw_lit(w, ",\"message\":");
        jw_cstr(w, err.message);
        jw_lit(w, "}");
    }
    emit_line(w);
    if (w->cap > KEEP_BUFFER_MAX)
        jw_free(w);
}

static void run_job(worker_state *ws, scan_job *job)
{
    if (job->deep && job->path) {
        run_deep_job(ws, job);
        return;
    }
    jw *w = &ws->w;
    scan_error err = { 0 };
    int64_t size = (int64_t)job->len;
    int fd = job->path ? open_for_scan(job->path, &size, &err) : -1;
    bool scannable = job->path ? fd >= 0 : true;

    jw_begin(w, "result");
    jw_lit(w, ",\"id\":");
    jw_i64(w, job->id);
    jw_lit(w, ",\"matches\":[");
    if (scannable) {
        match_ctx m = { .w = w };
        set_name_variables(ws->scanner, job->path ? job->path : job->name);
        yr_scanner_set_callback(ws->scanner, on_scan_message, &m);
        /* Files are mapped by libyara; it guards scans with a SIGBUS/SIGSEGV handler, so a file truncated
         * while it is scanned gives ERROR_COULD_NOT_MAP_FILE instead of killing the helper. */
        int rc = fd >= 0 ? yr_scanner_scan_fd(ws->scanner, fd)
                         : yr_scanner_scan_mem(ws->scanner, job->data, job->len);
        if (rc != ERROR_SUCCESS) {
            const char *msg;
            err.code = yara_error_code(rc, &msg);
            snprintf(err.message, sizeof err.message, "%s (libyara error %d)", msg, rc);
        }
    }
    if (fd >= 0)
        close(fd);
    jw_lit(w, "]");
    if (scannable) {
        jw_lit(w, ",\"size\":");
        jw_i64(w, size);
    }
    if (err.code) {
        jw_lit(w, ",\"error\":{\"code\":");
        jw_cstr(w, err.code);
        jw_lit(w, ",\"message\":");
        jw_cstr(w, err.message);
        jw_lit(w, "}");
    }
    emit_line(w);
    if (w->cap > KEEP_BUFFER_MAX)
        jw_free(w);
}

static void *worker_main(void *arg)
{
    worker_state *ws = arg;
    scan_job *job;
    while ((job = pool_take()) != NULL) {
        run_job(ws, job);
        job_free(job);
    }
    yr_scanner_destroy(ws->scanner);
    jw_free(&ws->w);
    jw_free(&ws->problems);
    free(ws);
    return NULL;
}

int pool_start(YR_RULES *rules, int threads, int queue_cap, scan_limits limits)
{
    pool_rules = rules;
    lim = limits;
    q_cap = queue_cap;
    workers = calloc((size_t)threads, sizeof *workers);
    if (!workers)
        return -1;
    for (int i = 0; i < threads; i++) {
        worker_state *ws = calloc(1, sizeof *ws);
        if (!ws || yr_scanner_create(rules, &ws->scanner) != ERROR_SUCCESS) {
            free(ws);
            return -1;
        }
        yr_scanner_set_timeout(ws->scanner, limits.timeout_s);
        if (pthread_create(&workers[i], NULL, worker_main, ws) != 0) {
            yr_scanner_destroy(ws->scanner);
            free(ws);
            return -1;
        }
        nworkers++;
    }
    return 0;
}

void pool_finish(void)
{
    pthread_mutex_lock(&q_mu);
    q_closed = true;
    pthread_cond_broadcast(&q_not_empty);
    pthread_cond_broadcast(&q_not_full);
    pthread_mutex_unlock(&q_mu);
    for (int i = 0; i < nworkers; i++)
        pthread_join(workers[i], NULL);
    free(workers);
    workers = NULL;
    nworkers = 0;
}

static int count_matches(YR_SCAN_CONTEXT *ctx, int message, void *data, void *user)
{
    (void)ctx;
    (void)data;
    if (message == CALLBACK_MSG_RULE_MATCHING)
        (*(int *)user)++;
    return CALLBACK_CONTINUE;
}

int scan_buffer_count(YR_RULES *rules, const uint8_t *data, size_t len)
{
    YR_SCANNER *s;
    int n = 0;
    if (yr_scanner_create(rules, &s) != ERROR_SUCCESS)
        return -1;
    yr_scanner_set_callback(s, count_matches, &n);
    int rc = yr_scanner_scan_mem(s, data, len);
    yr_scanner_destroy(s);
    return rc == ERROR_SUCCESS ? n : -1;
}
