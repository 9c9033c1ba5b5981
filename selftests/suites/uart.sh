# vm-args: --link "--baud 921600 --flip 1e-4 --drop 1e-5 --burst 64@10s --cut 2s@30s --seed 3"
#
# ncmp over two real 8250 UARTs (ttyS1, ttyS2) joined by the host's link
# emulator at 921600 baud, which flips one bit in about 10,000 bytes, loses
# one in 100,000, sends a 64-byte error burst 10 s and cuts the line for
# 2 s 30 s after the first byte: 4 MiB each way must arrive intact.
for tty in /dev/ttyS1 /dev/ttyS2; do
	linkemu-guest uart $tty 921600
done
ncmp_uart_test -f faulty
