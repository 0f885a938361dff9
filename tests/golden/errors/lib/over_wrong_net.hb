hbnn 0.1
override m {
    fc weights bits 2
}
