#include "kv.h"

#include <string.h>

static const char *ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return p;
}

/* Reads a JSON string at p (after the opening quote) into out; returns the char after the closing quote. */
static const char *str(const char *p, char *out, size_t cap, const char **err)
{
    size_t n = 0;
    while (*p && *p != '"') {
        char c = *p++;
        if (c == '\\') {
            c = *p++;
            if (c != '"' && c != '\\' && c != '/') {
                *err = "unsupported escape in string";
                return NULL;
            }
        }
        if (n + 1 >= cap) {
            *err = "string too long";
            return NULL;
        }
        out[n++] = c;
    }
    if (*p != '"') {
        *err = "unterminated string";
        return NULL;
    }
    out[n] = 0;
    return p + 1;
}

bool kv_parse(const char *line, kv_obj *o, const char **err)
{
    o->n = 0;
    const char *p = ws(line);
    if (*p++ != '{') {
        *err = "not a JSON object";
        return false;
    }
    p = ws(p);
    if (*p == '}')
        return *ws(p + 1) == 0 || (*err = "trailing bytes", false);
    for (;;) {
        if (o->n == KV_MAX) {
            *err = "too many fields";
            return false;
        }
        p = ws(p);
        if (*p++ != '"') {
            *err = "expected a key";
            return false;
        }
        int i = o->n;
        if (!(p = str(p, o->f[i].key, sizeof o->f[i].key, err)))
            return false;
        p = ws(p);
        if (*p++ != ':') {
            *err = "expected ':'";
            return false;
        }
        p = ws(p);
        if (*p == '"') {
            o->f[i].kind = 's';
            if (!(p = str(p + 1, o->f[i].str, sizeof o->f[i].str, err)))
                return false;
        } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            bool neg = *p == '-';
            if (neg)
                p++;
            if (*p < '0' || *p > '9') {
                *err = "bad number";
                return false;
            }
            uint64_t v = 0;
            while (*p >= '0' && *p <= '9') {
                if (v > (UINT64_C(1) << 62)) {
                    *err = "number too large";
                    return false;
                }
                v = v * 10 + (uint64_t)(*p++ - '0');
            }
            if (*p == '.' || *p == 'e' || *p == 'E') {
                *err = "numbers must be integers";
                return false;
            }
            o->f[i].kind = 'i';
            o->f[i].num = neg ? -(int64_t)v : (int64_t)v;
        } else if (strncmp(p, "true", 4) == 0) {
            o->f[i].kind = 'b';
            o->f[i].flag = true;
            p += 4;
        } else if (strncmp(p, "false", 5) == 0) {
            o->f[i].kind = 'b';
            o->f[i].flag = false;
            p += 5;
        } else if (strncmp(p, "null", 4) == 0) {
            o->f[i].kind = 'n';
            p += 4;
        } else {
            *err = "unsupported value (objects and arrays are not accepted)";
            return false;
        }
        o->n++;
        p = ws(p);
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '}' && *ws(p + 1) == 0)
            return true;
        *err = "expected ',' or '}' at the end";
        return false;
    }
}

static int find(const kv_obj *o, const char *key, char kind)
{
    for (int i = 0; i < o->n; i++)
        if (o->f[i].kind == kind && strcmp(o->f[i].key, key) == 0)
            return i;
    return -1;
}

const char *kv_str(const kv_obj *o, const char *key)
{
    int i = find(o, key, 's');
    return i < 0 ? NULL : o->f[i].str;
}

bool kv_int(const kv_obj *o, const char *key, int64_t *out)
{
    int i = find(o, key, 'i');
    if (i >= 0)
        *out = o->f[i].num;
    return i >= 0;
}

bool kv_bool(const kv_obj *o, const char *key, bool *out)
{
    int i = find(o, key, 'b');
    if (i >= 0)
        *out = o->f[i].flag;
    return i >= 0;
}
