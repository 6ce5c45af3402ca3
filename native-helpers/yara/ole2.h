/* OLE2 compound files (Word/Excel/PowerPoint 97-2003, MSI): their streams, the file inside an embedded
 * OLE Package (\x01Ole10Native), and the embedded objects PowerPoint stores zlib-compressed. */
#ifndef MAMORI_YARA_OLE2_H
#define MAMORI_YARA_OLE2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OLE2_MAGIC "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

typedef int (*ole2_emit)(void *user, const char *name, const uint8_t *data, size_t len);

/* Hands every stream (or what it wraps) to emit. Returns NULL when all went well, else a problem code
 * (TRUNCATED, CORRUPT, ENOMEM) with *msg set. */
const char *ole2_expand(const uint8_t *d, size_t n, uint64_t max_out, ole2_emit emit, void *user, const char **msg);

/* An OLE Package's native data (from its leading uint16: label, source path, temp path, the file): the
 * file and its label, or false. */
bool ole_package_native(const uint8_t *b, size_t n, char *name, size_t name_cap, const uint8_t **file, size_t *file_len);

#endif
