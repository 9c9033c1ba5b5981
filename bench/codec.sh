#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/codec.sh: ratio and single-core speed of ncmp beside gzip -6, xz -9e,
# zstd -19 and brotli -q 11, per corpus class of ../shared/corpus/test, in
# the two regimes of the brief:
#
#   whole files   each file compressed alone; speed on the class's files
#                 concatenated, one process per codec and direction
#   4 KiB blocks  each file cut into independent 4 KiB pieces (messages);
#                 zstd gets a dictionary trained on ../shared/corpus/train
#
# then the rANS coder alone (static order-0 model), and peak RSS of ncmctl.
# The script pins itself and everything it runs to one core (taskset -c 0)
# and keeps the best of $RUNS timings; every output is decoded and compared
# with its input.
#
# Framing: whole files use each tool's normal container. For 4 KiB pieces
# the peers get their leanest framing, as on a link: raw deflate (gzip
# output less its 18-byte header and trailer), raw LZMA2 (xz --format=raw,
# with a 4 KiB dictionary, all a 4 KiB piece can use), zstd without
# checksum or dictionary id, brotli as is; ncmp pays its real .ncmp cost
# (32-byte header and 24-byte trailer per file, 16 bytes per block).
#
# Environment: NCMP_CORPUS (default ../shared/corpus beside the repository),
# RUNS (3), CLASSES (all six), NCMP_BENCH_OUT (bench/results/codec.md).
# Prints markdown tables and writes them to $NCMP_BENCH_OUT.
#
# The result arrays are read through the namerefs of table():
# shellcheck disable=SC2034
set -euo pipefail

# everything, the tools included, runs on one core
if [ -z "${NCMP_BENCH_PINNED:-}" ]; then
	NCMP_BENCH_PINNED=1 exec taskset -c 0 "$0" "$@"
fi

top=$(cd "$(dirname "$0")/.." && pwd)
corpus=${NCMP_CORPUS:-$top/../shared/corpus}
runs=${RUNS:-3}
classes=${CLASSES:-code json log mixed telemetry-binary telemetry-text}
result=${NCMP_BENCH_OUT:-$top/bench/results/codec.md}
O2=$top/tests/golden/o2mix.ncmm
export NCMP_MODEL_PATH=$top/tests/golden
CODECS="ncmp ncmp-o2mix gzip xz zstd brotli"

[ -d "$corpus/test" ] || { echo "codec.sh: no corpus at $corpus (set NCMP_CORPUS)" >&2; exit 1; }
make -C "$top" -s build/ncmctl build/bench/codec_rans
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# run copies: a rebuild during the run must not change or break them
cp "$top/build/ncmctl" "$top/build/bench/codec_rans" "$work/"
N=$work/ncmctl

# ---- the codecs ------------------------------------------------------------

# enc CODEC IN OUT / dec CODEC IN OUT: one file, normal container
enc() {
	case $1 in
	ncmp) "$N" encode -q -f -B 64M -o "$3" "$2" ;;
	ncmp-o2mix) "$N" encode -q -f -m "$O2" -B 64M -o "$3" "$2" ;;
	gzip) gzip -6 -n -c "$2" >"$3" ;;
	xz) xz -9e -T1 -c "$2" >"$3" ;;
	zstd) zstd -19 -q --single-thread -c "$2" >"$3" ;;
	brotli) brotli -q 11 -c "$2" >"$3" ;;
	esac
}

dec() {
	case $1 in
	ncmp*) "$N" decode -q -c "$2" >"$3" ;;
	gzip) gzip -d -c "$2" >"$3" ;;
	xz) xz -d -T1 -c "$2" >"$3" ;;
	zstd) zstd -d -q -c "$2" >"$3" ;;
	brotli) brotli -d -c "$2" >"$3" ;;
	esac
}

# Piece codecs: compress or decompress every file named in $2 (a list) in
# one process, each into its own output beside it.
# shellcheck disable=SC2054  # the commas are xz's
XZ_RAW=(--format=raw --lzma2=preset=9e,dict=4KiB --suffix=.xz -T1)
ext() { case $1 in gzip) echo gz ;; xz) echo xz ;; zstd) echo zst ;; brotli) echo br ;; esac; }

pieces_enc() {
	case $1 in
	gzip) xargs -a "$2" gzip -6 -n -k -f ;;
	xz) xargs -a "$2" xz "${XZ_RAW[@]}" -k -f ;;
	zstd) xargs -a "$2" zstd -19 -q -k -f --no-check -D "$dict" --no-dictID ;;
	brotli) xargs -a "$2" brotli -q 11 -k -f ;;
	esac
}

pieces_dec() {
	case $1 in
	gzip) xargs -a "$2" gzip -d -k -f ;;
	xz) xargs -a "$2" xz -d "${XZ_RAW[@]}" -k -f ;;
	zstd) xargs -a "$2" zstd -d -q -k -f -D "$dict" ;;
	brotli) xargs -a "$2" brotli -d -k -f ;;
	esac
}

