# vm-ci: no
# vm-args: --link "--baud 115200"
#
# Goodput of raw (incompressible) data from ttyS1 to ttyS2 through the
# host's link emulator, one line per method, for bench/goodput-raw.sh.
# The host passes the link's baud rate and the sizes on the kernel command
# line (run-vm --append), which init hands to this script as variables:
#   ncmp_baud     the emulator's baud rate (default 115200)
#   ncmp_methods  comma list of cat, zmodem, ncmp (default cat,zmodem)
#   ncmp_bytes    bytes per transfer (default: about 12 s of line time)
#   ncmp_zbytes   bytes for zmodem, when it needs less (default ncmp_bytes)
# Each transfer prints
#   goodput: method=M baud=B bytes=N seconds=S intact=yes|no cpu_busy=F
# and a TAP line that passes when the data arrived identical.
baud=${ncmp_baud:-115200}
bytes=${ncmp_bytes:-$((baud * 12 / 10))}
zbytes=${ncmp_zbytes:-$bytes}
methods=$(echo "${ncmp_methods:-cat,zmodem}" | tr ',' ' ')
limit=300		# seconds before a transfer counts as hung
n=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n goodput.$2"; else echo "not ok $n goodput.$2"; fi
}

# The CPU's busy share between two "linkemu-guest cpu" samples.
busy_share() {
	echo "$1 $2" | awk '{ t = $4 - $2; printf "%.2f", (t > 0 ? ($3 - $1) / t : 0) }'
}

# measure METHOD BYTES COMMAND: COMMAND moves /tmp/tx to /tmp/rx and sets
# t0 when the sender starts; print the goodput line and the TAP line.
measure() {
	method=$1 size=$2
	head -c "$size" /dev/urandom >/tmp/tx
	rm -f /tmp/rx
	for tty in /dev/ttyS1 /dev/ttyS2; do
		linkemu-guest uart $tty "$baud"	# also flushes stale bytes
	done
	cpu0=$(linkemu-guest cpu)
	$3
	t1=$(linkemu-guest now)
	cpu1=$(linkemu-guest cpu)
	intact=no
	[ -f /tmp/rx ] && cmp -s /tmp/tx /tmp/rx && intact=yes
	echo "goodput: method=$method baud=$baud bytes=$size" \
		"seconds=$(echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }')" \
		"intact=$intact cpu_busy=$(busy_share "$cpu0" "$cpu1")"
	[ $intact = yes ]
	result $? "$method"
}

# Raw cat: the line itself, no protocol; damage arrives as it comes. The
# reader stops at the size, or at the time limit when bytes were lost.
xfer_cat() {
	timeout $limit head -c "$size" /dev/ttyS2 >/tmp/rx &
	reader=$!
	t0=$(linkemu-guest now)
	cat /tmp/tx >/dev/ttyS1
	wait $reader
}

# ZMODEM (lrzsz): rz on ttyS2, sz on ttyS1, both on their tty's stdio.
xfer_zmodem() {
	rm -rf /tmp/zrx && mkdir /tmp/zrx
	t0=$(linkemu-guest now)
	(cd /tmp/zrx && timeout $limit rz -q -y </dev/ttyS2 >/dev/ttyS2) &
	reader=$!
	timeout $limit sz -q /tmp/tx </dev/ttyS1 >/dev/ttyS1
	wait $reader
	mv /tmp/zrx/tx /tmp/rx 2>/dev/null
}

# The UARTs stay open between transfers, so that no byte arrives at a
# closed port (opening an 8250 clears its FIFO).
exec 7<>/dev/ttyS1 8<>/dev/ttyS2
for m in $methods; do
	case $m in
	cat) measure cat "$bytes" xfer_cat ;;
	zmodem) measure zmodem "$zbytes" xfer_zmodem ;;
	*) result 1 "$m # unknown method" ;;
	esac
done
