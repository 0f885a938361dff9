#!/usr/bin/env python3
"""gen_big.py: generate large .hb files for the scale benchmarks and tests.

  gen_big.py flat N      N labelled layers in one network (dense + relu pairs,
                         every 100th layer reads an earlier one with `from`)
  gen_big.py nested D    D nested blocks, each calling the one below twice
                         (2^D instances of the innermost block)
  gen_big.py renamed N   N dense(1) layers, each renamed on the weights line to
                         "t{i}", reading renamed.safetensors (written beside the
                         .hb when a path is given as a third argument)
  gen_big.py bitchain N   IR text (not .hb): N bit-plane convolutions on a 16 x 2 x 2
                         image, depthwise and pointwise in turn, each bpop_conv2d ->
                         icomb -> threshold (the CPU backend's kernel planning)
Writes the .hb text to stdout. Used by tests/e2e/scale.sh and bench/README.md.
"""
import sys


def flat(n):
    out = ["hbnn 0.1", "network big {", "    input x: f32[16]"]
    for i in range(n):
        if i % 2 == 0:
            src = f" from l{i - 100}" if i >= 100 and i % 100 == 0 else ""
            out.append(f"    l{i}: dense(16) weights float{src}")
        else:
            out.append(f"    l{i}: relu")
    out.append(f"    output l{n - 1}")
    out.append("}")
    return "\n".join(out) + "\n"


def nested(depth):
    out = ["hbnn 0.1", "block b0() {", "    c: relu", "}"]
    for d in range(1, depth + 1):
        out += [f"block b{d}() {{", f"    x: b{d - 1}()", f"    y: b{d - 1}()", "}"]
    out += ["network deep {", "    input x: f32[4]", f"    top: b{depth}()", "}"]
    return "\n".join(out) + "\n"


def renamed(n):
    out = ["hbnn 0.1", 'weights "renamed.safetensors" {']
    out += [f'    l{i} = "t{i}"' for i in range(n)]
    out += ["}", "network renamed {", "    input x: f32[1]"]
    out += [f"    l{i}: dense(1, bias=false) weights int 8" for i in range(n)]
    out += [f"    output l{n - 1}", "}"]
    return "\n".join(out) + "\n"


def renamed_weights(n, path):
    # safetensors: u64 header length, JSON header, then the data (float32 1.0 each).
    import json
    import struct
    header = {f"t{i}.weight": {"dtype": "F32", "shape": [1, 1], "data_offsets": [4 * i, 4 * i + 4]}
              for i in range(n)}
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + struct.pack("<f", 1.0) * n)


def bitchain(n):
    out = ["hbir 1 network chain", "", "%x : f32[16, 2, 2] = input index=0",
           "%s0 : bits<1,unit>[16, 2, 2] = sign %x"]
    for i in range(1, n + 1):
        dw = i % 2
        w, pad, g, b = ("@wd", 1, 16, 9) if dw else ("@wp", 0, 1, 16)
        out += [f"%p{i} : i32[1, 16, 2, 2] = bpop_conv2d %s{i - 1}, {w} stride=[1,1] "
                f"pad=[{pad},{pad},{pad},{pad}] dilation=[1,1] groups={g}",
                f"%a{i} : i32[16, 2, 2] = icomb %p{i}, @c shift=0 bound={b}",
                f"%s{i} : bits<1,unit>[16, 2, 2] = threshold %a{i}, @n, @t"]
    out += [f"%d : f32[16, 2, 2] = dequant %s{n}", "output %d", "",
            "const @wd : bits<1>[16, 1, 3, 3] = {", "  plane 0:",
            "    " + " ".join("0x%016x" % (0x155 ^ i) for i in range(16)), "}",
            "const @wp : bits<1>[16, 16, 1, 1] = {", "  plane 0:",
            "    " + " ".join("0x%016x" % (0x5a5a ^ (i * 257)) for i in range(16)), "}",
            "const @c : i32[1, 1] = { 1 }",
            "const @n : i32[16] = { %s }" % " ".join("0" for _ in range(16)),
            "const @t : i32[16, 1] = { %s }" % " ".join("1" for _ in range(16))]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("flat", "nested", "renamed",
                                                          "bitchain"):
        sys.exit(__doc__)
    kind, n = sys.argv[1], int(sys.argv[2])
    if kind == "renamed" and len(sys.argv) == 4:
        renamed_weights(n, sys.argv[3])
    sys.stdout.write({"flat": flat, "nested": nested, "renamed": renamed,
                      "bitchain": bitchain}[kind](n))
