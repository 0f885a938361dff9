// SPDX-License-Identifier: MIT
/* magic.c: file-format sniffing by leading bytes (see magic.h). Used by the driver on
 * the .hb input and by the weights reader before it picks a parser. */
#include "magic.h"

#include <string.h>

const char magic_torch_help[] =
        "export the weights as safetensors: in Python, from safetensors.torch import "
        "save_file; save_file(model.state_dict(), \"model.safetensors\") (or np.savez "
        "with the state_dict's arrays)";

static bool starts(const unsigned char *buf, size_t len, const char *m, size_t n)
{
    return len >= n && memcmp(buf, m, n) == 0;
}

/* A zip written by torch.save names its members ARCHIVE/data.pkl, ARCHIVE/data/0, ...
 * (local headers carry the names in clear): look for the pickle's member name. */
static bool torch_zip(const unsigned char *buf, size_t len)
{
    static const char want[] = "data.pkl";
    size_t n = sizeof want - 1;
    for (size_t i = 0; i + n <= len && i < (1u << 20); i++)
        if (buf[i] == 'd' && memcmp(buf + i, want, n) == 0)
            return true;
    return false;
}

MagicKind magic_detect(const unsigned char *buf, size_t len, const char **name)
{
    static const struct {
        const char *bytes;
        size_t n;
        const char *name;
    } other[] = {
            {"\x89PNG\r\n\x1a\n", 8, "a PNG image"},
            {"\xff\xd8\xff", 3, "a JPEG image"},
            {"GIF8", 4, "a GIF image"},
            {"\x1f\x8b", 2, "gzip-compressed data"},
            {"\x7f"
             "ELF",
             4, "an ELF executable or library"},
            {"%PDF", 4, "a PDF document"},
            {"BZh", 3, "bzip2-compressed data"},
            {"\xfd"
             "7zXZ",
             5, "xz-compressed data"},
            {"\x28\xb5\x2f\xfd", 4, "zstd-compressed data"},
            {"7z\xbc\xaf\x27\x1c", 6, "a 7-zip archive"},
            {"\x89HDF\r\n\x1a\n", 8, "an HDF5 file (Keras .h5?)"},
    };
    const char *dummy;
    if (!name)
        name = &dummy;
    *name = NULL;
    if (len >= 2 && buf[0] == 0x80 && buf[1] >= 2 && buf[1] <= 5) {
        *name = "a PyTorch checkpoint (a pickle, torch.save's legacy format)";
        return MAGIC_TORCH_PICKLE;
    }
    if (starts(buf, len, "PK\x03\x04", 4) || starts(buf, len, "PK\x05\x06", 4)) {
        if (torch_zip(buf, len)) {
            *name = "a PyTorch checkpoint (a zip holding a pickle, torch.save's format)";
            return MAGIC_TORCH_ZIP;
        }
        *name = "a zip archive";
        return MAGIC_ZIP;
    }
    if (starts(buf, len, "\x93NUMPY", 6)) {
        *name = "a NumPy .npy array";
        return MAGIC_NPY;
    }
    for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
        if (other[i].name && starts(buf, len, other[i].bytes, other[i].n)) {
            *name = other[i].name;
            return MAGIC_OTHER;
        }
    }
    if (len >= 9 && buf[8] == '{' && buf[6] == 0 && buf[7] == 0) {
        *name = "a safetensors file";
        return MAGIC_SAFETENSORS;
    }
    return MAGIC_NONE;
}
