/* Compiling: libyara's compiler cannot be used after a file failed to compile, so the set is built in
 * passes. Pass 1 adds every file to one compiler. If file k fails, it is reported and left out, and the
 * next pass starts over with a fresh compiler: the files before k are known good, and from then on
 * every not-yet-seen file is first compiled alone in a throwaway compiler (a bad one is reported and
 * skipped without spoiling the pass). So a clean set compiles once, and any number of bad files costs
 * at most about three compiles. A file that compiles alone but fails together with the others (a rare
 * clash) just triggers one more pass. */
#include "compile.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "jw.h"

typedef struct rule_file {
    char *path;
    char *ns;
    bool bad;
    bool known_good; /* compiled without error, alone or together with the files before it */
} rule_file;

static rule_file *files;
static int nfiles, files_cap;
static int unusable; /* roots or folders that could not be read: counted as failed files */
static int empty_folders; /* folders without rule files: counted as warnings */

typedef struct diag_msg {
    int level;
    char *file;
    int line;
    char *rule;
    char *message;
} diag_msg;

static diag_msg *msgs;
static int nmsgs, msgs_cap;

static void msgs_clear(void)
{
    for (int i = 0; i < nmsgs; i++) {
        free(msgs[i].file);
        free(msgs[i].rule);
        free(msgs[i].message);
    }
    nmsgs = 0;
}

static void on_compile_message(int level, const char *file, int line, const YR_RULE *rule, const char *message,
                               void *user)
{
    (void)user;
    if (nmsgs == msgs_cap) {
        int cap = msgs_cap ? msgs_cap * 2 : 16;
        diag_msg *m = realloc(msgs, (size_t)cap * sizeof *m);
        if (!m)
            return;
        msgs = m;
        msgs_cap = cap;
    }
    msgs[nmsgs++] = (diag_msg){
        .level = level,
        .file = file ? strdup(file) : NULL,
        .line = line,
        .rule = rule && rule->identifier ? strdup(rule->identifier) : NULL,
        .message = strdup(message ? message : "unknown error"),
    };
}

static void emit_problem(const char *type, const char *code, const char *file, int line, const char *rule,
                         const char *message)
{
    jw w = { 0 };
    jw_begin(&w, type);
    jw_lit(&w, ",\"code\":");
    jw_cstr(&w, code);
    jw_lit(&w, ",\"file\":");
    jw_cstr(&w, file);
    jw_lit(&w, ",\"line\":");
    jw_i64(&w, line);
    if (rule) {
        jw_lit(&w, ",\"rule\":");
        jw_cstr(&w, rule);
    }
    jw_lit(&w, ",\"message\":");
    jw_cstr(&w, message);
    emit_line(&w);
    jw_free(&w);
}

/* Reports the collected messages of one level (errors of a failed file, or a pass's warnings). */
static int emit_msgs(int level, const char *fallback_file)
{
    int n = 0;
    for (int i = 0; i < nmsgs; i++) {
        if (msgs[i].level != level)
            continue;
        n++;
        emit_problem(level == YARA_ERROR_LEVEL_ERROR ? "compile_error" : "compile_warning",
                     level == YARA_ERROR_LEVEL_ERROR ? "COMPILE" : "WARNING",
                     msgs[i].file ? msgs[i].file : fallback_file, msgs[i].line, msgs[i].rule, msgs[i].message);
    }
    return n;
}

static const char *errno_code(int e)
{
    switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ELOOP: return "ELOOP";
    case ENOTDIR: return "ENOTDIR";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    default: return "EIO";
    }
}

static bool has_rule_ext(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (strcasecmp(dot, ".yar") == 0 || strcasecmp(dot, ".yara") == 0);
}

static bool ns_taken(const char *ns)
{
    for (int i = 0; i < nfiles; i++)
        if (strcmp(files[i].ns, ns) == 0)
            return true;
    return false;
}

static void add_file(const char *path, const char *ns)
{
    if (nfiles == files_cap) {
        int cap = files_cap ? files_cap * 2 : 64;
        rule_file *f = realloc(files, (size_t)cap * sizeof *f);
        if (!f)
            return;
        files = f;
        files_cap = cap;
    }
    /* Two roots may hold the same relative path: keep namespaces unique so their rules do not clash. */
    char *unique = strdup(ns);
    for (int n = 2; unique && ns_taken(unique); n++) {
        free(unique);
        if (asprintf(&unique, "%s#%d", ns, n) < 0)
            unique = NULL;
    }
    char *p = strdup(path);
    if (!unique || !p) {
        free(unique);
        free(p);
        return;
    }
    files[nfiles++] = (rule_file){ .path = p, .ns = unique };
}

/* Depth-first, sorted by name so the namespaces and the order of compile messages are stable. Hidden
 * folders (.git) and symbolic links to folders are not entered. */
static void walk(const char *root, const char *dir, int depth)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    if (n < 0) {
        emit_problem("compile_error", errno_code(errno), dir, 0, NULL, strerror(errno));
        unusable++;
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        char *full = NULL;
        if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0)))
            goto next;
        if (asprintf(&full, "%s/%s", dir, name) < 0) {
            full = NULL;
            goto next;
        }
        struct stat lst, st;
        if (lstat(full, &lst) != 0)
            goto next;
        if (S_ISDIR(lst.st_mode)) {
            if (name[0] != '.' && depth < 64)
                walk(root, full, depth + 1);
        } else if (has_rule_ext(name) && stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
            add_file(full, full + strlen(root) + 1);
        }
    next:
        free(full);
        free(ents[i]);
    }
    free(ents);
}

