/* Scan jobs and the worker pool that runs them: each worker has its own YR_SCANNER over the shared rules. */
#ifndef MAMORI_YARA_SCAN_H
#define MAMORI_YARA_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yara.h>

#include "deep.h"

typedef struct scan_job {
    int64_t id;
    char *path;      /* a file to read, or NULL for in-memory data */
    char *name;      /* scan_data: the member's name (for the filename variables) */
    uint8_t *data;   /* scan_data: decoded bytes (owned) */
    size_t len;
    bool deep;       /* scan: also open archives and containers (deep.h) */
    struct scan_job *next;
} scan_job;

typedef struct scan_limits {
    uint64_t max_file_size;
    int timeout_s;
    deep_limits deep; /* deadline_ms is set per request */
} scan_limits;

/* Starts the workers. queue_cap bounds the jobs waiting, so a fast writer blocks instead of piling up. */
int pool_start(YR_RULES *rules, int threads, int queue_cap, scan_limits limits);
/* Hands a job to the pool (blocks while the queue is full). The pool frees it. */
void pool_submit(scan_job *job);
/* No more jobs: workers finish the queue and exit; returns when all have. */
void pool_finish(void);

void job_free(scan_job *job);

/* Scans a buffer with a fresh scanner; used by --self-test. Returns the number of matching rules, or -1. */
int scan_buffer_count(YR_RULES *rules, const uint8_t *data, size_t len);

#endif
