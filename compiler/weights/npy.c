// SPDX-License-Identifier: MIT
/* npy.c: the .npy reader and writer behind --run, --calibrate and -o OUT.npy (see
 * npy.h). The header is parsed by the one .npy header parser (npy_header.c, shared
 * with the .npz weights reader); this adds the float32-only and finite-value rules. */
#include "npy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ice.h"
#include "weights_internal.h"

_Static_assert(NPY_MAX_RANK == W_MAX_RANK, "NpyArray holds any .npy shape");

bool npy_parse_f32(HbCx *cx, const char *name, const unsigned char *buf, size_t len, NpyArray *out)
{
    memset(out, 0, sizeof *out);
    WReader r = {.cx = cx, .name = name, .buf = buf, .len = len};
    WTensor t = {0}; // no name: errors are about the file
    uint64_t data;
    if (!w_npy_header(&r, &t, buf, len, &data))
        return false;
    if (t.dtype != WD_F32) {
        diag_file_error(cx, name, "expected float32 data (descr '<f4'), found descr '%s'",
                        t.dtype_name);
        return false;
    }
    out->rank = t.rank;
    memcpy(out->shape, t.shape, sizeof out->shape);
    out->n = t.nelem;
    out->data = arena_calloc(&cx->arena, out->n ? out->n : 1, sizeof(float));
    for (uint64_t j = 0; j < out->n; j++) {
        uint32_t u = w_le32(buf + data + 4 * j);
        memcpy(&out->data[j], &u, 4);
        if (!isfinite(out->data[j])) {
            diag_file_error(cx, name, "element %llu is %s (inputs must be finite)",
                            (unsigned long long)j, isnan(out->data[j]) ? "NaN" : "infinite");
            return false;
        }
    }
    return true;
}

bool npy_read_f32(HbCx *cx, const char *path, NpyArray *out, bool *io_error)
{
    if (io_error)
        *io_error = false;
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    while (fp) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *nb = realloc(buf, cap);
            if (!nb)
                hb_out_of_memory(cap);
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (!fp || ferror(fp) || !buf) {
        int err = errno;
        if (fp)
            fclose(fp);
        free(buf);
        diag_file_error(cx, path, "cannot read: %s", strerror(err ? err : EIO));
        if (io_error)
            *io_error = true;
        return false;
    }
    fclose(fp);
    bool ok = npy_parse_f32(cx, path, buf, len, out);
    free(buf);
    return ok;
}

bool npy_write_f32(HbCx *cx, const char *path, const float *data, int rank, const int64_t *shape)
{
    char hdr[256];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    uint64_t count = 1;
    for (int i = 0; i < rank; i++) {
        n += snprintf(hdr + n, sizeof hdr - n, "%lld,%s", (long long)shape[i],
                      i + 1 < rank ? " " : "");
        count *= (uint64_t)shape[i];
    }
    n += snprintf(hdr + n, sizeof hdr - n, "), }");
    while ((10 + n + 1) % 64)
        hdr[n++] = ' ';
    hdr[n++] = '\n';
    const char *tmp = arena_printf(&cx->arena, "%s.tmp.XXXXXX", path);
    char *t = arena_strdup(&cx->arena, tmp);
    int fd = mkstemp(t);
    FILE *fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
    bool ok = fp != NULL;
    if (ok) {
        unsigned char pre[10] = {0x93,
                                 'N',
                                 'U',
                                 'M',
                                 'P',
                                 'Y',
                                 1,
                                 0,
                                 (unsigned char)(n & 255),
                                 (unsigned char)(n >> 8)};
        ok = fwrite(pre, 1, 10, fp) == 10 && fwrite(hdr, 1, (size_t)n, fp) == (size_t)n;
        for (uint64_t j = 0; ok && j < count; j++) {
            uint32_t u;
            memcpy(&u, &data[j], 4);
            unsigned char b[4] = {u & 255, (u >> 8) & 255, (u >> 16) & 255, u >> 24};
            ok = fwrite(b, 1, 4, fp) == 4;
        }
        ok = (fclose(fp) == 0) && ok;
    } else if (fd >= 0) {
        close(fd);
    }
    if (ok && rename(t, path) != 0)
        ok = false;
    if (!ok) {
        diag_file_error(cx, path, "cannot write: %s", strerror(errno ? errno : EIO));
        if (fd >= 0)
            unlink(t);
    }
    return ok;
}
