// SPDX-License-Identifier: MIT
/* output.c: safe output files (output.h). The decision of how to write a path is made
 * once, from lstat: regular or absent -> temporary + rename; symlink -> the same on
 * the resolved target; device, FIFO, socket -> in place; directory -> error. */
#define _XOPEN_SOURCE 700 // realpath, S_IFREG
#include "output.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static bool fail(HbCx *cx, const char *path, const char *what)
{
    diag_file_error(cx, path, "%s: %s", what, strerror(errno));
    return false;
}

/* A symlink's target, followed to the end. realpath does that when the chain ends in
 * an existing file; a dangling chain is followed link by link (relative targets are
 * relative to the link's directory) to the path that will be created. */
static const char *resolve(HbCx *cx, const char *path)
{
    char buf[PATH_MAX];
    if (realpath(path, buf))
        return arena_strdup(&cx->arena, buf);
    const char *cur = path;
    struct stat st;
    for (int hops = 0; hops < 40 && lstat(cur, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
        ssize_t n = readlink(cur, buf, sizeof buf - 1);
        if (n <= 0)
            break;
        buf[n] = 0;
        const char *slash = strrchr(cur, '/');
        cur = buf[0] == '/' || !slash
                      ? arena_strdup(&cx->arena, buf)
                      : arena_printf(&cx->arena, "%.*s/%s", (int)(slash - cur), cur, buf);
    }
    return cur;
}

/* A UNIX stream socket is written by connecting to it (whoever listens gets the bytes). */
static FILE *open_socket(const char *path)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return NULL;
    FILE *f = connect(fd, (struct sockaddr *)&a, sizeof a) == 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

bool hb_out_begin(HbCx *cx, HbOut *o, const char *path, bool executable)
{
    *o = (HbOut){.final = path, .path = path, .executable = executable};
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        o->final = resolve(cx, path);
        if (stat(o->final, &st) != 0) {
            if (errno != ENOENT) // a loop (ELOOP): never replace the link itself
                return fail(cx, path, "cannot write the output");
            st.st_mode = S_IFREG; // a dangling link: create its target
        }
    } else if (lstat(path, &st) != 0) {
        st.st_mode = S_IFREG; // a new file
    }
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return fail(cx, path, "cannot write the output");
    }
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
        S_ISBLK(st.st_mode)) {
        o->direct = true;
        o->f = S_ISSOCK(st.st_mode) ? open_socket(o->final) : fopen(o->final, "wb");
        return o->f ? true : fail(cx, path, "cannot write the output");
    }
    // A short hidden name beside the target: PATH.tmp... could pass NAME_MAX.
    const char *slash = strrchr(o->final, '/');
    char *tmp = slash ? arena_printf(&cx->arena, "%.*s/.hbnnc.tmp.XXXXXX", (int)(slash - o->final),
                                     o->final)
                      : arena_strdup(&cx->arena, ".hbnnc.tmp.XXXXXX");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return fail(cx, path, "cannot create a temporary file beside the output");
    o->path = tmp;
    o->f = fdopen(fd, "wb");
    if (!o->f) {
        close(fd);
        unlink(tmp);
        return fail(cx, path, "cannot write the output");
    }
    return true;
}

bool hb_out_close_stream(HbCx *cx, HbOut *o)
{
    if (!o->f)
        return true;
    // A failed fwrite sets the error flag; its errno is usually gone, but fflush
    // retries the buffered bytes and fails again with the real cause (ENOSPC, EIO).
    int err = ferror(o->f) ? EIO : 0;
    errno = 0;
    if (fflush(o->f) != 0)
        err = errno ? errno : EIO;
    errno = 0;
    if (fclose(o->f) != 0 && !err)
        err = errno ? errno : EIO;
    o->f = NULL;
    if (err) {
        errno = err;
        return fail(cx, o->final, "cannot write the output");
    }
    return true;
}

bool hb_out_end(HbCx *cx, HbOut *o, bool ok)
{
    if (ok)
        ok = hb_out_close_stream(cx, o);
    else if (o->f) {
        fclose(o->f);
        o->f = NULL;
    }
    if (o->direct)
        return ok;
    if (ok) {
        mode_t mask = umask(0);
        umask(mask);
        mode_t mode = (o->executable ? 0777 : 0666) & ~mask;
        if (chmod(o->path, mode) != 0)
            ok = fail(cx, o->final, "cannot set the output's mode");
        else if (rename(o->path, o->final) != 0)
            ok = fail(cx, o->final, "cannot move the output into place");
    }
    if (!ok)
        unlink(o->path);
    return ok;
}

bool hb_out_check_stream(HbCx *cx, FILE *f, const char *name)
{
    int err = ferror(f) ? EIO : 0;
    errno = 0;
    if (fflush(f) != 0)
        err = errno ? errno : EIO;
    if (!err)
        return true;
    errno = err;
    return fail(cx, name, "write error");
}
