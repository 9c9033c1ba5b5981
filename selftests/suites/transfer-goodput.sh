# vm-ci: no
#
# Goodput of corpus files from ttyS1 to ttyS2 through the host's link
# emulator, for bench/goodput.sh: ncmctl send/recv beside raw cat through
# /dev/ncmpN, ZMODEM (sz/rz) on the bare tty and gzip -6 followed by
# ZMODEM. bench/goodput.sh puts one file per corpus class in /data (named
# after the class), the model files it offers to -m auto (*.ncmm) and GNU
# gzip; it passes on the kernel command line (run-vm --append):
#   ncmp_baud     the emulator's baud rate (default 115200)
#   ncmp_classes  comma list of the files of /data to send
#   ncmp_methods  comma list of ncmp (-m auto), ncmp-default (the built-in
#                 model), cat, zmodem, gzip-zmodem (default: all)
# Each transfer prints
#   goodput: method=M class=C baud=B bytes=N wire=W seconds=S intact=yes|no cpu_busy=F model=X
# (wire: the bytes the method put on the line before framing; model: the
# one ncmctl used, "-" for the others) and a TAP line that passes when the
# file arrived identical.
baud=${ncmp_baud:-115200}
classes=$(echo "${ncmp_classes:-}" | tr ',' ' ')
methods=$(echo "${ncmp_methods:-zmodem,gzip-zmodem,cat,ncmp,ncmp-default}" | tr ',' ' ')
limit=600		# seconds before a transfer counts as hung
export NCMP_MODEL_PATH=/data
n=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n goodput.$2"; else echo "not ok $n goodput.$2"; fi
}

# /proc/uptime: a monotonic clock with 10 ms steps, read without a fork.
stamp() {
	read -r now _ </proc/uptime
}

# /proc/stat's first line counts CPU time in ticks.
cpu_sample() {
	read -r _ user nice sys idle iowait irq softirq steal _ </proc/stat
	busy=$((user + nice + sys + irq + softirq + steal))
	total=$((busy + idle + iowait))
}

# measure METHOD CLASS FUNCTION: FUNCTION moves /data/CLASS to /tmp/rx,
# sets t0 when the sender starts and wire to the bytes it sent.
measure() {
	method=$1 class=$2
	rm -rf /tmp/rx /tmp/zrx
	cpu_sample
	busy0=$busy total0=$total
	wire=0
	used=-
	$3 "/data/$class"
	stamp
	t1=$now
	cpu_sample
	intact=no
	[ -f /tmp/rx ] && cmp -s "/data/$class" /tmp/rx && intact=yes
	echo "goodput: method=$method class=$class baud=$baud bytes=$(wc -c <"/data/$class")" \
		"wire=$wire seconds=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')" \
		"intact=$intact cpu_busy=$(echo "$busy0 $total0 $busy $total" |
			awk '{ t = $4 - $2; printf "%.2f", (t > 0 ? ($3 - $1) / t : 0) }')" \
		"model=$used"
	[ $intact = yes ]
	result $? "$method.$class"
}

# ZMODEM of FILE on the bare ttys: rz on ttyS2, sz on ttyS1.
zmodem() {
	mkdir -p /tmp/zrx
	(cd /tmp/zrx && timeout $limit rz -q -y </dev/ttyS2 >/dev/ttyS2) &
	reader=$!
	sleep 1
	timeout $limit sz -q "$1" </dev/ttyS1 >/dev/ttyS1
	wait $reader
}

xfer_zmodem() {
	stamp
	t0=$now
	wire=$(wc -c <"$1")
	zmodem "$1"
	mv "/tmp/zrx/${1##*/}" /tmp/rx 2>/dev/null
}

# gzip -6 before sz, gunzip after rz: the time of both counts.
xfer_gzip_zmodem() {
	stamp
	t0=$now
	/data/gzip -6 -c "$1" >/tmp/tx.gz
	wire=$(wc -c </tmp/tx.gz)
	zmodem /tmp/tx.gz
	/data/gzip -d -c /tmp/zrx/tx.gz >/tmp/rx 2>/dev/null
}

# Raw cat through /dev/ncmpN: the link's ARQ, no compression.
xfer_cat() {
	timeout $limit cat "$ncmp_b" >/tmp/rx &
	reader=$!
	sleep 1
	stamp
	t0=$now
	wire=$(wc -c <"$1")
	timeout $limit cat "$1" >"$ncmp_a"
	wait $reader
}

# ncmctl send/recv with the model options in $model.
xfer_ncmctl() {
	timeout $limit ncmctl recv -D "$ncmp_b" -o /tmp/rx 2>/tmp/recv.err &
	reader=$!
	sleep 1
	stamp
	t0=$now
	# shellcheck disable=SC2086  # $model is a list of options
	timeout $limit ncmctl -v send -D "$ncmp_a" $model "$1" 2>/tmp/send.err
	wait $reader
	wire=$(sed -n 's/.* coded \([0-9]*\) .*/\1/p' /tmp/send.err)
	used=$(sed -n 's/.*(\(.*\)): ratio .*: chosen$/\1/p' /tmp/send.err)
	used=${used:-built-in}
	used=${used##*/}
	grep -E 'chosen|failed|error' /tmp/send.err /tmp/recv.err | sed 's/^/# /'
}

# Raw ttys first, at the link's rate; then ncmp on both, which stays.
for tty in /dev/ttyS1 /dev/ttyS2; do
	linkemu-guest uart $tty "$baud"
done
# The UARTs stay open throughout, so that no byte arrives at a closed
# port (opening an 8250 clears its FIFO).
exec 7<>/dev/ttyS1 8<>/dev/ttyS2
for m in $methods; do
	case $m in
	zmodem|gzip-zmodem)
		for c in $classes; do
			measure "$m" "$c" "xfer_$(echo $m | tr - _)"
		done ;;
	esac
done
ncmp_a='' ncmp_b=''
for m in $methods; do
	case $m in
	cat|ncmp|ncmp-default) ;;
	*) continue ;;
	esac
	if [ -z "$ncmp_a" ]; then
		ldattach -s "$baud" 29 /dev/ttyS1 && ldattach -s "$baud" 29 /dev/ttyS2
		ncmp_a=$(ncmp-dev ttyS1) ncmp_b=$(ncmp-dev ttyS2)
		result $([ -c "$ncmp_a" ] && [ -c "$ncmp_b" ]; echo $?) attached
	fi
	for c in $classes; do
		case $m in
		cat) measure cat "$c" xfer_cat ;;
		ncmp) model='-m auto' measure ncmp "$c" xfer_ncmctl ;;
		ncmp-default) model='-m default' measure ncmp-default "$c" xfer_ncmctl ;;
		esac
	done
done
[ -n "$ncmp_a" ] && ncmctl stats "$ncmp_a" | sed 's/^/ncmp-stats: /'
