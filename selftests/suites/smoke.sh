# vm-args: --uarts
# The VM itself: the module is loaded, ptys work, and the two extra UARTs
# (ttyS1, ttyS2) are real 16550A ports, not empty legacy slots.
n=0
check() {
	n=$((n + 1))
	if eval "$2" >/dev/null 2>&1; then echo "ok $n smoke.$1"; else echo "not ok $n smoke.$1"; fi
}
check module_listed 'grep -q "^ncmp " /proc/modules'
check devpts_usable 'test -c /dev/ptmx'
check uart1_is_16550a 'grep -q "^1: uart:16550A" /proc/tty/driver/serial'
check uart2_is_16550a 'grep -q "^2: uart:16550A" /proc/tty/driver/serial'
