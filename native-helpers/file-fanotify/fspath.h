/* The filesystems the helper marks, and turning a fanotify file handle (FID) back into a path:
 * open_by_handle_at() on a directory fd of that filesystem, then readlink of /proc/self/fd/N. */
#ifndef MAMORI_FSPATH_H
#define MAMORI_FSPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <linux/fanotify.h>

#define MOUNTS_MAX 32

typedef struct watched_fs {
    char path[4096];  /* the mount point the user named, as resolved by realpath */
    int fd;           /* O_RDONLY directory fd on it: the mount fd for open_by_handle_at */
    __kernel_fsid_t fsid;
    dev_t dev;
} watched_fs;

extern watched_fs mounts[MOUNTS_MAX];
extern int n_mounts;

/* Adds the filesystem that holds path; false with a reason when it cannot be used. A second path on
 * the same filesystem is accepted and ignored (*dup = true). */
bool fs_add(const char *path, bool *dup, char *why, size_t cap);

/* O_PATH fd of the object the handle names, or -1 (it was deleted, or the fs is not one of ours). */
int fs_open_handle(const __kernel_fsid_t *fsid, struct file_handle *fh);

/* Path of the object a directory handle + name names, written to out (NUL-terminated). Returns its
 * length, or -1 when the directory cannot be found any more. name "." (or NULL) = the directory itself. */
long fs_path(const __kernel_fsid_t *fsid, struct file_handle *dir, const char *name, char *out, size_t cap);

/* readlink of /proc/self/fd/fd into out (NUL-terminated); length or -1. */
long fd_path(int fd, char *out, size_t cap);

#endif
