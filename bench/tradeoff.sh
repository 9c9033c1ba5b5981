#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/tradeoff.sh: what the parts of hcm's adaptive stage cost in speed and
# buy in ratio, to show where 2 MB/s per core would leave the ratio targets.
#
# It builds hcm_eval (training/eval/hcm_eval.c, the model alone: the ideal
# code length, as in the sweep) against lib/model_hcm.c with
# bench/tradeoff.patch applied, once per variant, each with parts removed
# by its switches, and runs every variant on every class of
# ../shared/corpus/test: whole files and independent 4 KiB blocks. The
# shipped library is not touched. Speeds are of the model alone on whole
# files (a log2 per bit included) and are compared within one run.
#
# Needs the raw models and the peers' sizes of a sweep
# (/usr/bin/python3 training/sweep.py: build/sweep/{default,tiny}.raw and
# sweep.json). Environment: NCMP_CORPUS (default ../shared/corpus beside
# the repository), NCMP_BENCH_OUT (bench/results/tradeoff.md).
#
# bench/tradeoff.sh --check only builds every variant (tests/run-all runs
# it, so the patch cannot fall behind lib/model_hcm.c unnoticed).
set -euo pipefail
check=${1:-}
case $check in
'' | --check) ;;
*)
	echo "usage: bench/tradeoff.sh [--check]" >&2
	exit 2
	;;
esac

if [ -z "${NCMP_BENCH_PINNED:-}" ]; then
	NCMP_BENCH_PINNED=1 exec taskset -c 0 "$0" "$@"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
corpus=${NCMP_CORPUS:-$top/../shared/corpus}/test
out=${NCMP_BENCH_OUT:-$top/bench/results/tradeoff.md}
sweep=$top/build/sweep
work=$top/build/tradeoff${check:+-check}
classes=(json log code telemetry-text telemetry-binary mixed)

# name | model | switches
variants=(
	"default|default|"
	"no APM|default|-DTRADEOFF_NO_APM"
	"one mixer|default|-DTRADEOFF_ONE_MIXER"
	"no APM, one mixer, 6 contexts|default|-DTRADEOFF_NO_APM -DTRADEOFF_ONE_MIXER -DTRADEOFF_ADAPT=6"
	"no APM, one mixer, 4 contexts|default|-DTRADEOFF_NO_APM -DTRADEOFF_ONE_MIXER -DTRADEOFF_ADAPT=4"
	"tiny|tiny|"
	"tiny; no APM, one mixer, 4 contexts|tiny|-DTRADEOFF_NO_APM -DTRADEOFF_ONE_MIXER -DTRADEOFF_ADAPT=4"
)

if [ "$check" != --check ]; then
	for f in "$sweep/default.raw" "$sweep/tiny.raw" "$sweep/sweep.json"; do
		if [ ! -f "$f" ]; then
			echo "tradeoff.sh: $f missing: run /usr/bin/python3 training/sweep.py first" >&2
			exit 1
		fi
	done
fi

rm -rf "$work"
mkdir -p "$work/lib"
cp "$top/lib/model_hcm.c" "$work/lib/"
if ! patch -s -p1 -d "$work" < "$top/bench/tradeoff.patch"; then
	echo "tradeoff.sh: bench/tradeoff.patch no longer applies to lib/model_hcm.c" >&2
	[ "$check" != --check ] || echo "tradeoff: 0 passed, 1 failed"
	exit 1
fi

i=0
for v in "${variants[@]}"; do
	IFS='|' read -r name model flags <<< "$v"
	ev=$work/eval$i
	i=$((i + 1))
	# shellcheck disable=SC2086 # the switches are separate words
	cc -O2 -std=gnu11 -Wall -Werror -I"$top/lib" -D_GNU_SOURCE $flags \
		-o "$ev" "$top/training/eval/hcm_eval.c" "$work/lib/model_hcm.c" \
		"$top/lib/model_hcm_kern.c" "$top/lib/error.c" -lm -lpthread
	[ "$check" != --check ] || continue
	for c in "${classes[@]}"; do
		mapfile -t files < <(find "$corpus/$c" -type f | sort)
		echo "$name|$c|$("$ev" "$sweep/$model.raw" 4096 "${files[@]}")" |
			tee -a "$work/results"
	done
done
if [ "$check" = --check ]; then
	echo "tradeoff: $i passed, 0 failed"
	exit 0
fi

# the table: 4 KiB bpb with the margin on the best peer, and speed
python3 - "$work/results" "$sweep/sweep.json" "${classes[@]}" > "$out" <<'PY'
import json, sys

classes = sys.argv[3:]
peers = json.load(open(sys.argv[2]))["peers"]
rows = {}
for line in open(sys.argv[1]):
    name, cls, res = line.rstrip("\n").split("|")
    f = res.split()
    rows.setdefault(name, {})[cls] = (float(f[6]), float(f[9]))
print("| variant | " + " | ".join(classes) + " | MB/s | speed |")
print("|---" * (len(classes) + 3) + "|")
base = None
for name, r in rows.items():
    mbps = sum(r[c][1] for c in classes) / len(classes)
    base = base or mbps
    cells = []
    for c in classes:
        best = min(p["block"] for p in peers[c].values())
        cells.append(f"{r[c][0]:.3f} ({(1 - r[c][0] / best) * 100:+.1f}%)")
    print(f"| {name} | " + " | ".join(cells) +
          f" | {mbps:.2f} | {mbps / base:.2f}x |")
print()
print("Cells: bits per byte of the model in independent 4 KiB blocks, and in "
      "brackets how much smaller than the best of xz -9e, zstd -19 +dict and "
      "brotli -q 11 (build/sweep/sweep.json; real .ncmp files add about "
      "0.04 bpb of framing at 4 KiB). MB/s: the model alone over whole "
      "files, mean of the classes; speed: against the first row.")
PY
cat "$out"
