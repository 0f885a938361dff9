# accuracy_bits.gp: run by examples/digits/plot (which sets dir, out and term).
# Test accuracy of the PyTorch quantized models against average weight bits; error bars
# are the standard deviation over the seeds.
set terminal @term
set output out
set multiplot layout 1,2 title "8x8 digits: test accuracy vs average weight bits (mean ± sample sd over the seeds: MLP 6, CNN 5)"
set xrange [0.9:3.2]
set yrange [*:*]
set xlabel "average weight bits (sign activations unless noted)"
set ylabel "test accuracy (%)"
set grid ytics
set key bottom right font ",9"
set xtics ("1" 1, "1.2" 1.2, "1.4" 1.4, "1.6" 1.6, "2" 2, "3" 3)
do for [m in "mlp cnn"] {
    set title (m eq "mlp" ? "MLP 64-32-32-10" : "CNN 16c3-mp2-32c3-mp2-fc10")
    plot dir."/".m."_float.dat" using 1:2 with lines dt 2 lc rgb "gray40" title "float weights", \
         dir."/".m."_0.dat" using 1:2:3 with yerrorlines pt 7 lc rgb "#1f77b4" title "middle-out", \
         dir."/".m."_1.dat" using 1:2:3 with yerrorbars pt 5 lc rgb "#2ca02c" title "top-down", \
         dir."/".m."_2.dat" using 1:2:3 with yerrorbars pt 9 lc rgb "#d62728" title "bottom-up", \
         dir."/".m."_3.dat" using 1:2:3 with yerrorbars pt 11 lc rgb "#9467bd" title "random(1)", \
         dir."/".m."_4.dat" using 1:2:3 with yerrorbars pt 13 lc rgb "#ff7f0e" title "mo-residual", \
         dir."/".m."_5.dat" using 1:2:3 with yerrorbars pt 4 lc rgb "#8c564b" title "middle-out, group channel", \
         dir."/".m."_6.dat" using 1:2:3 with yerrorbars pt 6 lc rgb "#e377c2" title "middle-out, 1.4-bit activations"
}
unset multiplot
