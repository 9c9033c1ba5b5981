# vm-args: --link "--baud 3000000 --seed 5"
#
# 10 MB of random bytes from a plain tty (ttyS2) into ncmp on ttyS1: no
# crash, nothing delivered, only the error counters move, and unreclaimable
# slab memory stays put.
for tty in /dev/ttyS1 /dev/ttyS2; do
	linkemu-guest uart $tty 3000000
done
ncmp_uart_test -f garbage
