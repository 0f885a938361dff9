hbnn 0.1
# an op that is no near miss: the error lists the ops; a torch.nn name gets its name here
block stem(c: int) {
    conv: conv2d(c) weights int 8
}
network n {
    input x: f32[3, 8, 8]
    s: stem(8)
    swish
    Linear(10)
}
