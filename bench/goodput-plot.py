#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Plot bench/goodput.sh's rows: goodput per class and method as a multiple
of the line rate, one panel per baud rate and fault setting.

    goodput-plot.py ROWS OUT.png
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

METHODS = [
    ("ncmp", "ncmctl send/recv (-m auto)"),
    ("ncmp-default", "ncmctl, neural model"),
    ("cat", "cat /dev/ncmpN"),
    ("zmodem", "ZMODEM"),
    ("gzip-zmodem", "gzip -6 + ZMODEM"),
]


def parse(path):
    """Rows of "key=value ..." words, as dicts."""
    rows = []
    with open(path) as f:
        for line in f:
            rows.append(dict(w.split("=", 1) for w in line.split()))
    return rows


def goodput(row):
    """Original bytes per second over the line rate; 0 if not intact."""
    secs = float(row["seconds"])
    if row["intact"] != "yes" or secs <= 0:
        return 0.0
    return int(row["bytes"]) / secs / (int(row["baud"]) / 10)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows = parse(sys.argv[1])
    if not rows:
        sys.exit("goodput-plot: no rows in " + sys.argv[1])
    bauds = sorted({int(r["baud"]) for r in rows})
    faults = list(dict.fromkeys(r["faults"] for r in rows))
    classes = list(dict.fromkeys(r["class"] for r in rows))
    methods = [m for m in METHODS if any(r["method"] == m[0] for r in rows)]
    value = {(int(r["baud"]), r["faults"], r["class"], r["method"]): goodput(r)
             for r in rows}

    fig, axes = plt.subplots(len(faults), len(bauds), squeeze=False,
                             figsize=(5 * len(bauds), 3.6 * len(faults)),
                             sharey=True)
    width = 0.8 / len(methods)
    for i, fault in enumerate(faults):
        for j, baud in enumerate(bauds):
            ax = axes[i][j]
            for k, (method, label) in enumerate(methods):
                xs = [c + (k - (len(methods) - 1) / 2) * width
                      for c in range(len(classes))]
                ys = [value.get((baud, fault, c, method), 0.0)
                      for c in classes]
                ax.bar(xs, ys, width, label=label)
            ax.axhline(1.0, color="black", linewidth=0.8)
            ax.set_title(f"{baud} baud, {fault}")
            ax.set_xticks(range(len(classes)))
            ax.set_xticklabels(classes, rotation=30, ha="right", fontsize=8)
            if j == 0:
                ax.set_ylabel("goodput / line rate")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Goodput over the emulated UART link (TCG VM; 1.0 = raw line rate)")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
