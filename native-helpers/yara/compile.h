/* Finding rule files and compiling them into one rule set; a bad file is reported and skipped. */
#ifndef MAMORI_YARA_COMPILE_H
#define MAMORI_YARA_COMPILE_H

#include <stdint.h>
#include <yara.h>

typedef struct compile_report {
    YR_RULES *rules;     /* never NULL on success, possibly with 0 rules */
    int rule_count;
    int files_ok;
    int files_failed;
    int warnings;
    int64_t ms;
} compile_report;

/* Compiles every rule file under the roots (a file, or a folder searched recursively for *.yar and
 * *.yara) into one rule set, each file in its own namespace (its path relative to its root). Writes a
 * compile_error line per problem and a compile_warning line per warning. Returns 0, or -1 when libyara
 * itself failed (out of memory). */
int compile_roots(char *const *roots, int nroots, compile_report *out);

/* External variables the rules may use (as LOKI/THOR-style rule sets do); set per scan. */
#define EXT_FILENAME "filename"
#define EXT_FILEPATH "filepath"
#define EXT_EXTENSION "extension"

#endif
