// SPDX-License-Identifier: MIT
/* weights.h: the trained-weights readers, between sema and the binder. A safetensors
 * or NumPy .npz file (chosen by content) is mapped, checked against every rule of
 * docs/language.md §6, converted to float32 in cx->arena and unmapped before
 * weights_open() returns. Code: weights.c, weights_safetensors.c, weights_npz.c. */
#ifndef HB_WEIGHTS_H
#define HB_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cx.h"

#define W_MAX_RANK 8

/* Element types the binder cares about. Every other valid dtype of either format
 * (U8, I32, F8_E4M3, '<i4', '|b1', ...) loads as WD_OTHER: the tensor is listed
 * with its name, shape and dtype_name but has no data, so a file may carry extra
 * tensors the network never uses; the binder rejects WD_OTHER if one is bound.
 * Unknown or unsafe dtypes (a dtype string the format does not define, NumPy
 * object or big-endian arrays) are load errors. */
typedef enum WDtype {
    WD_F32,  // converted to float32: data != NULL
    WD_F16,  // "
    WD_BF16, // "
    WD_F64,  // " (values beyond the float32 range are an error)
    WD_I64,  // accepted without data (the binder allows only num_batches_tracked)
    WD_OTHER // valid in the file, no data
} WDtype;

typedef enum WFormat { WF_SAFETENSORS, WF_NPZ } WFormat;

typedef struct WTensor {
    const char *name; // opaque UTF-8, no NUL, never a path (npz: member minus .npy)
    WDtype dtype;
    const char *dtype_name; // as written in the file: "F32", "BF16", "<f4", "|u1"
    int rank;               // 0 = scalar
    int64_t shape[W_MAX_RANK];
    uint64_t nelem;    // product of the dims: 1 for a scalar, 0 for an empty tensor
    const float *data; // nelem finite floats, row-major, in cx->arena; non-NULL exactly
                       // for WD_F32/F16/BF16/F64 (also when nelem == 0)
    bool used;         // for the binder (unused-tensor warnings); false on load
} WTensor;

typedef struct WFile {
    const char *path;         // as passed to weights_open (NULL from weights_open_mem)
    const char *display_name; // the name diagnostics use
    WFormat format;
    WTensor *tensors; // file order: header order (safetensors), member order (npz)
    uint32_t n;
    WTensor **by_name; // the same tensors sorted by name (strcmp), for weights_find
} WFile;

/* How weights_open_status() ended: the driver maps W_IO_ERROR to exit code 2 (the
 * file could not be read) and W_INVALID to exit code 1 (it was read but is bad).
 * (Not "W_OK": <unistd.h> defines that as a macro for access().) */
typedef enum WStatus { W_LOADED, W_IO_ERROR, W_INVALID } WStatus;

/* Open, validate and convert the weights file at `path`. Every problem is reported
 * with diag_file_error(cx, path, ...): "tensor 'NAME': ..." for one tensor, a plain
 * message for file-level problems, each saying what was expected, what was found and
 * which rule it breaks. Returns NULL if anything was reported. The result and all it
 * points to live in cx->arena; the file itself is not kept open or mapped. The format
 * is decided by content (ZIP magic or not), never by the file name. */
WFile *weights_open(HbCx *cx, const char *path);
/* The same, and tells I/O failures from invalid content (`status` may be NULL). */
WFile *weights_open_status(HbCx *cx, const char *path, WStatus *status);
/* The same over bytes in memory (tests, fuzzing): `display_name` names it in
 * diagnostics; `buf` is only read during the call. */
WFile *weights_open_mem(HbCx *cx, const char *display_name, const unsigned char *buf, size_t len);

/* The tensor called `name`, or NULL. O(log n). Not const: the binder sets `used`. */
WTensor *weights_find(const WFile *f, const char *name);

/* "[128, 64]" ("[]" for a scalar), in the arena: for the binder's shape messages. */
const char *weights_shape_str(Arena *a, const int64_t *shape, int rank);
/* Convert n little-endian elements of dtype (F32, F16, BF16 or F64) to float32 in out.
 * Returns the index of the first element that is NaN, infinite or beyond the float32
 * range, or n when all are fine. For the .npy inputs of --run and --calibrate. */
uint64_t weights_convert_f32(WDtype dt, const unsigned char *raw, uint64_t n, float *out);

/* "safetensors" or "npz". */
const char *weights_format_name(WFormat f);

#endif
