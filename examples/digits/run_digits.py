#!/usr/bin/env python3
"""run_digits.py: the digits network from Python through ctypes.

    hbnnc digits.hb -o digits.so
    python3 run_digits.py digits.so test_x.npy test_y.npy [threads]

Prints the accuracy and images per second, like run_digits.c. Uses numpy when it is
installed (np.load, zero-copy pointers); otherwise reads the .npy files with the
standard library (array module), so it runs on a bare Python too.
"""
import ctypes
import sys
import time
from array import array

IN_ELEMS, OUT_ELEMS = 64, 10  # digits_IN_ELEMS, digits_OUT_ELEMS in digits.h


def load_npy(path, typecode):
    """A .npy (version 1) array's values and its first dimension, without numpy."""
    with open(path, "rb") as f:
        data = f.read()
    hlen = data[8] | data[9] << 8
    header = data[10:10 + hlen].decode("latin1")
    rows = int(header.split("'shape': (")[1].split(",")[0])
    values = array(typecode)
    values.frombytes(data[10 + hlen:])
    return values, rows


def main():
    lib_path, x_path, y_path = sys.argv[1:4]
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    lib = ctypes.CDLL(lib_path)
    lib.digits_create.restype = ctypes.c_void_p
    lib.digits_create.argtypes = [ctypes.c_int]
    lib.digits_run.restype = ctypes.c_int
    lib.digits_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    lib.digits_destroy.argtypes = [ctypes.c_void_p]
    lib.digits_info.restype = ctypes.c_char_p
    try:
        import numpy as np
        x = np.ascontiguousarray(np.load(x_path), dtype=np.float32)
        y = np.load(y_path)
        n = x.shape[0]
        out = np.zeros((n, OUT_ELEMS), dtype=np.float32)
        xp, op = x.ctypes.data, out.ctypes.data
        predict = lambda: out.argmax(axis=1).tolist()
    except ImportError:
        x, n = load_npy(x_path, "f")
        y, _ = load_npy(y_path, "q")
        out = array("f", bytes(4 * n * OUT_ELEMS))
        xp, op = x.buffer_info()[0], out.buffer_info()[0]
        predict = lambda: [max(range(OUT_ELEMS), key=lambda k: out[i * OUT_ELEMS + k])
                           for i in range(n)]
    ctx = lib.digits_create(threads)
    if not ctx or lib.digits_run(ctx, xp, op, n) != 0:
        sys.exit("run_digits.py: cannot run the network")
    correct = sum(int(p == t) for p, t in zip(predict(), list(y)))
    best = min(timed(lib, ctx, xp, op, n) for _ in range(15))
    lib.digits_destroy(ctx)
    print(lib.digits_info().decode().splitlines()[0])
    print(f"digits.so via ctypes: {correct} / {n} correct = {100.0 * correct / n:.2f}%, "
          f"{n / best:.0f} images/s ({threads} thread{'s' if threads != 1 else ''})")


def timed(lib, ctx, xp, op, n):
    t0 = time.perf_counter()
    lib.digits_run(ctx, xp, op, n)
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
