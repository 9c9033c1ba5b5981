#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# goodput.sh: goodput of ncmctl send/recv over the emulated serial link,
# per corpus class, beside raw cat through /dev/ncmpN, ZMODEM (lrzsz sz/rz)
# and gzip -6 followed by ZMODEM, at several baud rates, clean and with
# bit flips.
#
#   bench/goodput.sh [--kernel RELEASE] [--bauds "115200 921600 3000000"]
#                    [--seconds N] [--flip P] [--seed N] [--out FILE]
#
# One VM per baud rate and fault setting (selftests/vm/run-vm, suite
# transfer-goodput): ttyS1 and ttyS2 are joined by the host's link
# emulator, the sender runs on one, the receiver on the other, and the
# guest times each transfer on its monotonic clock. Each class sends what
# the raw line carries in about N seconds (default 10; at least 64 KiB, at
# most 1 MiB): the start of its files of $NCMP_CORPUS/test (default
# ../shared/corpus), concatenated in a fixed shuffled order. ncmctl uses
# -m auto among the built-in model and the model files offered
# (models/*.ncmm and tests/golden/o2mix.ncmm, the fast classic model); at
# 115200 baud the built-in model alone is measured as well (-m default).
# Goodput is original bytes delivered intact per second at the receiver,
# from the sender's start to the receiver's end, as a multiple of the line
# rate (baud / 10 bytes/s, 8N1). The built-in model's ratio on the same
# data, measured on the host, gives its ceiling: raw cat's goodput times
# that ratio, what ncmctl reaches when the CPU keeps up.
#
# Writes the table to bench/results/goodput.md (and prints it), the plot to
# bench/results/goodput.png. Needs: make selftests modules-all, lrzsz,
# python3-matplotlib.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/vm-bench.sh
. "$top/bench/vm-bench.sh"
prog=goodput
build=${BUILD:-$top/build}
corpus=${NCMP_CORPUS:-$top/../shared/corpus}/test
kernel='' bauds="115200 921600 3000000" seconds=10 flip=1e-4 seed=1
out=$top/bench/results/goodput.md

classes="code json log mixed telemetry-binary telemetry-text"

usage() {
	sed -n '9,10p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--kernel) kernel=$2 ;;
	--bauds) bauds=$2 ;;
	--seconds) seconds=$2 ;;
	--flip) flip=$2 ;;
	--seed) seed=$2 ;;
	--out) out=$2 ;;
	*) usage ;;
	esac
	shift 2
done

bench_vm_setup
for p in sz rz gzip /usr/bin/python3; do
	command -v "$p" >/dev/null || { echo "goodput: $p missing (make deps)" >&2; exit 1; }
done

work=$build/bench/goodput
rm -rf "$work"
mkdir -p "$work/data" "$work/build/module/$kernel" "$work/build/selftests" "$(dirname "$out")"

# A private copy of what the VMs boot with: the tree is shared, and a
# rebuild during the runs must not mix versions.
cp "$build/ncmctl" "$work/build/"
cp "$build/module/$kernel/ncmp.ko" "$work/build/module/$kernel/"
find "$build/selftests" -maxdepth 1 -type f -perm -u+x -exec cp {} "$work/build/selftests/" \;

# data BAUD: the class files for BAUD in $work/data-BAUD, and the
# built-in model's ratio on each in $work/ratios ("BAUD CLASS RATIO").
data() {
	local baud=$1 size c n
	size=$((baud / 10 * seconds))
	[ $size -ge 65536 ] || size=65536
	[ $size -le 1048576 ] || size=1048576
	mkdir -p "$work/data-$baud"
	for c in $classes; do
		find "$corpus/$c" -type f | sort | shuf --random-source=<(yes) |
			tr '\n' '\0' | xargs -0 cat 2>/dev/null | head -c $size >"$work/data-$baud/$c" || true
		n=$("$work/build/ncmctl" encode -c "$work/data-$baud/$c" | wc -c)
		echo "$baud $c $(wc -c <"$work/data-$baud/$c") $n" >>"$work/ratios"
	done
}

