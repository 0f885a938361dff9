hbnn 0.1
# `from fc1` reads fc1 before the unlabelled relu: a warning with how to label it.
# The quantizer after bn is labelled, so `from bn` is taken as meant.
network n {
    input x: f32[8]
    fc1: dense(8) weights int 8
         relu
    fc2: dense(4) weights int 8
    fc3: dense(4) from fc1 weights int 8
    bn: batchnorm
    q: quant bits 1
    fc4: dense(4) from bn weights int 8
    out: add(fc2, fc3)
}
