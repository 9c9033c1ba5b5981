# vm-args: --link "--baud 921600 --cut 300s@8s --seed 4"
#
# The link emulator cuts the line 8 s after the first byte for longer than
# ncmp's retry budget: the writer must get ETIMEDOUT and the netlink events
# group must report the link down.
for tty in /dev/ttyS1 /dev/ttyS2; do
	linkemu-guest uart $tty 921600
done
ncmp_uart_test -f dead