# Per-piece framing the peers do not need on a link (see the top).
overhead() { case $1 in gzip) echo 18 ;; *) echo 0 ;; esac; }

# ---- measuring ---------------------------------------------------------------

# best CMD...: the best wall time of $runs runs, in seconds
best() {
	local b="" t0 t i
	for ((i = 0; i < runs; i++)); do
		t0=$EPOCHREALTIME
		"$@"
		t=$(echo "$EPOCHREALTIME - $t0" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}

size() { stat -c %s "$@" | awk '{s += $1} END {print s + 0}'; }
bpb() { echo "$1 $2" | awk '{printf "%.3f", 8 * $1 / $2}'; }
mbs() { echo "$1 $2" | awk '{printf "%.1f", $1 / $2 / 1e6}'; }

# ---- the dictionary for 4 KiB pieces -------------------------------------------

dict=$work/zstd-4k.dict
mkdir -p "$work/train"
find "$corpus/train" -type f | sort | while read -r f; do
	split -b 4096 -a 6 -d "$f" "$work/train/$(echo "$f" | md5sum | cut -c1-8)_"
done
# zstd samples at most a few thousand pieces; every 4th keeps it quick
find "$work/train" -type f | sort | awk 'NR % 4 == 0' >"$work/train.list"
xargs -a "$work/train.list" zstd -q --train -o "$dict" >/dev/null
rm -rf "$work/train"

# ---- runs ------------------------------------------------------------------------

declare -A W_SIZE W_ENC W_DEC B_SIZE B_ENC B_DEC RAW
for c in $classes; do
	d=$corpus/test/$c
	[ -d "$d" ] || { echo "codec.sh: no class $c" >&2; exit 1; }
	find "$d" -type f | sort >"$work/$c.files"
	xargs -a "$work/$c.files" cat >"$work/$c.cat"
	RAW[$c]=$(size "$work/$c.cat")

	# whole files: sizes file by file, speed on the concatenation
	for k in $CODECS; do
		total=0
		while read -r f; do
			enc "$k" "$f" "$work/one"
			dec "$k" "$work/one" "$work/back"
			cmp -s "$f" "$work/back" || { echo "codec.sh: $k: $f does not round-trip" >&2; exit 1; }
			total=$((total + $(size "$work/one")))
		done <"$work/$c.files"
		W_SIZE[$c,$k]=$total
		W_ENC[$c,$k]=$(best enc "$k" "$work/$c.cat" "$work/cat.$k")
		W_DEC[$c,$k]=$(best dec "$k" "$work/cat.$k" "$work/cat.back")
		cmp -s "$work/$c.cat" "$work/cat.back" || { echo "codec.sh: $k: $c does not round-trip" >&2; exit 1; }
		echo "codec.sh: $c whole $k $(bpb "$total" "${RAW[$c]}") bpb" >&2
	done

	# 4 KiB pieces: ncmp as .ncmp files of 4 KiB blocks, the peers per piece
	for k in ncmp ncmp-o2mix; do
		m=(); [ "$k" = ncmp-o2mix ] && m=(-m "$O2")
		total=0
		while read -r f; do
			"$N" encode -q -f "${m[@]}" -B 4K -o "$work/one" "$f"
			"$N" decode -q -c "$work/one" | cmp -s - "$f" || { echo "codec.sh: $k 4K: $f" >&2; exit 1; }
			total=$((total + $(size "$work/one")))
		done <"$work/$c.files"
		B_SIZE[$c,$k]=$total
		B_ENC[$c,$k]=$(best "$N" encode -q -f "${m[@]}" -B 4K -o "$work/cat.4k" "$work/$c.cat")
		B_DEC[$c,$k]=$(best "$N" decode -q -f -o "$work/cat.back" "$work/cat.4k")
	done
	rm -rf "$work/p"
	mkdir -p "$work/p"
	n=0
	while read -r f; do
		split -b 4096 -a 6 -d "$f" "$work/p/$(printf %05d $n)_"
		n=$((n + 1))
	done <"$work/$c.files"
	find "$work/p" -type f | sort >"$work/p.list"
	pieces=$(wc -l <"$work/p.list")
	for k in gzip xz zstd brotli; do
		e=$(ext "$k")
		B_ENC[$c,$k]=$(best pieces_enc "$k" "$work/p.list")
		sed "s/\$/.$e/" "$work/p.list" >"$work/c.list"
		B_SIZE[$c,$k]=$(($(xargs -a "$work/c.list" stat -c %s | awk '{s += $1} END {print s}') - pieces * $(overhead "$k")))
		rm -rf "$work/q" && cp -r "$work/p" "$work/q"
		sed "s|$work/p/|$work/q/|" "$work/c.list" >"$work/qc.list"
		sed "s|$work/p/|$work/q/|" "$work/p.list" | xargs rm -f
		B_DEC[$c,$k]=$(best pieces_dec "$k" "$work/qc.list")
		while read -r f; do
			cmp -s "$f" "$work/q/$(basename "$f")" || { echo "codec.sh: $k 4K: $f" >&2; exit 1; }
		done <"$work/p.list"
		xargs -a "$work/c.list" rm -f
		echo "codec.sh: $c 4K $k $(bpb "${B_SIZE[$c,$k]}" "${RAW[$c]}") bpb" >&2
	done
done

# ---- tables ----------------------------------------------------------------------

names() {
	case $1 in
	ncmp) echo "ncmp" ;; ncmp-o2mix) echo "ncmp o2mix" ;; gzip) echo "gzip -6" ;;
	xz) echo "xz -9e" ;; zstd) echo "zstd -19$2" ;; brotli) echo "brotli -q 11" ;;
	esac
}