static void find_files(char *const *roots, int nroots)
{
    for (int r = 0; r < nroots; r++) {
        char *root = strdup(roots[r]);
        if (!root)
            continue;
        size_t len = strlen(root);
        while (len > 1 && root[len - 1] == '/')
            root[--len] = 0;
        struct stat st;
        if (stat(root, &st) != 0) {
            emit_problem("compile_error", errno_code(errno), root, 0, NULL, strerror(errno));
            unusable++;
        } else if (S_ISDIR(st.st_mode)) {
            int before = nfiles;
            walk(root, root, 0);
            if (nfiles == before && ++empty_folders)
                emit_problem("compile_warning", "NO_RULE_FILES", root, 0, NULL,
                             "no *.yar or *.yara files in this folder");
        } else if (S_ISREG(st.st_mode)) {
            const char *base = strrchr(root, '/');
            add_file(root, base ? base + 1 : root);
        } else {
            emit_problem("compile_error", "NOT_REGULAR", root, 0, NULL, "not a file or folder");
            unusable++;
        }
        free(root);
    }
}

static int new_compiler(YR_COMPILER **c)
{
    if (yr_compiler_create(c) != ERROR_SUCCESS)
        return -1;
    yr_compiler_set_callback(*c, on_compile_message, NULL);
    if (yr_compiler_define_string_variable(*c, EXT_FILENAME, "") != ERROR_SUCCESS ||
        yr_compiler_define_string_variable(*c, EXT_FILEPATH, "") != ERROR_SUCCESS ||
        yr_compiler_define_string_variable(*c, EXT_EXTENSION, "") != ERROR_SUCCESS) {
        yr_compiler_destroy(*c);
        return -1;
    }
    return 0;
}

/* Adds one file; on failure reports it (errors collected by the callback) and marks it bad. Returns the
 * number of errors. */
static int add_to(YR_COMPILER *c, rule_file *f)
{
    FILE *fp = fopen(f->path, "r");
    if (!fp) {
        int e = errno;
        emit_problem("compile_error", errno_code(e), f->path, 0, NULL, strerror(e));
        f->bad = true;
        return 1;
    }
    int before = nmsgs;
    int errors = yr_compiler_add_file(c, fp, f->ns, f->path);
    fclose(fp);
    if (errors > 0) {
        /* Only this file's messages: the pass's earlier warnings stay collected. */
        diag_msg *saved = msgs;
        int saved_n = nmsgs;
        msgs += before;
        nmsgs -= before;
        emit_msgs(YARA_ERROR_LEVEL_ERROR, f->path);
        msgs = saved;
        nmsgs = saved_n;
        f->bad = true;
    }
    return errors;
}

/* Compiles a file alone in a throwaway compiler; returns false (and reports it) when it is bad. */
static bool check_alone(rule_file *f)
{
    YR_COMPILER *c;
    int keep = nmsgs;
    if (new_compiler(&c) != 0)
        return false;
    int errors = add_to(c, f);
    yr_compiler_destroy(c);
    /* Drop the messages of the throwaway compile (its warnings come again in the real pass). */
    int n = nmsgs;
    nmsgs = keep;
    for (int i = keep; i < n; i++) {
        free(msgs[i].file);
        free(msgs[i].rule);
        free(msgs[i].message);
    }
    return errors == 0;
}

int compile_roots(char *const *roots, int nroots, compile_report *out)
{
    int64_t t0 = monotonic_ms();
    memset(out, 0, sizeof *out);
    find_files(roots, nroots);

    bool careful = false; /* after a failure: check unseen files alone first */
    for (;;) {
        YR_COMPILER *c;
        msgs_clear();
        if (new_compiler(&c) != 0)
            return -1;
        bool failed = false;
        for (int i = 0; i < nfiles && !failed; i++) {
            rule_file *f = &files[i];
            if (f->bad)
                continue;
            if (careful && !f->known_good && !check_alone(f))
                continue;
            if (add_to(c, f) > 0)
                failed = true;
            else
                f->known_good = true;
        }
        if (failed) {
            yr_compiler_destroy(c);
            careful = true;
            continue;
        }
        int rc = yr_compiler_get_rules(c, &out->rules);
        out->warnings = emit_msgs(YARA_ERROR_LEVEL_WARNING, "") + empty_folders;
        yr_compiler_destroy(c);
        if (rc != ERROR_SUCCESS)
            return -1;
        break;
    }
    msgs_clear();
    YR_RULE *rule;
    yr_rules_foreach(out->rules, rule) out->rule_count++;
    out->files_failed = unusable;
    for (int i = 0; i < nfiles; i++) {
        if (files[i].bad)
            out->files_failed++;
        else
            out->files_ok++;
        free(files[i].path);
        free(files[i].ns);
    }
    free(files);
    files = NULL;
    nfiles = files_cap = 0;
    out->ms = monotonic_ms() - t0;
    return 0;
}
