# SPDX-License-Identifier: GPL-2.0
#
# The bench's chart: every ratio of the report as a point (the median of the
# rounds' ratios) with the quartiles as error bars; blue against the floor,
# orange against the kernel's peer (or one device). Called by bench/run
# with data, out and title set.

set terminal pngcairo size 1100,560 font "sans,10"
set output out
set title title noenhanced
set grid ytics
set xtics rotate by -35 left noenhanced
set ylabel "ratio (1.0 = as fast as the reference)"
set key below
set rmargin 10
set offsets 0.5, 0.5, 0.02, 0.02
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 lc rgb "#444444"
plot data using 0:($5 == 1 ? $2 : 1/0):3:4:xtic(1) with yerrorbars pt 7 ps 1.5 lw 2 lc rgb "#4e79a7" title "vs floor (dummy, no module)", \
     data using 0:($5 == 2 ? $2 : 1/0):3:4 with yerrorbars pt 5 ps 1.5 lw 2 lc rgb "#f28e2b" title "vs kernel peer / 1 other device"
