hbnn 0.1
network n {
    input x: u8[4]
    fc: dense(2)
    output fc
}