offered=()
for m in "$top"/models/*.ncmm "$top/tests/golden/o2mix.ncmm"; do
	[ -f "$m" ] && offered+=(--data "$m")
done
offered+=(--data "$(command -v gzip)")

rows=$work/rows
: >"$rows"
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo unknown)

# run BAUD FAULTS LINKARGS METHODS: one VM; its goodput lines go to $rows
# as "faults=F method=M ...".
run() {
	local baud=$1 faults=$2 link=$3 methods=$4 name=$1-$2 c files=()
	echo "goodput: $baud baud, $faults: booting $kernel" >&2
	for c in $classes; do
		files+=(--data "$work/data-$baud/$c")
	done
	BUILD=$work/build "$top/selftests/vm/run-vm" --kernel "$kernel" \
		--suite transfer-goodput --link "$link" "${files[@]}" "${offered[@]}" \
		--append "ncmp_baud=$baud ncmp_classes=${classes// /,} ncmp_methods=$methods" \
		--timeout 5400 --mem 1024 --log "$work/$name.log" >"$work/$name.out" 2>&1 ||
		echo "goodput: $name: the VM reported failures (see $work/$name.out)" >&2
	bench_rows "$name" "$faults"
}

: >"$work/ratios"
for baud in $bauds; do
	data "$baud"
	methods=ncmp,cat,zmodem,gzip-zmodem
	[ "$baud" -le 115200 ] && methods=ncmp,ncmp-default,cat,zmodem,gzip-zmodem
	run "$baud" clean "--baud $baud --seed $seed" "$methods"
	run "$baud" "flip-$flip" "--baud $baud --seed $seed --flip $flip" "$methods"
done

# The table: one row per baud rate, fault setting and class; each method's
# goodput as a multiple of the line rate ("-": did not arrive intact).
table() {
	awk '
	function val(s) { sub(/^[^=]*=/, "", s); return s }
	FILENAME == ratios { nr[$1, $2] = $4 > 0 ? $3 / $4 : 0; next }
	{
		f = val($1); m = val($2); c = val($3); b = val($4)
		n = val($5); w = val($6); s = val($7); ok = val($8)
		k = b SUBSEP f SUBSEP c
		if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
		x[k, m] = (ok == "yes" && s > 0) ? n / s / (b / 10) : -1
		if (m == "ncmp") { r[k] = w > 0 ? n / w : 0; md[k] = val($10) }
	}
	function cell(k, m) {
		if (!((k, m) in x)) return ""
		return x[k, m] < 0 ? "-" : sprintf("%.2f", x[k, m])
	}
	END {
		print "| baud | line | class | ncmctl (-m auto) | model chosen | its ratio | ncmctl, built-in model | cat /dev/ncmpN | ZMODEM | gzip -6 + ZMODEM | ncmctl / (gzip + ZMODEM) | built-in ratio | built-in ceiling |"
		print "|---:|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nk; i++) {
			k = keys[i]
			split(k, p, SUBSEP)
			g = x[k, "gzip-zmodem"]
			v = (x[k, "ncmp"] > 0 && g > 0) ? sprintf("%.2f", x[k, "ncmp"] / g) : "-"
			q = nr[p[1], p[3]]
			ceil = (x[k, "cat"] > 0 && q > 0) ? sprintf("%.1f", x[k, "cat"] * q) : "-"
			printf "| %d | %s | %s | %s | %s | %.1f | %s | %s | %s | %s | %s | %.1f | %s |\n",
				p[1], p[2], p[3], cell(k, "ncmp"), md[k], r[k],
				cell(k, "ncmp-default"), cell(k, "cat"), cell(k, "zmodem"),
				cell(k, "gzip-zmodem"), v, q, ceil
		}
	}' ratios="$work/ratios" "$work/ratios" "$rows"
}

/usr/bin/python3 "$top/bench/goodput-plot.py" "$rows" "${out%.md}.png"
{
	echo "# Goodput of ncmctl send/recv over the emulated link"
	echo
	echo "Generated by \`bench/goodput.sh\` on $started at commit $commit: kernel"
	echo "$kernel in $(qemu-system-x86_64 --version | head -1 | sed 's/ (.*//') (TCG, one emulated CPU shared"
	echo "by sender and receiver), host $(nproc) CPUs, load average at start $load."
	echo "Each class sends about $seconds s of the raw line's bytes (64 KiB to 1 MiB)"
	echo "of its corpus files from ttyS1 to ttyS2 through \`linkemu\` (8N1, seed"
	echo "$seed); the faulty line flips a bit in a byte with probability $flip."
	echo
	echo "Goodput: original bytes delivered intact per second, from the sender's"
	echo "start to the receiver's end, as a multiple of the line rate (baud / 10"
	echo "bytes/s). Ratio: original bytes per byte ncmctl put on the link. The"
	echo "built-in model's ratio is measured on the host; its ceiling is raw"
	echo "cat's goodput times that ratio: what ncmctl reaches with the built-in"
	echo "model where the CPU decodes faster than the line delivers."
	echo
	table
} >"$out"
cat "$out"
