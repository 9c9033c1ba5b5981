# The VM itself: module present, ptys, devtmpfs, the two extra UARTs.
n=0
check() {
	n=$((n + 1))
	if eval "$2" >/dev/null 2>&1; then echo "ok $n smoke.$1"; else echo "not ok $n smoke.$1"; fi
}
check module_listed 'grep -q "^ncmp " /proc/modules'
check devpts_usable 'test -c /dev/ptmx'
check uarts_present 'test -c /dev/ttyS1 && test -c /dev/ttyS2'
