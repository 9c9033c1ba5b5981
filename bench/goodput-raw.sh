#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# goodput-raw.sh: goodput of raw (incompressible) data over the emulated
# serial link, ncmp's /dev/ncmpN beside raw cat and ZMODEM (lrzsz sz/rz),
# at several baud rates, on a clean line and with bit flips.
#
#   bench/goodput-raw.sh [--kernel RELEASE] [--bauds "115200 921600 3000000"]
#                        [--seconds N] [--repeat N] [--flip P] [--seed N]
#                        [--out FILE]
#
# One VM per baud rate and fault setting (selftests/vm/run-vm, suite
# uart-goodput): ttyS1 and ttyS2 of the VM are joined by the host's link
# emulator (build/selftests/linkemu), the sender runs on one, the receiver
# on the other, and the guest times each transfer on its monotonic clock.
# --repeat runs every method that many times, interleaved, and reports
# medians: the VM is emulated (TCG), so a busy host shows in the numbers.
# Prints a markdown table and writes it to bench/results/goodput-raw.md.
# Needs: make selftests modules-all.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/vm-bench.sh
. "$top/bench/vm-bench.sh"
prog=goodput-raw
build=${BUILD:-$top/build}
kernel='' bauds="115200 921600 3000000" seconds=8 repeat=1 flip=1e-4 seed=1
out=$top/bench/results/goodput-raw.md
command="bench/goodput-raw.sh $*"

usage() {
	sed -n '7,9p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	[ $# -ge 2 ] || usage
	case $1 in
	--kernel) kernel=$2 ;;
	--bauds) bauds=$2 ;;
	--seconds) seconds=$2 ;;
	--repeat) repeat=$2 ;;
	--flip) flip=$2 ;;
	--seed) seed=$2 ;;
	--out) out=$2 ;;
	*) usage ;;
	esac
	shift 2
done

bench_vm_setup
if ! command -v sz >/dev/null || ! command -v rz >/dev/null; then
	echo "goodput-raw: sz/rz missing (apt-get install lrzsz)" >&2
	exit 1
fi

work=$build/bench/goodput-raw
mkdir -p "$work" "$(dirname "$out")"
rows=$work/rows
: >"$rows"
started=$(date -u '+%Y-%m-%d %H:%M UTC')
load=$(cut -d' ' -f1-3 /proc/loadavg)
version=$(git -C "$top" describe --always --dirty 2>/dev/null || echo "an unknown commit")

# run BAUD FAULTS LINKARGS APPEND: one VM; its goodput lines go to $rows
# as "faults=F method=M baud=B ...", its link report to the notes.
run() {
	local baud=$1 faults=$2 link=$3 append=$4 name=$1-$2
	echo "goodput-raw: $baud baud, $faults: booting $kernel" >&2
	"$top/selftests/vm/run-vm" --kernel "$kernel" --suite uart-goodput \
		--link "$link" --append "$append" --timeout 900 \
		--log "$work/$name.log" >"$work/$name.out" 2>&1 ||
		echo "goodput-raw: $name: the VM reported failures (see $work/$name.out)" >&2
	bench_rows "$name" "$faults"
	sed -n "s/^run-vm: linkemu: linkemu: a->b /$name a->b: /p" "$work/$name.out" >>"$work/links"
}

: >"$work/links"
for baud in $bauds; do
	run "$baud" clean "--baud $baud --seed $seed" \
		"ncmp_baud=$baud ncmp_seconds=$seconds ncmp_repeat=$repeat ncmp_methods=cat,zmodem,ncmp-w1,ncmp-w8"
	# size the faulty runs by what raw cat reached on the clean line
	rate=$(awk -v b="$baud" '$1 == "faults=clean" && $2 == "method=cat" && $3 == "baud=" b {
		split($4, n, "="); split($5, s, "="); if (s[2] > 0) { printf "%d", n[2] / s[2]; exit } }' "$rows")
	run "$baud" "flip-$flip" "--baud $baud --seed $seed --flip $flip" \
		"ncmp_baud=$baud ncmp_seconds=$seconds ncmp_repeat=$repeat ncmp_methods=zmodem,ncmp-w1,ncmp-w8 ncmp_faulty=1${rate:+ ncmp_rate=$rate}"
