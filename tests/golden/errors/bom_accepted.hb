hbnn 0.2
# a UTF-8 byte order mark is skipped: the version error is at 1:6, not 1:9
network n {
    input x: f32[4]
    r: relu
}
