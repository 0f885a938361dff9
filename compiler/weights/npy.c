// SPDX-License-Identifier: MIT
/* npy.c: the .npy reader and writer behind --run, --calibrate and -o OUT.npy (see
 * npy.h). The header is parsed by the one .npy header parser (npy_header.c, shared
 * with the .npz weights reader); this adds the float-only and finite-value rules. */
#include "npy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ice.h"
#include "output.h"
#include "weights_internal.h"

_Static_assert(NPY_MAX_RANK == W_MAX_RANK, "NpyArray holds any .npy shape");

/* '<f4' as is; '<f8' and '<f2' are converted (NpyArray.elem_size); integer and boolean
 * arrays get their own message, since "expected float32" alone does not say that a
 * conversion is needed. The header itself was checked by w_npy_header. */
static bool input_dtype(HbCx *cx, const char *name, const WTensor *t)
{
    if (t->dtype == WD_F32 || t->dtype == WD_F64 || t->dtype == WD_F16)
        return true;
    const char *d = t->dtype_name;
    if (d[0] && d[1] && strchr("iub", d[1])) {
        Diag *e = diag_file_error(cx, name,
                                  "the array holds %s (descr '%s'); inputs are floating-point",
                                  d[1] == 'b' ? "booleans" : "integers", d);
        diag_help(cx, e, "save it as float32: np.save(PATH, x.astype(np.float32))");
        return false;
    }
    diag_file_error(cx, name,
                    "expected little-endian float data (descr '<f4', '<f8' or '<f2'), found "
                    "descr '%s'",
                    d);
    return false;
}

static const char *dtype_name(WDtype dt)
{
    return dt == WD_F64 ? "float64" : dt == WD_F16 ? "float16" : "float32";
}

static double f64_at(const unsigned char *p)
{
    uint64_t u = w_le64(p);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

bool npy_parse_f32(HbCx *cx, const char *name, const unsigned char *buf, size_t len, NpyArray *out)
{
    memset(out, 0, sizeof *out);
    WReader r = {.cx = cx, .name = name, .buf = buf, .len = len};
    WTensor t = {0}; // no name: errors are about the file
    uint64_t data;
    if (!w_npy_header(&r, &t, buf, len, &data) || !input_dtype(cx, name, &t))
        return false;
    out->rank = t.rank;
    memcpy(out->shape, t.shape, sizeof out->shape);
    out->n = t.nelem;
    out->elem_size = t.dtype == WD_F64 ? 8 : t.dtype == WD_F16 ? 2 : 4;
    out->data = arena_calloc(&cx->arena, out->n ? out->n : 1, sizeof(float));
    uint64_t badi = weights_convert_f32(t.dtype, buf + data, out->n, out->data);
    if (badi < out->n) {
        double v = t.dtype == WD_F64 ? f64_at(buf + data + 8 * badi) : (double)out->data[badi];
        diag_file_error(cx, name, "element %llu is %s (inputs must be finite%s)",
                        (unsigned long long)badi,
                        isnan(v)   ? "NaN"
                        : isinf(v) ? "infinite"
                                   : "beyond the float32 range",
                        t.dtype == WD_F64 ? " and fit in float32" : "");
        return false;
    }
    if (t.dtype != WD_F32) // once per file: the interpreter computes in float32
        diag_file_info(cx, name, "%s input converted to float32%s", dtype_name(t.dtype),
                       t.dtype == WD_F64 ? " (rounded to nearest)" : " (exactly)");
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
    HbOut out;
    if (!hb_out_begin(cx, &out, path, false))
        return false;
    unsigned char pre[10] = {
            0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 255), (unsigned char)(n >> 8)};
    bool ok = fwrite(pre, 1, 10, out.f) == 10 && fwrite(hdr, 1, (size_t)n, out.f) == (size_t)n;
    for (uint64_t j = 0; ok && j < count; j++) {
        uint32_t u;
        memcpy(&u, &data[j], 4);
        unsigned char b[4] = {u & 255, (u >> 8) & 255, (u >> 16) & 255, u >> 24};
        ok = fwrite(b, 1, 4, out.f) == 4;
    }
    // A failed fwrite leaves the stream's error flag set: hb_out_end reports it.
    return hb_out_end(cx, &out, true) && ok;
}