done

# The rows, one per method, baud rate and fault setting: medians over the
# rounds, goodput counting intact transfers only.
table() {
	awk '
	function val(s) { sub(/^[^=]*=/, "", s); return s }
	function median(list, n,   a, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function lo(list,   a, i, n, m) {
		n = split(list, a, " "); m = a[1]
		for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]
		return m
	}
	function hi(list,   a, i, n, m) {
		n = split(list, a, " "); m = a[1]
		for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]
		return m
	}
	{
		f = val($1); m = val($2); b = val($3); n = val($4); s = val($5)
		k = f SUBSEP m SUBSEP b
		if (!(k in runs)) {
			order[++nk] = k; F[k] = f; M[k] = m; B[k] = b; N[k] = n
		}
		runs[k]++
		ok[k] += val($6) == "yes"
		G[k] = G[k] " " (s > 0 && val($6) == "yes" ? n / s : 0)
		S[k] = S[k] " " s
		C[k] = C[k] " " val($7)
	}
	END {
		name["cat"] = "raw cat"; name["zmodem"] = "ZMODEM (sz/rz)"
		name["ncmp-w1"] = "ncmp, window 1"; name["ncmp-w8"] = "ncmp, window 8"
		for (i = 1; i <= nk; i++) {
			k = order[i]; g[k] = median(G[k])
			if (F[k] == "clean") clean[M[k], B[k]] = g[k]
			if (F[k] == "clean" && M[k] == "cat") cat[B[k]] = g[k]
		}
		print "| method | baud | faults | bytes | runs | seconds | goodput B/s | range B/s | % of line rate | % of raw cat | % of clean | guest CPU | intact |"
		print "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
		for (i = 1; i <= nk; i++) {
			k = order[i]; b = B[k]
			pc = cat[b] > 0 ? sprintf("%.1f", 100 * g[k] / cat[b]) : "-"
			pk = ""
			if (F[k] != "clean" && clean[M[k], b] > 0)
				pk = sprintf("%.1f", 100 * g[k] / clean[M[k], b])
			printf "| %s | %d | %s | %d | %d | %.2f | %.0f | %.0f-%.0f | %.1f | %s | %s | %.0f%% | %s |\n",
				(M[k] in name ? name[M[k]] : M[k]), b, F[k], N[k], runs[k],
				median(S[k]), g[k], lo(G[k]), hi(G[k]), 100 * g[k] / (b / 10),
				pc, pk, 100 * median(C[k]),
				ok[k] == runs[k] ? "yes" : ok[k] "/" runs[k]
		}
	}' "$rows"
}

{
	echo "# Goodput of raw data over the emulated link"
	echo
	echo "Generated by \`${command% }\` on $started: kernel $kernel in"
	echo "$(qemu-system-x86_64 --version | head -1 | sed 's/ (.*//') (TCG, 1 vCPU), host $(nproc) CPUs,"
	echo "host load average at start $load; ncmp at $version."
	echo "Random (incompressible) data from ttyS1"
	echo "to ttyS2 of one VM through \`linkemu\` (8N1, seed $seed); about $seconds s per"
	echo "transfer, $repeat round(s) of all methods, medians; ZMODEM moves half the"
	echo "data on a faulty line. Goodput is bytes delivered intact over the time"
	echo "from the sender's start to the receiver's end, on the guest's monotonic"
	echo "clock."
	echo
	table
	echo
	echo "Link emulator, ttyS1 to ttyS2, per VM (stalled: seconds the receiving"
	echo "UART did not take bytes as fast as the line delivered them):"
	echo
	echo '```'
	sed -E 's/ (bytes_out|dups|bursts|burst_bytes|cut_bytes|overrun|undelivered|active_s|rate_Bps|line_pct)=[^ ]*//g' "$work/links"
	echo '```'
} >"$out"
cat "$out"
