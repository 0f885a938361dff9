#!/usr/bin/env python3
# make_cases.py: writes the generated bad-IR cases of this directory (gen_*.ir/.args),
# one per verifier check of compiler/ir/ir_verify.c: each is a valid base module
# (ok.ir, ok_float.ir, ok_bits.ir) with one edit, so that exactly that check fires.
# Run it after changing a base or the list, then scripts/update-golden
# tests/golden/ir_verify and review the .out diff (each must show one message).
# tests/README.md lists which verifier check each case covers.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def base(name):
    with open(os.path.join(HERE, name)) as f:
        text = f.read()
    # drop the base's leading comment lines
    return "".join(l for l in text.splitlines(True) if not l.startswith("#"))


# (name, base, what the edit breaks, [(original text, replacement), ...])
CASES = [
    # ---- types and constants ----
    ("scale_missing", "ok.ir", "a bits value without a scale kind",
     [("%s : bits<1,unit>[4]", "%s : bits<1>[4]")]),
    ("unit_multibit", "ok.ir", "unit scales on a 2-bit masked value",
     [("%q : bits<2,masked,runtime>[4]", "%q : bits<2,masked,unit>[4]")]),
    ("static_scales", "ok_bits.ir", "static scales that are not an f32[K] constant",
     [("%th : bits<2,static @beta>[2]", "%th : bits<2,static @al>[2]")]),
    ("plane_outside_mask", "ok_bits.ir", "a plane bit outside its mask",
     [("0x00000000000000f0", "0x00000000000001f0")]),
    ("mask0_full", "ok_bits.ir", "mask 0 missing an element",
     [("mask 0:\n    0x000000000003ffff", "mask 0:\n    0x000000000003fffe")]),
    ("mask_nesting", "ok_bits.ir", "mask 2 not inside mask 1 (an extra 3-plane constant)",
     [("const @cm", "const @x3 : bits<3,masked>[1, 4] = {\n  plane 0:\n    0x0000000000000000\n"
       "  plane 1:\n    0x0000000000000000\n  plane 2:\n    0x0000000000000000\n"
       "  mask 0:\n    0x000000000000000f\n  mask 1:\n    0x0000000000000003\n"
       "  mask 2:\n    0x0000000000000004\n}\nconst @cm")]),
    ("const_not_finite", "ok_float.ir", "an f32 constant that overflows to infinity",
     [("const @db : f32[3] = { 0 0.5 -0.5 }", "const @db : f32[3] = { 0 1e39 -0.5 }")]),
    # ---- generic operand and attribute rules ----
    ("operand_encoding", "ok_bits.ir", "dequant of an f32 value",
     [("= dequant %mp", "= dequant %y")]),
    ("operand_kind", "ok.ir", "a value where a constant belongs",
     [("bpop_dense %s, @w", "bpop_dense %s, %x")]),
    ("attr_entries", "ok_float.ir", "a stride list with one entry",
     [("kernel=[2,2] stride=[2,2] pad=[1,0,1,0]", "kernel=[2,2] stride=[2] pad=[1,0,1,0]")]),
    ("attr_range", "ok_float.ir", "a zero stride",
     [("stride=[1,1] pad=[1,1,1,1]", "stride=[0,1] pad=[1,1,1,1]")]),
    ("window_fit", "ok_float.ir", "a max-pool window larger than the padded input",
     [("kernel=[2,2] stride=[2,2] pad=[1,0,1,0]", "kernel=[6,6] stride=[2,2] pad=[1,0,1,0]")]),
    ("class_index", "ok_float.ir", "an argmax result consumed",
     [("output %p", "%kk : f32[3] = relu %k\noutput %p")]),
    ("operand_count_concat", "ok_float.ir", "concat of one operand",
     [("concat %a, %a", "concat %a")]),
    # ---- module rules ----
    ("input_index", "ok.ir", "the first input numbered 1", [("input index=0", "input index=1")]),
    ("no_output", "ok.ir", "no output line", [("output %f\noutput %r\n", "")]),
    ("no_input_output", "ok.ir", "an empty module: no input (only reachable together with "
     "no output: every value comes from an input)",
     [(base("ok.ir")[base("ok.ir").index("%x"):], "")]),
    # ---- per op ----
    ("input_type", "ok.ir", "an i32 input (an extra, unused second input)",
     [("%s : bits", "%x2 : i32[3] = input index=1\n%s : bits")]),
    ("dense_weights", "ok_float.ir", "dense weights transposed",
     [("@dw : f32[3, 4]", "@dw : f32[4, 3]")]),
    ("dense_bias", "ok_float.ir", "a dense bias of the wrong size",
     [("const @db : f32[3] = { 0 0.5 -0.5 }", "const @db : f32[2] = { 0 0.5 }")]),
    ("dense_result", "ok_float.ir", "a dense result of the wrong size",
     [("%d : f32[3] = dense %s, @dw, @db\n%p : f32[3]",
       "%d : f32[4] = dense %s, @dw, @db\n%p : f32[4]")]),
    ("conv_input_rank", "ok_float.ir", "conv2d on a vector",
     [("%c : f32[2, 4, 4] = conv2d %x,", "%xf : f32[32] = flatten %x\n%c : f32[2, 4, 4] = conv2d %xf,")]),
    ("conv_weights_rank", "ok_float.ir", "rank-2 conv weights",
     [("@cw : f32[2, 1, 3, 3]", "@cw : f32[2, 9]")]),
    ("conv_groups", "ok_float.ir", "groups not dividing the channels",
     [("groups=2", "groups=3")]),
    ("conv_group_channels", "ok_float.ir", "weights with 1 input channel per group, groups=1",
     [("groups=2", "groups=1")]),
    ("conv_result", "ok_float.ir", "conv2d stride 2 with a stride-1 result type",
     [("conv2d %x, @cw, @cb stride=[1,1]", "conv2d %x, @cw, @cb stride=[2,2]")]),
    ("conv_bias", "ok_float.ir", "a conv bias of the wrong size",
     [("const @cb : f32[2] = { 0 0.5 }", "const @cb : f32[1] = { 0 }")]),
    ("bpop_conv_result", "ok_bits.ir", "bpop_conv2d result without the pair dimension right",
     [("%y : f32[2, 3, 3] = fcomb", "%p2 : i32[1, 2, 3, 3] = bpop_conv2d %q, @w stride=[1,1] "
       "pad=[1,1,1,1] dilation=[1,1] groups=1\n%y : f32[2, 3, 3] = fcomb")]),
    ("batchnorm_rank", "ok_float.ir", "batchnorm on a rank-2 input (an extra second input)",
     [("%c : f32", "%x2 : f32[2, 2] = input index=1\n%b2 : f32[2, 2] = batchnorm %x2, @bs, @bh\n"
       "%c : f32")]),
    ("batchnorm_params", "ok_float.ir", "a batchnorm scale of the wrong size",
     [("const @bs : f32[2] = { 1 -1 }", "const @bs : f32[1] = { 1 }")]),
    ("batchnorm_result", "ok_float.ir", "a batchnorm result of the wrong shape (unused)",
     [("%r : f32[2, 4, 4] = relu %b", "%b2 : f32[2, 16] = batchnorm %c, @bs, @bh\n"
       "%r : f32[2, 4, 4] = relu %b")]),
    ("elementwise_result", "ok_float.ir", "a relu result of the wrong shape (unused)",
     [("%h : f32", "%r2 : f32[4] = relu %b\n%h : f32")]),
    ("hardtanh_range", "ok_float.ir", "hardtanh with lo > hi", [("lo=-1 hi=1", "lo=1 hi=-1")]),
    ("hardtanh_equal", "ok_float.ir", "hardtanh with lo = hi", [("lo=-1 hi=1", "lo=1 hi=1")]),
    ("hardtanh_infinite", "ok_float.ir", "hardtanh with an infinite bound",
     [("lo=-1 hi=1", "lo=-1 hi=1e999")]),
    ("pool_encoding", "ok_bits.ir", "avgpool on bits",
     [("%sf : f32", "%ap : f32[2, 2, 2] = avgpool %s kernel=[2,2] stride=[1,1] pad=[0,0,0,0] ceil=0\n%sf : f32")]),
    ("maxpool_multibit", "ok_bits.ir", "maxpool on 2-bit runtime-scaled values",
     [("%sf : f32", "%qr : bits<2,runtime>[2, 3, 3] = quant %x widths=[2] fracs=[1] "
       "select=middle-out seed=0\n%mq : bits<2,runtime>[2, 2, 2] = maxpool %qr kernel=[2,2] "
       "stride=[1,1] pad=[0,0,0,0] ceil=0\n%sf : f32")]),
    ("pool_rank", "ok_float.ir", "maxpool on a vector",
     [("%s : f32[4] = add", "%mq : f32[4] = maxpool %f kernel=[1,1] stride=[1,1] pad=[0,0,0,0] ceil=0\n"
       "%s : f32[4] = add")]),
    ("avgpool_fit", "ok_float.ir", "an avgpool window larger than the input",
     [("avgpool %m kernel=[2,2]", "avgpool %m kernel=[3,3]")]),
    ("maxpool_pad_half", "ok_float.ir", "max-pool padding over half the window",
     [("pad=[1,0,1,0]", "pad=[2,0,1,0]")]),
    ("pool_result", "ok_float.ir", "an avgpool result of the wrong shape (unused)",
     [("%j : f32", "%a2 : f32[2, 2, 2] = avgpool %m kernel=[2,2] stride=[2,2] pad=[0,0,0,0] ceil=0\n%j : f32")]),
    ("flatten_input", "ok_bits.ir", "flatten of pair sums",
     [("%ac : i32[2]", "%pf : i32[8] = flatten %pd\n%ac : i32[2]")]),
    ("flatten_result", "ok_float.ir", "a flatten result of the wrong size (unused)",
     [("%s : f32[4] = add", "%f2 : f32[16] = flatten %j\n%s : f32[4] = add")]),
    ("add_operands", "ok_float.ir", "add of f32[4] and f32[3] (unused)",
     [("%p : f32[3] = softmax", "%s2 : f32[4] = add %f, %d\n%p : f32[3] = softmax")]),
    ("add_result", "ok_float.ir", "an add result of the wrong shape (unused)",
     [("%d : f32[3] = dense", "%s3 : f32[2, 2] = add %f, %f\n%d : f32[3] = dense")]),
    ("concat_int", "ok_bits.ir", "concat of pair sums (unused)",
     [("%ac : i32[2]", "%cc : i32[8, 2] = concat %pd, %pd\n%ac : i32[2]")]),
    ("concat_runtime", "ok_bits.ir", "concat of runtime-scaled bits (unused)",
     [("%hf : f32", "%ch : bits<3,masked,runtime>[36] = concat %h, %h\n%hf : f32")]),
    ("concat_rank", "ok_float.ir", "concat of rank 3 and rank 1 (unused)",
     [("%s : f32[4] = add", "%j2 : f32[6, 1, 1] = concat %a, %f\n%s : f32[4] = add")]),
    ("concat_shape", "ok_float.ir", "concat of [2,1,1] and [2,2,2] (unused)",
     [("%s : f32[4] = add", "%j3 : f32[4, 2, 2] = concat %a, %m\n%s : f32[4] = add")]),
    ("concat_result", "ok_float.ir", "a concat result of the wrong size (unused)",
     [("%s : f32[4] = add", "%j4 : f32[3, 1, 1] = concat %a, %a\n%s : f32[4] = add")]),
    ("softmax_rank", "ok_float.ir", "softmax of an image (unused)",
     [("%j : f32", "%p2 : f32[2, 1, 1] = softmax %a\n%j : f32")]),
    ("softmax_result", "ok_float.ir", "a softmax result of the wrong size (unused)",
     [("%k : i32[]", "%p3 : f32[4] = softmax %d\n%k : i32[]")]),
    ("argmax_result", "ok_float.ir", "an argmax result typed f32 (unused)",
     [("%k : i32[]", "%k2 : f32[] = argmax %d\n%k : i32[]")]),
    ("sign_result", "ok.ir", "a sign result of the wrong size (unused)",
     [("%p : i32", "%s2 : bits<1,unit>[3] = sign %x\n%p : i32")]),
    ("quant_counts", "ok.ir", "two widths and one fraction",
     [("fracs=[0.5,0.5]", "fracs=[1]")]),
    ("quant_widths", "ok.ir", "widths not ascending", [("widths=[1,2]", "widths=[2,2]")]),
    ("quant_fraction", "ok.ir", "a negative fraction",
     [("fracs=[0.5,0.5]", "fracs=[-0.25,1.25]")]),
    ("quant_result", "ok.ir", "a quant result typed f32 (unused)",
     [("%r : f32", "%q2 : f32[4] = quant %x widths=[1] fracs=[1] select=middle-out seed=0\n"
       "%r : f32")]),
    ("quant_scale", "ok.ir", "a quant result with unit scales (unused)",
     [("%r : f32", "%q3 : bits<1,unit>[4] = quant %x widths=[1] fracs=[1] select=middle-out "
       "seed=0\n%r : f32")]),
    ("bpop_weights", "ok_bits.ir", "bpop_dense with conv weights",
     [("bpop_dense %fl, @wm", "bpop_dense %fl, @w")]),
    ("bpop_result", "ok.ir", "a bpop_dense result of the wrong shape (unused)",
     [("%a : i32[2]", "%p2 : i32[2, 2] = bpop_dense %s, @w\n%a : i32[2]")]),
    ("icomb_rank", "ok_bits.ir", "icomb of an accumulator (unused)",
     [("%th : bits", "%ac2 : i32[] = icomb %ac, @cm shift=0 bound=72\n%th : bits")]),
    ("icomb_coef", "ok_bits.ir", "icomb coefficients of rank 1 (unused)",
     [("%th : bits", "%ac3 : i32[2] = icomb %pd, @ng shift=0 bound=72\n%th : bits")]),
    ("icomb_result", "ok_bits.ir", "an icomb result of the wrong size (unused)",
     [("%th : bits", "%ac4 : i32[4] = icomb %pd, @cm shift=0 bound=72\n%th : bits")]),
    ("icomb_shift", "ok_bits.ir", "shift 63", [("shift=0 bound=72", "shift=63 bound=72")]),
    ("icomb_bound_limit", "ok_bits.ir", "a stated bound over 2^30",
     [("shift=0 bound=72", "shift=0 bound=1073741825")]),
    ("icomb_source", "ok_bits.ir", "icomb of an icomb result (unused)",
     [("%y : f32", "%i1 : i32[2, 3, 3] = icomb %p, @c2 shift=0 bound=36\n"
       "%i2 : i32[3, 3] = icomb %i1, @c2 shift=0 bound=36\n%y : f32"),
      ("const @cm", "const @c2 : i32[1, 2] = { 1 1 }\nconst @cm")]),
    ("icomb_bound_masked", "ok_bits.ir", "a bound one below the masked worst case 72",
     [("shift=0 bound=72", "shift=0 bound=71")]),
    ("fcomb_planes", "ok_bits.ir", "fcomb of 4 pair planes on a 3-plane value (unused)",
     [("%hf : f32", "%yy : f32[2] = fcomb %pd, %h, @al, @bb\n%hf : f32")]),
    ("fcomb_alpha", "ok_bits.ir", "fcomb alpha of rank 1 (unused)",
     [("%mp : bits", "%y2 : f32[2, 3, 3] = fcomb %p, %q, @beta, @bb\n%mp : bits")]),
    ("fcomb_bias", "ok_bits.ir", "an fcomb bias of the wrong shape (unused)",
     [("%mp : bits", "%y2 : f32[2, 3, 3] = fcomb %p, %q, @al, @al\n%mp : bits")]),
    ("fcomb_result", "ok_bits.ir", "an fcomb result of the wrong shape (unused)",
     [("%mp : bits", "%y3 : f32[2, 9] = fcomb %p, %q, @al, @bb\n%mp : bits")]),
    ("threshold_result", "ok_bits.ir", "a masked threshold result (unused)",
     [("%tf : f32", "%th2 : bits<2,masked,static @beta>[2] = threshold %ac, @ng, @tt\n%tf : f32")]),
    ("threshold_neg_shape", "ok_bits.ir", "negate flags of the wrong shape (unused)",
     [("%tf : f32", "%th3 : bits<2,static @beta>[2] = threshold %ac, @cm, @tt\n%tf : f32")]),
    ("threshold_shape", "ok_bits.ir", "a 3-node table on a 1-bit threshold (unused)",
     [("%tf : f32", "%th4 : bits<1,unit>[2] = threshold %ac, @ng, @tt\n%tf : f32")]),
    ("threshold_neg_value", "ok_bits.ir", "a negate flag of -1",
     [("const @ng : i32[2] = { 0 1 }", "const @ng : i32[2] = { 0 -1 }")]),
    ("threshold_range_edge", "ok_bits.ir", "a threshold of 2^30 + 2, one past the sentinel",
     [("{ 0 -4 4 1 -3 5 }", "{ 0 -4 4 1 -3 1073741826 }")]),
]


def main():
    n = 0
    for name, b, what, edits in CASES:
        text = base(b)
        for old, new in edits:
            if text.count(old) != 1:
                sys.exit("%s: '%s' occurs %d times in %s" % (name, old, text.count(old), b))
            text = text.replace(old, new)
        with open(os.path.join(HERE, "gen_%s.ir" % name), "w") as f:
            f.write("# Generated by make_cases.py from %s: %s\n%s" % (b, what, text))
        with open(os.path.join(HERE, "gen_%s.args" % name), "w") as f:
            f.write("gen_%s.ir\n" % name)
        n += 1
    print("make_cases.py: %d cases" % n)


if __name__ == "__main__":
    main()
