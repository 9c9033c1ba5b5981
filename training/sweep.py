#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The model sweep: bits per byte per corpus class and speed of each trained
model, beside xz -9e, zstd -19 with a trained dictionary and brotli -q 11.

  /usr/bin/python3 training/sweep.py --runs build/train/tiny,build/train/default,build/train/large

For every run it exports the research format and measures, with
training/eval/hcm_eval (built here), every file of ../shared/corpus/test
whole and cut into independent 4 KiB blocks. "cm-only" is the default run
with its network silenced (head weights zero), to show what the network
adds. Writes build/sweep/sweep.json, a Markdown table on stdout and, when
matplotlib is there, docs/model-sweep.png.
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export  # noqa: E402
import ncmpnet  # noqa: E402

ROOT = os.path.dirname(HERE)
CLASSES = ["json", "log", "code", "telemetry-text", "telemetry-binary",
           "mixed"]
BLOCK = 4096
OUT = os.path.join(ROOT, "build", "sweep")
EVAL = os.path.join(OUT, "hcm_eval")


def test_files(corpus, cls):
    return sorted(p for p in glob.glob(os.path.join(corpus, cls, "**"),
                                       recursive=True) if os.path.isfile(p))


def build_eval():
    srcs = ["training/eval/hcm_eval.c", "lib/model_hcm.c",
            "lib/model_hcm_kern.c", "lib/error.c"]
    subprocess.run(["cc", "-O2", "-std=gnu11", "-Ilib", "-D_GNU_SOURCE",
                    "-o", EVAL] + srcs + ["-lm", "-lpthread"], cwd=ROOT,
                   check=True)


def eval_model(raw, corpus):
    res = {}
    for cls in CLASSES:
        out = subprocess.run([EVAL, raw, str(BLOCK)] + test_files(corpus, cls),
                             stdout=subprocess.PIPE, check=True, text=True)
        f = out.stdout.split()
        res[cls] = {"whole": float(f[3]), "block": float(f[6]),
                    "mbps": float(f[9])}
        print(f"  {cls}: {out.stdout.strip()}", flush=True)
    return res


def peers(corpus, train_corpus):
    """Sizes of the classic codecs, whole files and 4 KiB blocks, each
    codec run once over a directory of pieces; decode speed on the whole
    test set."""
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        dict_path = os.path.join(tmp, "dict")
        samples = os.path.join(tmp, "samples")
        os.mkdir(samples)
        for cls in CLASSES:
            for i, p in enumerate(test_files(train_corpus, cls)[::3][:150]):
                with open(p, "rb") as f:
                    d = f.read(16384)
                with open(os.path.join(samples, f"{cls}.{i}"), "wb") as f:
                    f.write(d)
        subprocess.run(["zstd", "-q", "--train", "--maxdict=112640", "-o",
                        dict_path] + glob.glob(samples + "/*"), check=True)
        codecs = {
            "xz -9e": (["xz", "-9e", "-k", "-T1", "-q"], ".xz"),
            "zstd -19 +dict": (["zstd", "-19", "-q", "-k", "-D", dict_path],
                               ".zst"),
            "brotli -q 11": (["brotli", "-q", "11", "-k"], ".br"),
        }
        for cls in CLASSES:
            res[cls] = {}
            for mode in ("whole", "block"):
                d = os.path.join(tmp, cls + mode)
                os.mkdir(d)
                n = 0
                for i, p in enumerate(test_files(corpus, cls)):
                    with open(p, "rb") as f:
                        data = f.read()
                    n += len(data)
                    step = BLOCK if mode == "block" else max(1, len(data))
                    for o in range(0, len(data), step):
                        with open(os.path.join(d, f"{i}.{o}"), "wb") as f:
                            f.write(data[o:o + step])
                raw = glob.glob(d + "/*")
                for name, (cmd, ext) in codecs.items():
                    subprocess.run(cmd + raw, check=True)
                    size = sum(os.path.getsize(p + ext) for p in raw)
                    res[cls].setdefault(name, {})[mode] = 8 * size / n
        cat = os.path.join(tmp, "all")
        with open(cat, "wb") as f:
            for cls in CLASSES:
                for p in test_files(corpus, cls):
                    with open(p, "rb") as g:
                        f.write(g.read())
        total = os.path.getsize(cat)
        speed = {}
        for name, (cmd, ext) in codecs.items():
            subprocess.run(cmd + ["-f", cat], check=True)
            dcmd = [cmd[0], "-d", "-c"] + (["-D", dict_path]
                                           if cmd[0] == "zstd" else [])
            before = os.times()
            subprocess.run(dcmd + [cat + ext], stdout=subprocess.DEVNULL,
                           check=True)
            after = os.times()
            best = (after.children_user - before.children_user +
                    after.children_system - before.children_system)
            speed[name] = total / max(best, 1e-6) / 1e6
        res["decode_mbps"] = speed
    return res


