#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Train an ncmp byte model on ../shared/corpus/train (CPU, reproducible).

  /usr/bin/python3 training/train.py --preset default --seed 1 --out build/train/default

Samples the same number of bytes from every corpus class (the last 5% of
every file is the validation split), trains with quantisation-aware int8
arithmetic, prints live loss in bits per byte, writes checkpoints to
OUT/ckpt.pt (resume with --resume) and the final state to OUT/final.pt,
which training/export.py turns into a model file.
"""

import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ncmpnet  # noqa: E402

CLASSES = ["code", "json", "log", "mixed", "telemetry-binary",
           "telemetry-text"]
VAL_FRACTION = 0.05
CHUNK = 65536

PRESETS = {
    "tiny": {"orders": [1, 2, 3, 4], "table_bits": 12, "emb": 16,
             "hidden": [32]},
    "default": ncmpnet.default_config(),
    "large": {"orders": [1, 2, 3, 4, 6, "w", "s"], "table_bits": 16, "emb": 16,
              "hidden": [96]},
}


def class_files(root, cls):
    out = []
    for d, _, names in os.walk(os.path.join(root, cls)):
        out += [os.path.join(d, n) for n in names]
    return sorted(out)


def corpus_digest(root):
    """SHA-256 over the names and contents of the training files."""
    h = hashlib.sha256()
    for cls in CLASSES:
        for p in class_files(root, cls):
            h.update(os.path.relpath(p, root).encode() + b"\0")
            with open(p, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def sample_class(root, cls, budget, rng):
    """Train and validation feature rows for one class.

    Chunks keep 8 bytes of real history in front so that the hashed
    contexts match what a stream would see; chunks at offset 0 start
    from the zero history of a fresh block.
    """
    files = [np.fromfile(p, dtype=np.uint8) for p in class_files(root, cls)]
    train, val = [], []
    for f in files:
        cut = len(f) - int(len(f) * VAL_FRACTION)
        val.append((f, cut, len(f)))
        train.append((f, 0, cut))
    sizes = np.array([e - s for _, s, e in train], dtype=np.float64)
    picked, got = [], 0
    while got < budget and sizes.sum() > 0:
        i = rng.choice(len(train), p=sizes / sizes.sum())
        f, s, e = train[i]
        start = s if e - s <= CHUNK else int(rng.integers(s, e - CHUNK))
        if start - s < 4096:
            start = s
        end = min(e, start + CHUNK)
        picked.append((f, start, end))
        got += end - start
    return picked, val


def rows(spans, cfg):
    idx, tgt = [], []
    for f, s, e in spans:
        pre = max(0, s - 8)
        seg = f[pre:e]
        idx.append(ncmpnet.features(seg, cfg)[s - pre:])
        tgt.append(f[s:e].astype(np.int64))
    return np.concatenate(idx), np.concatenate(tgt)


def build_data(args, cfg):
    rng = np.random.default_rng(args.seed)
    data = {"train_idx": [], "train_tgt": [], "val": {}}
    for cls in CLASSES:
        picked, val = sample_class(args.corpus, cls, args.per_class, rng)
        i, t = rows(picked, cfg)
        data["train_idx"].append(i)
        data["train_tgt"].append(t)
        vi, vt = rows(val, cfg)
        keep = rng.permutation(len(vt))[:args.val_per_class]
        data["val"][cls] = (vi[keep], vt[keep])
        print(f"data: {cls}: {len(t)} train, {len(keep)} validation bytes",
              flush=True)
    data["train_idx"] = np.concatenate(data["train_idx"])
    data["train_tgt"] = np.concatenate(data["train_tgt"])
    return data


@torch.no_grad()
def evaluate(net, val):
    out = {}
    for cls, (i, t) in val.items():
        bits = 0.0
        for s in range(0, len(t), 16384):
            bits += net(torch.from_numpy(i[s:s + 16384]),
                        torch.from_numpy(t[s:s + 16384])).sum().item()
        out[cls] = bits / max(1, len(t))
    out["mean"] = float(np.mean(list(out.values())))
    return out


def lr_at(step, total, base):
    warm = min(1.0, (step + 1) / 200)
    return base * warm * max(0.05, 1.0 - step / total)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--preset", default="default", choices=sorted(PRESETS))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corpus", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)),
        "../../shared/corpus/train"))
    ap.add_argument("--per-class", type=int, default=2 << 20,
                    help="training bytes sampled per class")
    ap.add_argument("--val-per-class", type=int, default=100000)
    ap.add_argument("--steps", type=int, default=8000)
    ap.add_argument("--batch", type=int, default=2048)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--emb-lr", type=float, default=3e-2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--resume", action="store_true")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = PRESETS[args.preset]
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    data = build_data(args, cfg)
    print(f"data: {len(data['train_tgt'])} training bytes in "
          f"{time.time() - t0:.0f} s", flush=True)

    net = ncmpnet.HcmNet(cfg)
    opt_d = torch.optim.Adam(net.dense_parameters(), lr=args.lr)
    opt_s = torch.optim.SparseAdam(list(net.tables.parameters()),
                                   lr=args.emb_lr)
    gen = np.random.default_rng(args.seed + 1)
    step = 0
    ckpt = os.path.join(args.out, "ckpt.pt")
    if args.resume and os.path.exists(ckpt):
        st = torch.load(ckpt)
        net.load_state_dict(st["net"])
        opt_d.load_state_dict(st["opt_d"])
        opt_s.load_state_dict(st["opt_s"])
        gen.bit_generator.state = st["gen"]
        torch.set_rng_state(st["torch_rng"])
        step = st["step"]
        print(f"resumed at step {step}", flush=True)

    n = len(data["train_tgt"])
    run_bits, run_n, t_last = 0.0, 0, time.time()
    while step < args.steps:
        sel = gen.integers(0, n, args.batch)
        idx = torch.from_numpy(data["train_idx"][sel])
        tgt = torch.from_numpy(data["train_tgt"][sel])
        for o, base in ((opt_d, args.lr), (opt_s, args.emb_lr)):
            for g in o.param_groups:
                g["lr"] = lr_at(step, args.steps, base)
        cost = net(idx, tgt)
        loss = cost.mean()
        opt_d.zero_grad()
        opt_s.zero_grad()
        loss.backward()
        opt_d.step()
        opt_s.step()
        run_bits += loss.item()
        run_n += 1
        step += 1
        if step % 200 == 0 or step == args.steps:
            rate = 200 * args.batch / max(1e-9, time.time() - t_last)
            print(f"step {step}/{args.steps}  train {run_bits / run_n:.3f} "
                  f"bpb  lr {lr_at(step, args.steps, args.lr):.2e}  "
                  f"{rate / 1000:.0f} kB/s", flush=True)
            run_bits, run_n, t_last = 0.0, 0, time.time()
        if step % 2000 == 0 or step == args.steps:
            ev = evaluate(net, data["val"])
            print("val " + "  ".join(f"{k} {v:.3f}" for k, v in ev.items()),
                  flush=True)
            torch.save({"net": net.state_dict(), "config": cfg,
                        "opt_d": opt_d.state_dict(),
                        "opt_s": opt_s.state_dict(), "step": step,
                        "gen": gen.bit_generator.state,
                        "torch_rng": torch.get_rng_state()}, ckpt + ".tmp")
            os.replace(ckpt + ".tmp", ckpt)

    ev = evaluate(net, data["val"])
    meta = {"preset": args.preset, "config": cfg, "seed": args.seed,
            "steps": args.steps, "batch": args.batch, "lr": args.lr,
            "emb_lr": args.emb_lr, "per_class": args.per_class,
            "data": "shared/corpus/train, last 5% of each file held out",
            "data_sha256": corpus_digest(args.corpus),
            "command": "training/train.py " + " ".join(sys.argv[1:]),
            "date": time.strftime("%Y-%m-%d"), "val_bpb": ev,
            "train_seconds": round(time.time() - t0)}
    torch.save({"net": net.state_dict(), "meta": meta},
               os.path.join(args.out, "final.pt"))
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("final " + json.dumps(ev), flush=True)


if __name__ == "__main__":
    main()
