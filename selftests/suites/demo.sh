# vm-ci: no
# vm-args: --link "--baud 115200 --seed 1"
#
# The demo: two 8250 UARTs of one VM, ttyS1 and ttyS2, joined by the host's
# link emulator at 115200 baud, as two Pis are joined by a wire. One end is
# attached with ldattach, the other with ncmctl attach; a file crosses the
# link through /dev/ncmpN and arrives identical.
step() { echo; echo "demo: $*"; }
n=0
result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n demo.$2"; else echo "not ok $n demo.$2"; fi
}

step "ldattach -s 115200 29 /dev/ttyS1"
ldattach -s 115200 29 /dev/ttyS1
step "ncmctl attach -s 115200 /dev/ttyS2"
dev_b=$(ncmctl attach -s 115200 /dev/ttyS2)
echo "$dev_b"
sleep 1
ls -l /dev/ncmp*
for d in /sys/class/ncmp/*; do echo "$(basename "$d"): tty $(cat "$d/tty")"; done
dev_a=/dev/$(for d in /sys/class/ncmp/*; do [ "$(cat "$d/tty")" = ttyS1 ] && basename "$d"; done)
result $([ -c "$dev_a" ] && [ -c "$dev_b" ]; echo $?) devices_exist

step "ncmctl stats"
ncmctl stats

file=/tmp/sample
head -c 65536 /usr/bin/ncmctl >"$file"
size=$(wc -c <"$file")
step "cat $file ($size bytes) > $dev_a, cat $dev_b on the other side"
start=$(date +%s)
cat "$dev_b" >/tmp/received &
reader=$!
cat "$file" >"$dev_a"
wait $reader
end=$(date +%s)
sha256sum "$file" /tmp/received
a=$(sha256sum <"$file") b=$(sha256sum </tmp/received)
result $([ "$a" = "$b" ]; echo $?) transfer_is_identical
secs=$((end - start)); [ $secs -gt 0 ] || secs=1
echo "demo: $size bytes in about $secs s; raw cat at 115200 baud would take $((size / 11520)) s"
ncmctl stats
