/* Reading one process's /proc entry. All reads go through one directory fd, so they all refer to the
 * same process even if its pid is reused meanwhile (reads of a gone process fail with ESRCH). */
#ifndef MAMORI_PROCFS_H
#define MAMORI_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct pstat {
    bool ok_stat;
    char state;        /* R, S, D, Z, X, ... */
    int32_t ppid;
    int64_t start_ns;  /* field 22 of stat, in ns since boot */
    char comm[64];
    size_t comm_len;
    bool ok_status;
    int64_t ruid, euid, rgid, egid;
} pstat;

void procfs_init(void);
/* /proc/PID as a directory fd, or -1. */
int proc_dir_open(int32_t pid);
bool proc_read_stat(int dfd, pstat *p);
bool proc_read_status(int dfd, pstat *p);
/* readlink of exe: length, or -1. *trunc set when the path did not fit. */
ssize_t proc_read_exe(int dfd, char *buf, size_t cap, bool *trunc);
/* Up to cap bytes of a file; *more set when the file is longer. -1 on error. */
ssize_t proc_read_file(int dfd, const char *name, char *buf, size_t cap, bool *more);
int64_t ticks_to_ns(uint64_t ticks);

#endif
