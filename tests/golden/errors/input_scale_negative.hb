hbnn 0.1
network n {
    input x: i8[4] scale 0
    fc: dense(2)
    output fc
}
