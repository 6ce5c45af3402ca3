#include "fspath.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

watched_fs mounts[MOUNTS_MAX];
int n_mounts;

bool fs_add(const char *path, bool *dup, char *why, size_t cap)
{
    *dup = false;
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        snprintf(why, cap, "%s: %s", path, strerror(errno));
        return false;
    }
    int fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, cap, "%s: %s (a mount needs to be a directory)", real, strerror(errno));
        return false;
    }
    struct statfs sfs;
    struct stat st;
    if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0) {
        snprintf(why, cap, "%s: %s", real, strerror(errno));
        close(fd);
        return false;
    }
    for (int i = 0; i < n_mounts; i++) {
        if (mounts[i].dev == st.st_dev) {
            close(fd);
            *dup = true;
            return true;
        }
    }
    if (n_mounts == MOUNTS_MAX) {
        snprintf(why, cap, "more than %d filesystems", MOUNTS_MAX);
        close(fd);
        return false;
    }
    watched_fs *m = &mounts[n_mounts++];
    snprintf(m->path, sizeof m->path, "%s", real);
    m->fd = fd;
    memcpy(&m->fsid, &sfs.f_fsid, sizeof m->fsid);
    m->dev = st.st_dev;
    return true;
}

static int mount_fd_for(const __kernel_fsid_t *fsid)
{
    for (int i = 0; i < n_mounts; i++)
        if (mounts[i].fsid.val[0] == fsid->val[0] && mounts[i].fsid.val[1] == fsid->val[1])
            return mounts[i].fd;
    return -1;
}

int fs_open_handle(const __kernel_fsid_t *fsid, struct file_handle *fh)
{
    int mfd = mount_fd_for(fsid);
    if (mfd < 0)
        return -1;
    return open_by_handle_at(mfd, fh, O_PATH | O_CLOEXEC);
}

long fd_path(int fd, char *out, size_t cap)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, cap - 1);
    if (n < 0)
        return -1;
    out[n] = 0;
    return (long)n;
}

long fs_path(const __kernel_fsid_t *fsid, struct file_handle *dir, const char *name, char *out, size_t cap)
{
    int fd = fs_open_handle(fsid, dir);
    if (fd < 0)
        return -1;
    long n = fd_path(fd, out, cap);
    close(fd);
    if (n < 0)
        return -1;
    if (!name || !*name || strcmp(name, ".") == 0)
        return n;
    size_t nl = strlen(name);
    bool root = n == 1 && out[0] == '/';
    size_t need = (size_t)n + (root ? 0 : 1) + nl + 1;
    if (need > cap)
        return -1;
    if (!root)
        out[n++] = '/';
    memcpy(out + n, name, nl + 1);
    return n + (long)nl;
}
