hbnn 0.1
import std
network n {
    input x: f32[3, 8, 8]
    b1: std.dw_seperable(32)
}
