#!/usr/bin/python3
"""export.py [OUTDIR]: seeded random weights for mobilenet.hb (numpy only, seed 13: He-scaled
normal weights, non-trivial batch-norm statistics) as OUTDIR/mobilenet.safetensors (default:
this folder), plus one seeded input, inputs.npy. Not committed: run it, then
  hbnnc mobilenet.hb --weights mobilenet.safetensors --run inputs.npy
The layer list and the generator live in bench/nets.py, which bench/run uses too."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
import nets  # noqa: E402

out = sys.argv[1] if len(sys.argv) > 1 else HERE
os.makedirs(out, exist_ok=True)
nets.write_safetensors(os.path.join(out, "mobilenet.safetensors"), nets.tensors("mobilenet"))
nets.np.save(os.path.join(out, "inputs.npy"), nets.inputs("mobilenet", 1))
print("export.py: wrote %s/mobilenet.safetensors and inputs.npy" % out)
