#!/usr/bin/env python3
"""gen_big.py: generate large .hb files for the scale benchmarks and tests.

  gen_big.py flat N      N labelled layers in one network (dense + relu pairs,
                         every 100th layer reads an earlier one with `from`)
  gen_big.py nested D    D nested blocks, each calling the one below twice
                         (2^D instances of the innermost block)
  gen_big.py renamed N   N dense(1) layers, each renamed on the weights line to
                         "t{i}", reading renamed.safetensors (written beside the
                         .hb when a path is given as a third argument)
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


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("flat", "nested", "renamed"):
        sys.exit(__doc__)
    kind, n = sys.argv[1], int(sys.argv[2])
    if kind == "renamed" and len(sys.argv) == 4:
        renamed_weights(n, sys.argv[3])
    sys.stdout.write({"flat": flat, "nested": nested, "renamed": renamed}[kind](n))
