hbnn 0.1
# ResNet-18 (torchvision's layout, 10 classes, 3x32x32 inputs) bound to a PyTorch
# state_dict with torchvision's names (conv1.weight, layer2.0.downsample.0.weight, ...)
# and no rename lines: labels follow the module names, and `params` inside a block is
# relative to the instance, so `params "0"` puts a block's layers under layer2.0.
# Weights: run ./export.py (see README.md). Two networks share the body:
#   resnet18        the 3x3 convs at 1.4 bits (1:70% 2:20% 3:10%), the stem, the
#                   shortcuts and fc at int 8
#   resnet18_float  everything float: matches torch's outputs to float rounding
weights "resnet18.safetensors"

# torchvision's BasicBlock without a downsample: tensors conv1, bn1, conv2, bn2.
block basic(ch: int, w: quant = inherit) {
    conv1: conv2d(ch, kernel=3x3, pad=1, bias=false)  weights w
    bn1:   batchnorm
           relu
    conv2: conv2d(ch, kernel=3x3, pad=1, bias=false)  weights w
    bn2:   batchnorm
           add(in, prev)
           relu
}

# BasicBlock with downsample = Sequential(conv 1x1, batchnorm): downsample.0, .1.
block basic_down(ch: int, stride: int = 2, w: quant = inherit, wsc: quant = inherit) {
    conv1: conv2d(ch, kernel=3x3, stride=stride, pad=1, bias=false)  weights w
    bn1:   batchnorm
           relu
    conv2: conv2d(ch, kernel=3x3, pad=1, bias=false)  weights w
    bn2:   batchnorm
    ds:    conv2d(ch, kernel=1x1, stride=stride, bias=false) from in  weights wsc
           params "downsample.0"
    ds_bn: batchnorm  params "downsample.1"
           add(bn2, ds_bn)
           relu
}

# layerN = Sequential(block 0, block 1).
block stage(ch: int, w: quant = inherit) {
    b0: basic(ch, w = w)  params "0"
    b1: basic(ch, w = w)  params "1"
}

block stage_down(ch: int, w: quant = inherit, wsc: quant = inherit) {
    b0: basic_down(ch, w = w, wsc = wsc)  params "0"
    b1: basic(ch, w = w)                  params "1"
}

block resnet18(w: quant = inherit, edge: quant = inherit) {
    conv1:  conv2d(64, kernel=7x7, stride=2, pad=3, bias=false)  weights edge
    bn1:    batchnorm
            relu
            maxpool(kernel=3, stride=2, pad=1)
    layer1: stage(64, w = w)
    layer2: stage_down(128, w = w, wsc = edge)
    layer3: stage_down(256, w = w, wsc = edge)
    layer4: stage_down(512, w = w, wsc = edge)
            avgpool(global)
            flatten
    fc:     dense(10)  weights edge
}

network resnet18 {
    input x: f32[3, 32, 32]
    resnet18(w = bits 1:70% 2:20% 3:10%, edge = int 8)
}

network resnet18_float {
    input x: f32[3, 32, 32]
    resnet18(w = float, edge = float)
}
