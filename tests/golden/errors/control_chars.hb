hbnn 0.1
# an ESC sequence in the source is shown as a control picture, never sent
network n {
    input x: f32[4]
    r: relu [2J[31mX
}
