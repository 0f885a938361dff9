hbnn 0.1
# a calls b, b calls c, c calls a: the error prints the whole cycle
block a(n: int) {
    x: b(n)
}
block b(n: int) {
    y: c(n)
}
block c(n: int) {
    r: relu
    z: a(n)
}
network net {
    input x: f32[4]
    top: a(2)
}
