/* Growable JSON writer for NDJSON lines, and the one place that writes lines to stdout. */
#ifndef MAMORI_YARA_JW_H
#define MAMORI_YARA_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct jw {
    char *p;
    size_t len;
    size_t cap;
    bool oom; /* an append could not grow the buffer; the line is replaced by an error line */
} jw;

void jw_reset(jw *w);
void jw_free(jw *w);
void jw_raw(jw *w, const char *s, size_t n);
#define jw_lit(w, s) jw_raw((w), (s), sizeof(s) - 1)
void jw_i64(jw *w, int64_t v);
void jw_bool(jw *w, bool v);
/* Quoted, escaped string: valid UTF-8 is copied, every other byte is written as \u00XX. */
void jw_str(jw *w, const void *s, size_t n);
void jw_cstr(jw *w, const char *s);

/* Starts a protocol line: {"type":TYPE (emit_line adds seq and ts_ns at the end). */
void jw_begin(jw *w, const char *type);
/* Ends the line with ,"seq":N,"ts_ns":T}\n, numbers it and writes it to stdout as one write, under a lock so lines from
 * several threads never interleave. Returns false when stdout is gone. */
bool emit_line(jw *w);
/* Writes the hello (the one line without seq). */
bool emit_raw_line(jw *w);
/* Held by the signal thread while exiting, so no line is cut in half. Returns false on timeout. */
bool out_lock_for_exit(int timeout_ms);

int64_t boottime_ns(void);
int64_t monotonic_ms(void);

#endif
