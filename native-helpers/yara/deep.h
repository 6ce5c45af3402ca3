/* Deep scans: a file that is an archive (libarchive) or a known container (containers.c) is opened in
 * memory, recursively, within limits against decompression bombs. Members are never written to disk. */
#ifndef MAMORI_YARA_DEEP_H
#define MAMORI_YARA_DEEP_H

#include <stddef.h>
#include <stdint.h>
#include <yara.h>

#include "jw.h"

typedef struct deep_limits {
    int max_depth;          /* container levels opened below the file itself */
    uint64_t max_member;    /* largest member kept in memory (bytes, uncompressed) */
    uint64_t max_total;     /* all members of one request together */
    uint64_t max_ratio;     /* uncompressed bytes out of one container / its size */
    uint64_t max_entries;   /* members of one request together */
    int64_t deadline_ms;    /* monotonic_ms() past which the walk stops (TIMEOUT) */
} deep_limits;

/* Below this many bytes out of a container the ratio limit does not apply (a small text compresses well). */
#define DEEP_RATIO_FLOOR (1u << 20)

/* Walks `data` (the file `name`). Writes the members array's elements (no brackets) to `members` and the
 * problems array's elements to `problems`. `scanner` runs the YARA rules over every member. */
void deep_walk(YR_SCANNER *scanner, const uint8_t *data, size_t len, const char *name, const deep_limits *lim,
               jw *members, jw *problems);

/* Sets the YARA scanner's filename/filepath/extension variables for `path` (scan.c). */
void set_name_variables(YR_SCANNER *s, const char *path);
/* Writes one match object (scan.c). */
void write_match(jw *w, const YR_RULE *rule);

#endif
