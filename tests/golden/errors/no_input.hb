hbnn 0.1
network n {
    fc: dense(10) weights int 8
}