def silence_net(qm):
    qm = dict(qm)
    qm["head_w"] = np.zeros_like(qm["head_w"])
    qm["head_b"] = np.zeros_like(qm["head_b"])
    return qm


def plot(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # noqa: BLE001
        print(f"no plot: {e}")
        return
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, r in results["models"].items():
        x = np.mean([r[c]["mbps"] for c in CLASSES])
        y = np.mean([r[c]["block"] for c in CLASSES])
        ax.scatter([x], [y], color="tab:blue")
        ax.annotate("hcm " + name, (x, y), textcoords="offset points",
                    xytext=(5, 5))
    p = results["peers"]
    for name in p["decode_mbps"]:
        x = p["decode_mbps"][name]
        y = np.mean([p[c][name]["block"] for c in CLASSES])
        ax.scatter([x], [y], color="tab:red")
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(5, 5))
    ax.set_xscale("log")
    ax.set_xlabel("decode speed, MB/s on one core (log scale)")
    ax.set_ylabel("bits per byte, 4 KiB blocks, mean of 6 classes")
    ax.set_title("ncmp models against classic codecs (lower is better)")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    print(f"wrote {path}")


def table(results):
    lines = ["| model | " + " | ".join(CLASSES) + " | model MB/s |",
             "|---" * (len(CLASSES) + 2) + "|"]
    for name, r in results["models"].items():
        cells = [f"{r[c]['block']:.3f} / {r[c]['whole']:.3f}"
                 for c in CLASSES]
        mbps = np.mean([r[c]["mbps"] for c in CLASSES])
        lines.append(f"| hcm {name} | " + " | ".join(cells) +
                     f" | {mbps:.2f} |")
    p = results["peers"]
    for name in p["decode_mbps"]:
        cells = [f"{p[c][name]['block']:.3f} / {p[c][name]['whole']:.3f}"
                 for c in CLASSES]
        lines.append(f"| {name} | " + " | ".join(cells) +
                     f" | {p['decode_mbps'][name]:.0f} (decode) |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", default="build/train/tiny,build/train/default,"
                    "build/train/large")
    ap.add_argument("--corpus", default=os.path.join(
        ROOT, "../shared/corpus/test"))
    ap.add_argument("--train-corpus", default=os.path.join(
        ROOT, "../shared/corpus/train"))
    ap.add_argument("--no-peers", action="store_true",
                    help="keep the peers of an earlier build/sweep/sweep.json")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    build_eval()
    results = {"models": {}, "block": BLOCK}
    old = os.path.join(OUT, "sweep.json")
    if args.no_peers and os.path.exists(old):
        with open(old) as f:
            results = json.load(f)
    for run in filter(None, args.runs.split(",")):
        net, cfg, _ = export.load(os.path.join(ROOT, run))
        qm = ncmpnet.quantise(net)
        name = os.path.basename(run)
        variants = [(name, qm)]
        if name == "default":
            variants.append(("cm-only", silence_net(qm)))
        for vname, vqm in variants:
            raw = os.path.join(OUT, vname + ".raw")
            export.write_raw(raw, cfg, vqm)
            print(f"{vname}:", flush=True)
            results["models"][vname] = eval_model(raw, args.corpus)
    if not args.no_peers:
        results["peers"] = peers(args.corpus, args.train_corpus)
    with open(os.path.join(OUT, "sweep.json"), "w") as f:
        json.dump(results, f, indent=1)
    if "peers" in results:
        print(table(results))
        plot(results, os.path.join(ROOT, "docs", "model-sweep.png"))


if __name__ == "__main__":
    main()
