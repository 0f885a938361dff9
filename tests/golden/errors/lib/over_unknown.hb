hbnn 0.1
override n {
    fc2 weights bits 2
}
