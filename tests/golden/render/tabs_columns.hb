	hbnn 0.1
network n {
	input x: f32[64]
	fc: dense(10)	weights bits 1:60%  2:30%
}