table() {	# REGIME SIZE ENC DEC ZSTD_NOTE
	local -n sz=$2 en=$3 de=$4
	local c k line
	line="| class | MB |"
	for k in $CODECS; do line="$line $(names "$k" "$5") |"; done
	echo "$line"
	echo "|---|---:|$(for k in $CODECS; do printf -- '---:|'; done)"
	for c in $classes; do
		line="| $c | $(echo "${RAW[$c]}" | awk '{printf "%.2f", $1 / 1e6}') |"
		for k in $CODECS; do line="$line $(bpb "${sz[$c,$k]}" "${RAW[$c]}") |"; done
		echo "$line"
	done
	echo
	echo "Speed, MB/s on one core, encode / decode:"
	echo
	echo "| class |$(for k in $CODECS; do printf ' %s |' "$(names "$k" "$5")"; done)"
	echo "|---|$(for k in $CODECS; do printf -- '---:|'; done)"
	for c in $classes; do
		line="| $c |"
		for k in $CODECS; do
			line="$line $(mbs "${RAW[$c]}" "${en[$c,$k]}") / $(mbs "${RAW[$c]}" "${de[$c,$k]}") |"
		done
		echo "$line"
	done
}

rss() {	# ARGS...: peak RSS of ncmctl in KiB
	/usr/bin/time -f %M "$N" "$@" 2>&1 >/dev/null | tail -1
}

{
	echo "## Codec benchmark"
	echo
	echo "\`bench/codec.sh\`, $(date -u +%Y-%m-%d), $(lscpu | sed -n 's/^Model name: *//p' | head -1)," \
		"$(nproc --all) CPUs (load average $(cut -d' ' -f1 /proc/loadavg) at the end), best of $runs runs on one core." \
		"ncmp is \`ncmctl\` with its built-in model ($("$N" model info | sed -n 's/^architecture: *//p')," \
		"id $("$N" model info | sed -n 's/^id: *//p')); ncmp o2mix is the adaptive order-0..2 baseline" \
		"(\`-m tests/golden/o2mix.ncmm\`). zstd $(zstd --version | sed 's/.*v\([0-9.]*\).*/\1/'), xz $(xz --version | sed -n '1s/.* //p')," \
		"brotli $(brotli --version | sed 's/.* //'), gzip $(gzip --version | sed -n '1s/.* //p')."
	echo
	echo "### Whole files: bits per byte"
	echo
	table whole W_SIZE W_ENC W_DEC ""
	echo
	echo "### Independent 4 KiB blocks: bits per byte"
	echo
	table 4k B_SIZE B_ENC B_DEC " + dict"
	echo
	echo "zstd's dictionary: \`zstd --train\` on every 4th 4 KiB piece of ../shared/corpus/train" \
		"($(size "$dict") bytes). Peers' 4 KiB speeds include writing one file per piece."
	echo
	echo "### The rANS coder alone (static order-0 model)"
	echo
	# shellcheck disable=SC2046
	"$work/codec_rans" $(for c in $classes; do echo "$work/$c.cat"; done)
	echo
	echo "### Peak RSS of ncmctl"
	echo
	# every class: enough 1 MiB blocks to keep 8 threads busy
	f=$work/all.cat
	# shellcheck disable=SC2046
	cat $(for c in $classes; do echo "$work/$c.cat"; done) >"$f"
	"$N" encode -q -f -o "$work/rss.ncmp" "$f"
	echo "On every class concatenated ($(size "$f") bytes), default block size (1 MiB);"
	echo "ncmctl starts only the threads that fit in 32 MiB:"
	echo
	echo "| command | peak RSS |"
	echo "|---|---:|"
	for t in 1 2 8; do
		echo "| ncmctl encode -T $t | $(($(rss encode -q -T "$t" -c "$f") / 1024)) MiB |"
		echo "| ncmctl decode -T $t | $(($(rss decode -q -T "$t" -c "$work/rss.ncmp") / 1024)) MiB |"
	done
} >"$work/result.md"

mkdir -p "$(dirname "$result")"
cp "$work/result.md" "$result"
cat "$result"
