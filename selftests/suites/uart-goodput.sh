# vm-ci: no
# vm-args: --link "--baud 115200"
#
# Goodput of raw (incompressible) data from ttyS1 to ttyS2 through the
# host's link emulator, one line per method, for bench/goodput-raw.sh.
# The host passes the link's baud rate and the run's shape on the kernel
# command line (run-vm --append), which init hands to this script:
#   ncmp_baud     the emulator's baud rate (default 115200)
#   ncmp_methods  comma list of cat, zmodem, ncmp-wN (ncmp with a window
#                 of N frames); default cat,zmodem,ncmp-w1
#   ncmp_seconds  about how long each transfer should take (default 12)
#   ncmp_rate     bytes/s the link really carries, to size the transfers
#                 (default: the line rate, at most 80000, which is about
#                 what QEMU's 16550A takes in; a cat listed first measures it)
#   ncmp_repeat   rounds of all methods (default 1)
#   ncmp_faulty   1 when the link injects faults: ZMODEM gets half the
#                 data, as it keeps only a fraction of its rate then
# Each transfer prints
#   goodput: method=M baud=B bytes=N seconds=S intact=yes|no cpu_busy=F
# and a TAP line that passes when the data arrived identical (raw cat on
# a faulty link is expected to fail that: it has no error control).
baud=${ncmp_baud:-115200}
seconds=${ncmp_seconds:-12}
repeat=${ncmp_repeat:-1}
methods=$(echo "${ncmp_methods:-cat,zmodem,ncmp-w1}" | tr ',' ' ')
limit=300		# seconds before a transfer counts as hung
rate=$((baud / 10))
[ $rate -gt 80000 ] && rate=80000
rate=${ncmp_rate:-$rate}
n=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n goodput.$2"; else echo "not ok $n goodput.$2"; fi
}

# Timing uses shell builtins only (no fork, no exec: both are slow in a
# TCG guest). /proc/uptime is a monotonic clock with 10 ms steps.
stamp() {	# sets $now, seconds since boot
	read -r now _ </proc/uptime
}

# /proc/stat's first line counts CPU time in ticks.
cpu_sample() {	# sets $busy and $total
	read -r _ user nice sys idle iowait irq softirq steal _ </proc/stat
	busy=$((user + nice + sys + irq + softirq + steal))
	total=$((busy + idle + iowait))
}

# measure METHOD BYTES COMMAND: COMMAND moves /tmp/tx to /tmp/rx and sets
# t0 when the sender starts; print the goodput line and the TAP line.
# Receivers start first and get a second to settle, so that only the
# sender's start-up counts, as it would on two machines.
measure() {
	method=$1 size=$2
	head -c "$size" /dev/urandom >/tmp/tx
	rm -f /tmp/rx
	cpu_sample
	busy0=$busy total0=$total
	$3
	stamp
	t1=$now
	cpu_sample
	intact=no
	[ -f /tmp/rx ] && cmp -s /tmp/tx /tmp/rx && intact=yes
	secs=$(echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }')
	echo "goodput: method=$method baud=$baud bytes=$size seconds=$secs" \
		"intact=$intact cpu_busy=$(echo "$busy0 $total0 $busy $total" |
			awk '{ t = $4 - $2; printf "%.2f", (t > 0 ? ($3 - $1) / t : 0) }')"
	[ $intact = yes ]
	result $? "$method"
}

# Plain ttys in raw mode at the link's rate, stale bytes flushed, ncmp
# detached if a previous round attached it.
plain_ttys() {
	if [ -n "$ncmp_a" ]; then
		kill "$holder_a" "$holder_b"
		wait "$holder_a" "$holder_b"
		ncmp_a=''
		ncmp_b=''
	fi
	for tty in /dev/ttyS1 /dev/ttyS2; do
		linkemu-guest uart $tty "$baud"
	done
}

# Raw cat: the line itself, no protocol; damage arrives as it comes. The
# reader stops at the size, or at the time limit when bytes were lost.
xfer_cat() {
	plain_ttys
	timeout $limit head -c "$size" /dev/ttyS2 >/tmp/rx &
	reader=$!
	sleep 1
	stamp
	t0=$now
	cat /tmp/tx >/dev/ttyS1
	wait $reader
}

# ZMODEM (lrzsz): rz on ttyS2, sz on ttyS1, both on their tty's stdio.
xfer_zmodem() {
	plain_ttys
	rm -rf /tmp/zrx && mkdir /tmp/zrx
	(cd /tmp/zrx && timeout $limit rz -q -y </dev/ttyS2 >/dev/ttyS2) &
	reader=$!
	sleep 1
	stamp
	t0=$now
	timeout $limit sz -q /tmp/tx </dev/ttyS1 >/dev/ttyS1
	wait $reader
	mv /tmp/zrx/tx /tmp/rx 2>/dev/null
}

# ncmp: both UARTs attached (ncmctl attach -d holds each in the background
# until it is killed), then cat through /dev/ncmpN; the writer's close
# ends the stream and the reader's cat.
ncmp_a=''
ncmp_b=''
attach() {	# TTY OUTFILE: attach, leave the holder's pid in $holder
	rm -f "$2"
	ncmctl attach -d -s "$baud" "$1" >"$2" &
	holder=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -s "$2" ] && break
		sleep 1
	done
}

xfer_ncmp() {
	if [ -z "$ncmp_a" ]; then
		plain_ttys
		attach /dev/ttyS1 /tmp/ncmp-a
		holder_a=$holder
		attach /dev/ttyS2 /tmp/ncmp-b
		holder_b=$holder
		ncmp_a=$(cat /tmp/ncmp-a)
		ncmp_b=$(cat /tmp/ncmp-b)
		if [ ! -c "$ncmp_a" ] || [ ! -c "$ncmp_b" ]; then
			echo "goodput: ncmp did not attach"
			return
		fi
	fi
	ncmctl set "$ncmp_a" window "$window" && ncmctl set "$ncmp_b" window "$window"
	timeout $limit cat "$ncmp_b" >/tmp/rx &
	reader=$!
	sleep 1
	stamp
	t0=$now
	timeout $limit cat /tmp/tx >"$ncmp_a"
	wait $reader
}

# The UARTs stay open between transfers, so that no byte arrives at a
# closed port (opening an 8250 clears its FIFO).
exec 7<>/dev/ttyS1 8<>/dev/ttyS2
# Rounds interleave the methods, so that a busy spell of the host does not
# land on one method only.
round=1
while [ $round -le "$repeat" ]; do
	for m in $methods; do
		size=$((rate * seconds))
		case $m in
		cat)
			measure cat "$size" xfer_cat
			# size everything by the first round's raw rate
			[ $round = 1 ] && rate=$(echo "$size $secs" | awk '{ printf "%d", $1 / $2 }')
			;;
		zmodem)
			[ "${ncmp_faulty:-0}" = 1 ] && size=$((size / 2))
			measure zmodem "$size" xfer_zmodem
			;;
		ncmp-w[1-8])
			window=${m#ncmp-w}
			measure "$m" "$size" xfer_ncmp
			[ -n "$ncmp_a" ] && ncmctl stats "$ncmp_a" | sed "s/^/ncmp-stats: $m: /"
			;;
		*) result 1 "$m # unknown method" ;;
		esac
	done
	round=$((round + 1))
done
