/* Small JSON writer for NDJSON output, shared by the C helpers: appends into a caller-owned buffer, never allocates. */
#ifndef MAMORI_JSON_H
#define MAMORI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct jbuf {
    char *p;
    size_t len;
    size_t cap;
    bool overflow; /* set when an append did not fit; the caller discards the line */
} jbuf;

/* Worst case size of jb_str() output for n input bytes (every byte as \u00XX, plus quotes). */
#define JSON_STR_MAX(n) (6 * (size_t)(n) + 2)

void jb_init(jbuf *b, char *mem, size_t cap);
void jb_raw(jbuf *b, const char *s, size_t n);
#define jb_lit(b, s) jb_raw((b), (s), sizeof(s) - 1)
void jb_char(jbuf *b, char c);
void jb_u64(jbuf *b, uint64_t v);
void jb_i64(jbuf *b, int64_t v);
/* Integer, or null when v < 0 (the helpers' "unknown"). */
void jb_i64_or_null(jbuf *b, int64_t v);
void jb_bool(jbuf *b, bool v);
/* Quoted, escaped string. Valid UTF-8 is copied; every byte that is not part of a valid UTF-8
 * sequence is written as \u00XX (so odd bytes survive as Latin-1 code points). */
void jb_str(jbuf *b, const void *s, size_t n);

#endif
