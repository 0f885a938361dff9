"""npyw.py: the float32 .npy writer and the IR-text constant writers shared by the e2e
network generators (cpu/*_nets.py, codes/code_pool_nets.py). Standard library only."""
import struct


def npy(path, shape, vals):
    """Write vals (a flat list) as a float32 C-order array of `shape` to path."""
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % ", ".join(
        "%d" % d for d in shape)
    h += " " * (63 - (10 + len(h)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode())
        f.write(struct.pack("<%df" % len(vals), *vals))


def f32(v):
    """v rounded to float32 (and back to a Python float)."""
    return struct.unpack("<f", struct.pack("<f", v))[0]


def const(name, shape, vals):
    """An f32 constant @name of `shape` in IR text; %.9g prints every float32 exactly."""
    return "const @%s : f32[%s] = {\n    %s\n}\n" % (
        name, ", ".join(str(d) for d in shape), " ".join("%.9g" % v for v in vals))


def bits1_const(R, name, O, C, k):
    """A one-plane bits<1>[O, C, k, k] constant @name of random words from R (each row's
    last word only has its valid bits)."""
    per = C * k * k
    words = [R.getrandbits(min(64, per - 64 * j)) for _ in range(O)
             for j in range((per + 63) // 64)]
    return "const @%s : bits<1>[%d, %d, %d, %d] = {\n  plane 0:\n    %s\n}\n" % (
        name, O, C, k, k, " ".join("0x%016x" % w for w in words))
