/* Filesystem calls the Java side cannot make: device nodes (overlayfs whiteouts), extended
 * attributes in the trusted namespace (overlayfs opaque directories), mounts, and entering a
 * network namespace pinned on a file. */
#include "internal.h"
#include "nana.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

int32_t nana_mknod(const char *path, uint32_t mode, uint32_t major, uint32_t minor) {
    if (path == NULL)
        return -EINVAL;
    return mknod(path, (mode_t)mode, makedev(major, minor)) == 0 ? 0 : NANA_NEG_ERRNO();
}

int32_t nana_lsetxattr(const char *path, const char *name, const void *value, int32_t len) {
    if (path == NULL || name == NULL || len < 0 || (value == NULL && len > 0))
        return -EINVAL;
    return lsetxattr(path, name, value, (size_t)len, 0) == 0 ? 0 : NANA_NEG_ERRNO();
}

int32_t nana_mount(const char *source, const char *target, const char *fstype, uint64_t flags,
                   const char *data) {
    if (target == NULL)
        return -EINVAL;
    return mount(source, target, fstype, (unsigned long)flags, data) == 0 ? 0 : NANA_NEG_ERRNO();
}

int32_t nana_umount(const char *target, int32_t flags) {
    if (target == NULL)
        return -EINVAL;
    return umount2(target, flags) == 0 ? 0 : NANA_NEG_ERRNO();
}

int32_t nana_open_in_root(const char *root, const char *path) {
    if (root == NULL || path == NULL)
        return -EINVAL;
    int dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return NANA_NEG_ERRNO();
    struct open_how how = {.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    long fd;
    do
        fd = syscall(SYS_openat2, dir, path, &how, sizeof how);
    while (fd < 0 && errno == EINTR);
    int err = errno;
    close(dir);
    if (fd < 0)
        return -err;
    struct stat st;
    if (fstat((int)fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close((int)fd);
        return -EINVAL;
    }
    return (int32_t)fd;
}

int32_t nana_enter_netns(const char *path) {
    if (path == NULL)
        return -EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NANA_NEG_ERRNO();
    int rc = setns(fd, CLONE_NEWNET) == 0 ? 0 : NANA_NEG_ERRNO();
    close(fd);
    return rc;
}
