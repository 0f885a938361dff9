// SPDX-License-Identifier: MIT
/* ir_window.c: the one definition of convolution and pooling window geometry (which
 * input pixel a kernel tap reads, how large the output is: hb_window_out, which sema
 * uses too), shared by the verifier, the interpreter, lowering and the backends so they
 * cannot disagree at the edges. */
#include "ice.h"
#include "ir.h"

int64_t ir_pool_out(int64_t h, int64_t p0, int64_t p1, int64_t k, int64_t s, bool ceil)
{
    int64_t span = h + p0 + p1 - k;
    if (!ceil || span < 0)
        return hb_window_out(h, p0, p1, k, s, 1);
    int64_t out = (span + s - 1) / s + 1;
    if ((out - 1) * s >= h + p0) // torch: the last window must start inside
        out--;
    return out;
}

int64_t ir_avgpool_count(const IrWindow *w, int64_t oy, int64_t ox)
{
    int64_t y0 = oy * w->sh - w->pt, x0 = ox * w->sw - w->pl;
    int64_t y1 = y0 + w->kh, x1 = x0 + w->kw;
    if (y1 > w->H + w->pb)
        y1 = w->H + w->pb;
    if (x1 > w->W + w->pr)
        x1 = w->W + w->pr;
    return (y1 - y0) * (x1 - x0);
}

IrWindow ir_window(const IrModule *m, const IrInst *in)
{
    const IrType *x = ir_arg_type(m, in->args[0]);
    IrWindow w = {.C = x->d[0], .H = x->d[1], .W = x->d[2], .dh = 1, .dw = 1, .groups = 1};
    const IrAttr *stride, *pad = NULL, *dil = NULL;
    switch (in->op) {
    case IR_OP_CONV2D:
    case IR_OP_BPOP_CONV2D: {
        bool b = in->op == IR_OP_BPOP_CONV2D;
        const IrType *wt = ir_arg_type(m, in->args[1]);
        w.O = wt->d[0], w.kh = wt->d[2], w.kw = wt->d[3];
        stride = b ? ir_bpop_conv2d_stride(in) : ir_conv2d_stride(in);
        pad = b ? ir_bpop_conv2d_pad(in) : ir_conv2d_pad(in);
        dil = b ? ir_bpop_conv2d_dilation(in) : ir_conv2d_dilation(in);
        w.groups = b ? ir_bpop_conv2d_groups(in) : ir_conv2d_groups(in);
        break;
    }
    case IR_OP_MAXPOOL:
        w.O = w.C, w.kh = ir_maxpool_kernel(in)->i[0], w.kw = ir_maxpool_kernel(in)->i[1];
        stride = ir_maxpool_stride(in), pad = ir_maxpool_pad(in);
        w.ceil = ir_maxpool_ceil(in) != 0;
        break;
    case IR_OP_AVGPOOL:
        w.O = w.C, w.kh = ir_avgpool_kernel(in)->i[0], w.kw = ir_avgpool_kernel(in)->i[1];
        stride = ir_avgpool_stride(in), pad = ir_avgpool_pad(in);
        w.ceil = ir_avgpool_ceil(in) != 0;
        break;
    default:
        HB_UNREACHABLE("ir_window on %s", ir_op_name(in->op));
    }
    w.sh = stride->i[0], w.sw = stride->i[1];
    if (pad)
        w.pt = pad->i[0], w.pb = pad->i[1], w.pl = pad->i[2], w.pr = pad->i[3];
    if (dil)
        w.dh = dil->i[0], w.dw = dil->i[1];
    if (in->op == IR_OP_MAXPOOL || in->op == IR_OP_AVGPOOL) {
        w.OH = ir_pool_out(w.H, w.pt, w.pb, w.kh, w.sh, w.ceil);
        w.OW = ir_pool_out(w.W, w.pl, w.pr, w.kw, w.sw, w.ceil);
    } else {
        w.OH = hb_window_out(w.H, w.pt, w.pb, w.kh, w.sh, w.dh);
        w.OW = hb_window_out(w.W, w.pl, w.pr, w.kw, w.sw, w.dw);
    }
    return w;
}

IrWindow ir_window_dense(int64_t N, int64_t O)
{
    return (IrWindow){.C = N,
                      .H = 1,
                      .W = 1,
                      .O = O,
                      .OH = 1,
                      .OW = 1,
                      .kh = 1,
                      .kw = 1,
                      .sh = 1,
                      .sw = 1,
                      .dh = 1,
                      .dw = 1,
                      .groups = 1};
}
