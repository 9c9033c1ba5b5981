# vm-args: --link "--baud 115200 --seed 11" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/log/dmesg-anyka-ipcam/dmesg.txt" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/telemetry-text/gpsd-nmea/nl2008u.log" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/telemetry-binary/gpsd-gnss-binary/rtcm3.bndm.log" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/json/gpsd-json-reports/tomtom-mkII.log.chk" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/code/cpython-stdlib/hmac.py" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/mixed/man-pages/man4/loop.4" --data "$top/tests/golden/o2mix.ncmm"
#
# ncmctl send and recv through two 8250 UARTs (ttyS1, ttyS2) joined by the
# host's link emulator: one corpus file of each class arrives identical,
# -m auto picks a model among the built-in one and /data/o2mix.ncmm, and
# log lines written into a pipe come out of the receiver one by one. The
# transfer-uart-*.sh suites run this at 921600 baud and with faults; they
# pass the rate as ncmp_baud (default 115200).
baud=${ncmp_baud:-115200}
limit=300		# seconds before a transfer counts as hung
n=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n transfer-uart.$2"; else echo "not ok $n transfer-uart.$2"; fi
}

for tty in /dev/ttyS1 /dev/ttyS2; do
	linkemu-guest uart $tty "$baud"
done
ldattach -s "$baud" 29 /dev/ttyS1
a=$(ncmp-dev ttyS1)
b=$(ncmctl attach -s "$baud" /dev/ttyS2)
result $([ -c "$a" ] && [ -c "$b" ]; echo $?) attached
echo "# $baud baud, sending on $a, receiving on $b"

# transfer FILE [SEND OPTIONS]: recv on b, send on a; both must succeed
# and the file arrive identical. Their messages are in /tmp/*.err.
transfer() {
	file=$1
	shift
	rm -f /tmp/rx
	timeout $limit ncmctl recv -D "$b" -o /tmp/rx 2>/tmp/recv.err &
	reader=$!
	read -r t0 _ </proc/uptime
	timeout $limit ncmctl send -D "$a" "$@" "$file" 2>/tmp/send.err
	sent=$?
	wait $reader
	received=$?
	read -r t1 _ </proc/uptime
	echo "# ${file##*/}: $(wc -c <"$file") bytes in $(echo "$t0 $t1" | awk '{ print $2 - $1 }') s, send $sent, recv $received"
	sed 's/^/# /' /tmp/send.err /tmp/recv.err
	[ $sent = 0 ] && [ $received = 0 ] && cmp -s "$file" /tmp/rx
}

for f in /data/*; do
	case $f in *.ncmm) continue ;; esac
	transfer "$f"
	result $? "${f##*/}"
done

# -m auto measures both models on the file and names the one it chose
NCMP_MODEL_PATH=/data transfer /data/dmesg.txt -v -m auto
[ $? = 0 ] && grep -q ': chosen$' /tmp/send.err
result $? auto_model

# A pipe: each line must come out of the receiver before the next goes in.
rm -f /tmp/lines /tmp/pipe
mkfifo /tmp/pipe
timeout $limit ncmctl recv -D "$b" >/tmp/lines 2>/tmp/recv.err &
reader=$!
timeout $limit ncmctl send -D "$a" </tmp/pipe 2>/tmp/send.err &
sender=$!
exec 9>/tmp/pipe
lines_ok=0
for i in 1 2 3 4 5; do
	echo "2026-11-21T12:00:0$i pi kernel: eth0: link up, line $i" >&9
	tries=0
	until [ "$(grep -c 'link up' /tmp/lines)" = $i ]; do
		tries=$((tries + 1))
		[ $tries -gt 600 ] && lines_ok=1 && break
		sleep 0.1
	done
	echo "# line $i arrived after $tries polls"
done
exec 9>&-
wait $sender
s=$?
wait $reader
r=$?
sed 's/^/# /' /tmp/send.err /tmp/recv.err
[ $lines_ok = 0 ] && [ $s = 0 ] && [ $r = 0 ] && [ "$(wc -l </tmp/lines)" = 5 ]
result $? pipe_lines_arrive_one_by_one
ncmctl stats "$a" | sed 's/^/# /'
