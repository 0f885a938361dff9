hbnn 0.1
# budget_13.hb: the same network with a smaller bit budget, without touching the
# topology:  hbnnc cifar_vgg.hb --quant budget_13.hb --explain
override cifar_vgg {
    s1.conv   weights bits 1:80% 2:15% 3:5%
    s2.conv   weights bits 1:80% 2:15% 3:5%
    s4.conv   weights bits 1:70% 2:30%  select top-down
    c1        weights int 6
}
