# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# shellcheck disable=SC2154  # prog, build, work, rows: set by the caller
#
# vm-bench.sh: what bench/goodput.sh and bench/goodput-raw.sh share, sourced
# by both. They set $prog (their name in messages), $build, $kernel (empty:
# pick one), $work and $rows before calling these.

# The kernel the VMs boot: $kernel, or the newest in /boot that has ncmp.ko
# built for it; and the programs the VMs take from $build.
bench_vm_setup() {
	local k f

	if [ -z "$kernel" ]; then
		for k in $(find /boot -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V); do
			[ -f "$build/module/$k/ncmp.ko" ] && kernel=$k
		done
	fi
	[ -n "$kernel" ] || { echo "$prog: no ncmp.ko built for a kernel in /boot (make modules-all)" >&2; exit 1; }
	for f in selftests/linkemu selftests/linkemu-guest ncmctl; do
		[ -x "$build/$f" ] || { echo "$prog: $build/$f missing (make selftests)" >&2; exit 1; }
	done
}

# bench_rows NAME FAULTS: the goodput lines of the VM log $work/NAME.log,
# as "faults=FAULTS method=...", appended to $rows and shown on stderr.
bench_rows() {
	# sz and rz leave carriage returns on the console
	tr -d '\r' <"$work/$1.log" | sed -n "s/^goodput: method=/faults=$2 method=/p" |
		tee -a "$rows" | sed "s/^/$prog:   /" >&2
}
