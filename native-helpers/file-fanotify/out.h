/* NDJSON output to the core: one buffer, written to stdout without ever blocking the helper.
 * Every line gets the next seq; a line that does not fit is counted and reported in a drop line. */
#ifndef MAMORI_OUT_H
#define MAMORI_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "json.h"

#define HELPER "mamori-file-fanotify"
#define VERSION "0.1.0"

/* Largest line one event can produce (two escaped paths plus the other fields). */
#define PATH_MAX_BYTES 4096
#define EVENT_MAX (2 * JSON_STR_MAX(2 * PATH_MAX_BYTES) + 1024)

void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int64_t clock_ns(int clock_id);
int64_t boot_ns(void);

bool out_init(void);
void out_set_nonblocking(void); /* stdout is a pipe: never block on it */
void out_restore(void);
void out_flush(void);
bool out_pending(void);
/* Enough free output buffer for one more read of file events (else leave them queued in the kernel). */
bool out_can_take_burst(void);
bool out_is_nonblocking(void);
bool out_dead(void);
/* Flush for at most ms milliseconds (at exit). */
void out_drain(int ms);

/* Starts an event line (type, seq, ts_ns) if there is room; false = counted as lost, write nothing. */
bool ev_begin(jbuf *b, const char *type, int64_t ts);
/* Ends and commits the line started by ev_begin. */
void ev_end(jbuf *b);
/* A line without seq (the hello), written first. */
void out_raw_line(const char *s, size_t n);

void emit_log(const char *level, const char *msg);
/* count < 0 = unknown (null). */
void emit_drop(int64_t count, const char *reason);
/* Output loss not yet reported: report it now if there is room. */
void report_output_drops(void);

#endif
