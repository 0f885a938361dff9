// SPDX-License-Identifier: MIT
/* npy.h: float32 NumPy .npy files for the interpreter's inputs (--run, --calibrate)
 * and outputs (-o OUT.npy). A focused reader with full validation of the header and
 * the data, and a writer that follows output.h. */
#ifndef HB_NPY_H
#define HB_NPY_H

#include <stdbool.h>
#include <stdint.h>

#include "cx.h"

#define NPY_MAX_RANK 8 // = W_MAX_RANK (weights.h)

typedef struct NpyArray {
    int rank;
    int64_t shape[NPY_MAX_RANK];
    uint64_t n;    // elements
    float *data;   // n finite floats, row-major, in cx->arena
    int elem_size; // as stored: 4 (float32), 8 (float64) or 2 (float16; both converted)
} NpyArray;

/* Read `path`: version 1.0/2.0/3.0, descr '<f4' (or '<f8'/'<f2', converted to float32
 * with one note per file; integer and boolean arrays are an error), fortran_order False, a shape
 * tuple, a data block of exactly n * 4 bytes, every value finite. Problems are reported as "hbnnc:
 * PATH: error: ..." saying what was expected and found. Returns false on any; *io_error (may be
 * NULL) tells "cannot read" from "bad content". */
bool npy_read_f32(HbCx *cx, const char *path, NpyArray *out, bool *io_error);
/* The same over bytes in memory (tests); `name` is used in messages. */
bool npy_parse_f32(HbCx *cx, const char *name, const unsigned char *buf, size_t len, NpyArray *out);

/* Write a version 1.0 '<f4' file through the safe-output rules of output.h (a
 * temporary file + rename, a device or FIFO in place). Reports and returns false on
 * an I/O error. */
bool npy_write_f32(HbCx *cx, const char *path, const float *data, int rank, const int64_t *shape);

#endif
