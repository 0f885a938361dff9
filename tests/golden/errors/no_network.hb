hbnn 0.1
block b(out: int) {
    fc: dense(out)
}
