// SPDX-License-Identifier: MIT
/* magic.h: recognising well-known binary file formats by their first bytes, so a
 * wrong file given as a .hb source or a weights file gets a message that names what
 * it is (a PyTorch checkpoint, a PNG image, ...). Only bytes are compared: nothing in
 * the file is decoded, let alone executed (a pickle is never unpickled). */
#ifndef HB_MAGIC_H
#define HB_MAGIC_H

#include <stdbool.h>
#include <stddef.h>

typedef enum MagicKind {
    MAGIC_NONE,         // nothing recognised (maybe text)
    MAGIC_TORCH_PICKLE, // legacy torch.save: a pickle stream (0x80, protocol 2..5)
    MAGIC_TORCH_ZIP,    // torch.save since 1.6: a zip with NAME/data.pkl
    MAGIC_ZIP,          // another zip (an .npz is one)
    MAGIC_NPY,          // a single NumPy array
    MAGIC_SAFETENSORS,  // u64 header length, then '{'
    MAGIC_OTHER,        // a known format that is neither (see magic_name)
} MagicKind;

/* What buf[0..len) is; *name gets a description ("a PNG image") for MAGIC_OTHER and
 * the torch kinds. */
MagicKind magic_detect(const unsigned char *buf, size_t len, const char **name);

/* The advice for a PyTorch checkpoint: how to export safetensors. */
extern const char magic_torch_help[];

#endif
