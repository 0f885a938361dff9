// SPDX-License-Identifier: MIT
/* vl_tool.c: the external tools of --report (yosys, nextpnr-ice40), run with fork/exec
 * and an argument array (never a shell), in the output directory, with their output in
 * a log file there; plus small text-file helpers for the scripts and results. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"
#include "vl_report.h"

/* Is `name` an executable on PATH? */
static bool on_path(HbCx *cx, const char *name)
{
    const char *path = getenv("PATH");
    char *dirs = arena_strdup(&cx->arena, path && *path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        struct stat st;
        const char *f = arena_printf(&cx->arena, "%s/%s", *d ? d : ".", name);
        if (stat(f, &st) == 0 && S_ISREG(st.st_mode) && access(f, X_OK) == 0)
            return true;
    }
    return false;
}

/* The last line of the log that starts with "ERROR" (yosys and nextpnr), or NULL. */
static const char *last_error(HbCx *cx, const char *dir, const char *log)
{
    if (access(arena_printf(&cx->arena, "%s/%s", dir, log), R_OK) != 0)
        return NULL;
    char *text = vl_read_text(cx, dir, log);
    const char *best = NULL;
    for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
         l = strtok_r(NULL, "\n", &save))
        if (strncmp(l, "ERROR", 5) == 0)
            best = l;
    return best;
}

void vl_tool_failed(HbCx *cx, const char *dir, const char *tool, const char *log)
{
    const char *err = last_error(cx, dir, log);
    Diag *d = diag_file_error(cx, NULL, "'%s' failed; its log is %s/%s", tool, dir, log);
    if (err)
        diag_note(cx, d, "%s", err);
}

bool vl_tool(HbCx *cx, const char *dir, const char *const *argv, const char *log, const char *pkg,
             bool report)
{
    if (!on_path(cx, argv[0])) {
        Diag *d = diag_file_error(cx, NULL, "--report needs '%s', which is not on PATH", argv[0]);
        diag_help(cx, d, "install the Debian package '%s' (scripts/setup installs it)", pkg);
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        diag_file_error(cx, NULL, "cannot run '%s': %s", argv[0], strerror(errno));
        return false;
    }
    if (pid == 0) { // the child: only async-signal-safe calls until exec
        int fd = -1;
        if (chdir(dir) == 0)
            fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            _exit(126);
        close(fd);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return false;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return true;
    if (report)
        vl_tool_failed(cx, dir, argv[0], log);
    return false;
}

bool vl_write_text(HbCx *cx, const char *dir, const char *file, const char *text)
{
    HbOut o;
    if (!hb_out_begin(cx, &o, arena_printf(&cx->arena, "%s/%s", dir, file), false))
        return false;
    fputs(text, o.f);
    return hb_out_end(cx, &o, true);
}

char *vl_read_text(HbCx *cx, const char *dir, const char *file)
{
    const char *path = arena_printf(&cx->arena, "%s/%s", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_file_error(cx, path, "cannot read: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = arena_alloc(&cx->arena, cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            buf = arena_grow(&cx->arena, buf, cap + 1, 2 * cap + 1);
            cap *= 2;
        }
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        diag_file_error(cx, path, "read error");
        return NULL;
    }
    buf[n] = 0;
    return buf;
}
