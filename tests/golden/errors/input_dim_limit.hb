hbnn 0.1
# a dimension over the limit names the limit
network n {
    input x: f32[3, 20000000, 4]
}
