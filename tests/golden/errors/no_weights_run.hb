hbnn 0.1
# no layer has weights: --run needs no weights file
network n {
    input x: f32[1, 2, 4]
    m: maxpool(2, ceil_mode=true)
       sigmoid
       flatten
}
