hbnn 0.1
# 20 nested doubling blocks: 2^20 instances, refused at the call before expanding
block b0() {
    c: relu
}
block b1() {
    x: b0()
    y: b0()
}
block b2() {
    x: b1()
    y: b1()
}
block b3() {
    x: b2()
    y: b2()
}
block b4() {
    x: b3()
    y: b3()
}
block b5() {
    x: b4()
    y: b4()
}
block b6() {
    x: b5()
    y: b5()
}
block b7() {
    x: b6()
    y: b6()
}
block b8() {
    x: b7()
    y: b7()
}
block b9() {
    x: b8()
    y: b8()
}
block b10() {
    x: b9()
    y: b9()
}
block b11() {
    x: b10()
    y: b10()
}
block b12() {
    x: b11()
    y: b11()
}
block b13() {
    x: b12()
    y: b12()
}
block b14() {
    x: b13()
    y: b13()
}
block b15() {
    x: b14()
    y: b14()
}
block b16() {
    x: b15()
    y: b15()
}
block b17() {
    x: b16()
    y: b16()
}
block b18() {
    x: b17()
    y: b17()
}
block b19() {
    x: b18()
    y: b18()
}
block b20() {
    x: b09()
    y: b19()
}
network deep {
    input x: f32[4]
    top: b20()
}
