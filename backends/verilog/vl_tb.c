// SPDX-License-Identifier: MIT
/* vl_tb.c: the self-checking testbench tb_NAME.v and its vectors. The vectors come from
 * the reference interpreter (the definition of every op) on seeded random inputs: the
 * input quantizer's bits go to vectors/in.hex, the stream's output value to
 * vectors/out.hex, packed like tdata. The testbench drives random valid gaps and
 * back-pressure, resets in the middle of the stream, checks every output in order and
 * that a stalled output holds still, and prints `N passed, N failed`. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "vl_internal.h"

static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Pack a value as tdata (payload only) and print it as hex, MSB first. */
static void put_hex(FILE *f, const VlWire *w, const IBuf *b, uint8_t *bytes)
{
    uint64_t nbytes = (w->width + 7) / 8;
    memset(bytes, 0, nbytes);
    for (uint64_t e = 0; e < w->elems; e++)
        for (int n = 0; n < w->k; n++) {
            int bit = w->is_bits ? (b->s[e] >> n) & 1 : (int)(((uint32_t)b->i[e] >> n) & 1);
            uint64_t at = e * (uint64_t)w->k + (uint64_t)n;
            bytes[at / 8] |= (uint8_t)(bit << (at % 8));
        }
    for (uint64_t d = (w->width + 3) / 4; d-- > 0;)
        fputc("0123456789abcdef"[(bytes[d / 2] >> (4 * (d % 2))) & 15], f);
    fputc('\n', f);
}

/* An integer input's elements as bytes (element 0 in the low byte), MSB first. */
static void put_bytes(FILE *f, const float *x, uint64_t n)
{
    for (uint64_t e = n; e-- > 0;)
        fprintf(f, "%02x", (unsigned)((int)x[e] & 0xff));
    fputc('\n', f);
}

/* How far the random inputs reach: past every level of the input quantizer. */
static double input_range(const VlPlan *p)
{
    const IrType *t = &p->m->values.data[p->head->result].type;
    if (t->scale != IR_SC_STATIC)
        return 1.0;
    const float *b = p->m->consts.data[t->scale_const].f;
    double s = 0;
    for (int k = 0; k < t->bits; k++)
        s += (double)b[k];
    return s > 0 ? 1.25 * s : 1.0;
}

/* A --vectors input must be what the stream can carry: integers in range for a u8 / i8
 * input (tdata is the bytes), finite values otherwise. */
static bool check_given(HbCx *cx, const VlPlan *p, const BackendOptions *o, const float *x,
                        uint64_t n, int v)
{
    double lo = p->int_in == 'u' ? 0 : -128, hi = p->int_in == 'u' ? 255 : 127;
    for (uint64_t j = 0; j < n; j++) {
        double d = x[j];
        bool ok = p->int_in ? d == floor(d) && d >= lo && d <= hi : isfinite(d);
        if (ok)
            continue;
        Diag *g = diag_file_error(cx, o->vectors_path, "input %d, element %llu is %g", v,
                                  (unsigned long long)j, d);
        if (p->int_in)
            diag_note(cx, g, "the network's input is %s[...]: the stream carries integers %g..%g",
                      p->int_in == 'u' ? "u8" : "i8", lo, hi);
        return false;
    }
    return true;
}

bool vl_check_vectors(HbCx *cx, const VlPlan *p, const BackendOptions *o)
{
    uint64_t n = ir_type_elems(&p->m->values.data[p->m->inputs.data[0]].type);
    for (uint64_t v = 0; o->vectors && v < o->nvectors; v++)
        if (!check_given(cx, p, o, o->vectors + v * n, n, (int)v))
            return false;
    return true;
}

bool vl_vectors(HbCx *cx, const VlPlan *p, int nvec, const BackendOptions *o, FILE *in, FILE *out)
{
    const IrModule *m = p->m;
    if (m->inputs.len != 1) {
        diag_file_error(cx, "verilog", "the network has %u inputs; the stream carries one",
                        m->inputs.len);
        return false;
    }
    uint64_t n = ir_type_elems(&m->values.data[m->inputs.data[0]].type);
    float *x = arena_calloc(&cx->arena, n + 1, sizeof(float));
    uint8_t *bytes = arena_calloc(
            &cx->arena, (p->in.width > p->out.width ? p->in.width : p->out.width) / 8 + 2, 1);
    Interp *it = interp_new(cx, m);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    double r = input_range(p);
    for (int v = 0; v < nvec; v++) {
        for (uint64_t j = 0; j < n; j++)
            x[j] = p->int_in ? (float)((int)(xorshift(&seed) >> 56) - (p->int_in == 'i' ? 128 : 0))
                             : (float)(r * ((double)(xorshift(&seed) >> 11) / 4503599627370496.0 -
                                            1.0));
        const float *xs = x;
        if (o->vectors) {                      // the given inputs instead of the random ones
            xs = o->vectors + (uint64_t)v * n; // checked by vl_check_vectors
            memcpy(x, xs, n * sizeof *x);
        }
        if (!interp_example(it, &xs))
            return false;
        if (p->int_in) // the bytes themselves: tdata is the integers
            put_bytes(in, x, n);
        else
            put_hex(in, &p->in, &it->v[p->in.value], bytes);
        if (p->stages.data[p->stages.len - 1].kind == VL_OUT)
            vl_out_hex(out, p, it);
        else
            put_hex(out, &p->out, &it->v[p->out.value], bytes);
    }
    return true;
}

