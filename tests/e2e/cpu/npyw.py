"""npyw.py: the float32 .npy writer shared by the e2e network generators (cpu/*_nets.py,
codes/code_pool_nets.py). Standard library only."""
import struct


def npy(path, shape, vals):
    """Write vals (a flat list) as a float32 C-order array of `shape` to path."""
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ", ".join(
        "%d" % d for d in shape)
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode())
        f.write(struct.pack("<%df" % len(vals), *vals))
