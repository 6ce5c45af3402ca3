/* Containers libarchive does not read: mail and web text (MIME base64 parts, data: URIs, uuencode),
 * BinHex 4.0, MS-DOS SZDD (compress.exe), RTF \objdata (OLE1 Package), PDF streams (Flate), TNEF
 * (winmail.dat), OLE2 compound files (ole2.c). Each decoder works on a buffer in memory, never reads past it, and never produces more
 * than max_out bytes per child. */
#ifndef MAMORI_YARA_CONTAINERS_H
#define MAMORI_YARA_CONTAINERS_H

#include <stddef.h>
#include <stdint.h>

/* Called for each decoded child; returns nonzero to stop. */
typedef int (*container_emit)(void *user, const char *name, const uint8_t *data, size_t len);

/* The kind of container `d` is ("mail", "binhex", "szdd", "rtf", "pdf", "tnef", "ole2"), or NULL. */
const char *container_kind(const uint8_t *d, size_t n);

/* Decodes the children of a container and hands each to emit. A damaged container gives what could be
 * decoded and sets code (TRUNCATED, CORRUPT, TOO_BIG, ENOMEM; at most 23 chars) and msg; code stays
 * "" when all went well. Returns the number of children emitted. */
int container_expand(const uint8_t *d, size_t n, uint64_t max_out, container_emit emit, void *user, char *code,
                     char *msg, size_t msg_cap);

#endif