void vl_write_tb(FILE *f, const VlPlan *p, int nvec)
{
    unsigned long long ib = vl_bytes8(p->in.width), ob = vl_bytes8(p->out.width);
    unsigned long long pw = p->out.width, iw = p->in.width;
    const char *nm = p->name;
    fprintf(f,
            "`timescale 1ns / 1ps\n"
            "// tb_%s: self-checking testbench for %s_top (hbnnc --target verilog; "
            "generated).\n// Vectors from the reference interpreter. Run from this "
            "directory. Prints `N passed, N failed`.\n",
            nm, nm);
    fprintf(f, "module tb_%s;\n    localparam NV = %d;\n", nm, nvec);
    fprintf(f,
            "    reg aclk = 1'b0;\n    reg aresetn = 1'b0;\n"
            "    reg [%llu:0] in_mem [0:NV-1];\n    reg [%llu:0] out_mem [0:NV-1];\n"
            "    reg [%llu:0] s_tdata = {%llu{1'b0}};\n    reg s_tvalid = 1'b0;\n"
            "    wire s_tready;\n    wire [%llu:0] m_tdata;\n    wire m_tvalid;\n"
            "    reg m_tready = 1'b0;\n    wire m_tlast;\n",
            iw - 1, pw - 1, ib - 1, ib, ob - 1);
    fprintf(f,
            "    %s_top dut (.aclk(aclk), .aresetn(aresetn), .s_axis_tdata(s_tdata),\n"
            "        .s_axis_tvalid(s_tvalid), .s_axis_tready(s_tready), "
            ".m_axis_tdata(m_tdata),\n        .m_axis_tvalid(m_tvalid), "
            ".m_axis_tready(m_tready), .m_axis_tlast(m_tlast));\n",
            nm);
    const char *expect =
            ob > pw ? arena_printf(p->arena, "{%llu'd0, out_mem[got]}", ob - pw) : "out_mem[got]";
    const char *feed =
            ib > iw ? arena_printf(p->arena, "{%llu'd0, in_mem[sent]}", ib - iw) : "in_mem[sent]";
    fprintf(f,
            "    always #5 aclk = ~aclk;\n"
            "    integer seed, r, sent, got, passed, failed, cycle, phase, hold, limit;\n"
            "    reg stalled;\n    reg [%llu:0] held;\n"
            "    initial begin\n"
            "        $readmemh(\"vectors/in.hex\", in_mem);\n"
            "        $readmemh(\"vectors/out.hex\", out_mem);\n"
            "        seed = 7; sent = 0; got = 0; passed = 0; failed = 0; cycle = 0;\n"
            "        phase = 0; hold = 3; stalled = 1'b0; held = {%llu{1'b0}};\n"
            "        limit = (NV < 4) ? NV : 4; // phase 0: a few frames, then a reset\n"
            "    end\n",
            ob - 1, ob);
    fprintf(f,
            "    always @(posedge aclk) begin\n"
            "        cycle = cycle + 1;\n"
            "        if (hold > 0) begin // in reset: nothing moves\n"
            "            hold = hold - 1;\n"
            "            aresetn <= (hold == 0);\n"
            "            s_tvalid <= 1'b0;\n"
            "            stalled = 1'b0;\n"
            "        end else begin\n"
            "            if (stalled && !(m_tvalid && m_tdata == held)) begin\n"
            "                failed = failed + 1;\n"
            "                $display(\"protocol: output changed or dropped while stalled "
            "(cycle %%0d)\", cycle);\n"
            "            end\n"
            "            if (m_tvalid && m_tready) begin\n"
            "                if (got >= NV || m_tdata !== %s || m_tlast !== 1'b1) begin // X "
            "fails\n"
            "                    failed = failed + 1;\n"
            "                    if (got < NV)\n"
            "                        $display(\"frame %%0d: got %%h, expected %%h\", got, "
            "m_tdata, %s);\n"
            "                end else if (phase == 1)\n"
            "                    passed = passed + 1;\n"
            "                got = got + 1;\n"
            "            end\n"
            "            stalled = m_tvalid && !m_tready;\n"
            "            held = m_tdata;\n"
            "            if (s_tvalid && s_tready)\n"
            "                sent = sent + 1;\n",
            expect, expect);
    fprintf(f,
            "            if (phase == 0 && got >= 1 && (sent > got || got >= limit)) begin\n"
            "                // reset with frames in flight; then the whole run from frame 0\n"
            "                $display(\"reset with %%0d frames in flight\", sent - got);\n"
            "                phase = 1; hold = 2; sent = 0; got = 0; limit = NV;\n"
            "                aresetn <= 1'b0;\n"
            "                s_tvalid <= 1'b0;\n"
            "                stalled = 1'b0;\n"
            "            end else begin\n"
            "                r = $random(seed);\n"
            "                if (!s_tvalid || s_tready) begin // valid never waits on ready\n"
            "                    if (sent < limit && r[1:0] != 2'd0) begin\n"
            "                        s_tvalid <= 1'b1;\n"
            "                        s_tdata <= %s;\n"
            "                    end else\n"
            "                        s_tvalid <= 1'b0;\n"
            "                end\n"
            "                m_tready <= r[3:2] != 2'd0; // 25%% back-pressure\n"
            "            end\n"
            "            if (phase == 1 && got >= NV) begin\n"
            "                $display(\"%%0d passed, %%0d failed\", passed, failed);\n"
            "                $finish;\n"
            "            end\n"
            "            if (cycle > 2000 + %llu * NV) begin\n"
            "                $display(\"timeout after %%0d cycles: %%0d of %%0d frames\", cycle, "
            "got, NV);\n"
            "                $display(\"%%0d passed, %%0d failed\", passed, failed + NV - "
            "passed);\n"
            "                $finish;\n"
            "            end\n"
            "        end\n"
            "    end\nendmodule\n",
            feed, 50 + 4 * (unsigned long long)vl_frame_cycles(p));
}
