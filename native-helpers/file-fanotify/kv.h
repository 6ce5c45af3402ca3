/* Parser for the flat JSON objects the core writes to the helper's stdin, one per line:
 * {"type":"verdict","id":7,"allow":false,"cache":true}. Values may be strings (no escapes other than
 * \" \\ \/), integers, true/false or null; nested objects and arrays are rejected. */
#ifndef MAMORI_KV_H
#define MAMORI_KV_H

#include <stdbool.h>
#include <stdint.h>

#define KV_MAX 16

typedef struct kv_obj {
    int n;
    struct {
        char key[32];
        char kind;       /* 's' string, 'i' integer, 'b' boolean, 'n' null */
        char str[128];
        int64_t num;
        bool flag;
    } f[KV_MAX];
} kv_obj;

/* false with a short reason in *err when the line is not such an object. */
bool kv_parse(const char *line, kv_obj *o, const char **err);
const char *kv_str(const kv_obj *o, const char *key);             /* NULL if absent or not a string */
bool kv_int(const kv_obj *o, const char *key, int64_t *out);      /* false if absent or not an integer */
bool kv_bool(const kv_obj *o, const char *key, bool *out);        /* false if absent or not a boolean */

#endif
