# vm-ci: no
# vm-args: --link "--baud 115200 --seed 1" --data "${NCMP_CORPUS:-$top/../shared/corpus}/test/log/loghub/Apache/Apache_2k.log" --data "$top/tests/golden/o2mix.ncmm"
#
# The demo (make demo): two 8250 UARTs of one VM, ttyS1 and ttyS2, joined
# by the host's link emulator at 115200 baud, as two Pis are joined by a
# wire. One end is attached with ldattach, the other with ncmctl attach;
# ncmctl send compresses a corpus file into /dev/ncmpN on one side, ncmctl
# recv decodes it on the other, and the sha256 sums must match.
step() { echo; echo "demo: $*"; }
n=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n demo.$2"; else echo "not ok $n demo.$2"; fi
}
baud=115200
file=/data/Apache_2k.log

step "ldattach -s $baud 29 /dev/ttyS1"
ldattach -s $baud 29 /dev/ttyS1
step "ncmctl attach -s $baud /dev/ttyS2"
dev_b=$(ncmctl attach -s $baud /dev/ttyS2)
echo "$dev_b"
dev_a=$(ncmp-dev ttyS1)
for d in /sys/class/ncmp/*; do echo "${d##*/}: tty $(cat "$d/tty"), link $(cat "$d/state")"; done
result $([ -c "$dev_a" ] && [ -c "$dev_b" ]; echo $?) devices_exist

# Models: the built-in neural one, and o2mix, a fast classic one. -m auto
# (the default) measures both on the start of the file and keeps the
# strongest that decodes faster than the line delivers; in this emulated
# CPU that is usually o2mix, on a Pi the neural model.
export NCMP_MODEL_PATH=/data
size=$(wc -c <"$file")
step "ncmctl recv -D $dev_b -o /tmp/received   (ttyS2's side, in the background)"
ncmctl recv -D "$dev_b" -o /tmp/received &
reader=$!
step "ncmctl -v send -D $dev_a $file   ($size bytes, ttyS1's side)"
read -r t0 _ </proc/uptime
ncmctl -v send -D "$dev_a" "$file" 2>/tmp/send.err
sent=$?
wait $reader
received=$?
read -r t1 _ </proc/uptime
cat /tmp/send.err
result $([ $sent = 0 ] && [ $received = 0 ]; echo $?) send_and_recv_succeed

step "sha256sum"
sha256sum "$file" /tmp/received
a=$(sha256sum <"$file") b=$(sha256sum </tmp/received)
result $([ "$a" = "$b" ]; echo $?) transfer_is_identical

coded=$(sed -n 's/.* coded \([0-9]*\) .*/\1/p' /tmp/send.err)
echo "$size ${coded:-0} $t0 $t1 $baud" | awk '{
	t = $4 - $3; line = $5 / 10
	printf "\ndemo: %d bytes crossed the wire as %d (ratio %.1f) in %.1f s:\n", $1, $2, $2 ? $1 / $2 : 0, t
	printf "demo: goodput %.1f KB/s, %.1f x the line rate; raw cat at %d baud would take %.1f s\n",
		$1 / t / 1000, $1 / t / line, $5, $1 / line
}'
step "ncmctl stats"
ncmctl stats
