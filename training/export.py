#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Export a trained ncmp model (OUT/final.pt or OUT/ckpt.pt of train.py).

  /usr/bin/python3 training/export.py build/train/default models/default.ncmm

writes the model file (docs/FORMAT.md, "Model file"; architecture "hcm",
docs/MODEL.md) and, beside it, MODEL.vec: parity vectors from the integer
reference (training/ncmpnet.py) that tests/check_model_hcm.c compares the
C runtime with, value for value.
"""

import argparse
import os
import struct
import sys
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ncmpnet  # noqa: E402

NIN = 16            # mixer inputs, padded (HCM_NIN in lib/model_hcm.h)
EXTRA = 4           # adaptive contexts beyond the net's (HCM_EXTRA)
STAGE = 2           # the adaptive stage mix.init is for (HCM_STAGE)
ORDER_CODE = {"w": 0, "s": 9}


def adapt_count(orders):
    """Adaptive contexts: the net's up to order 4, w and s (has_counters()
    in lib/model_hcm.c), and the extra ones."""
    return sum(1 for o in orders if o in ("w", "s") or o <= 4) + EXTRA


def mix_init(orders):
    """Initial mixer weights (16.16): network, order 0, contexts, match."""
    w = [int(0.75 * 65536), int(0.05 * 65536)]
    w += [int(0.12 * 65536)] * adapt_count(orders)
    w += [int(0.25 * 65536), 0]
    return w + [0] * (NIN - len(w))


def load(path):
    name = path if path.endswith(".pt") else os.path.join(path, "final.pt")
    if not os.path.exists(name):
        name = os.path.join(path, "ckpt.pt")
    st = torch.load(name)
    meta = st.get("meta", {})
    cfg = meta.get("config", st.get("config"))
    net = ncmpnet.HcmNet(cfg)
    net.load_state_dict(st["net"])
    return net, cfg, meta


def write_raw(path, cfg, qm):
    orders = [ORDER_CODE.get(o, o) for o in cfg["orders"]]
    out = [b"HCMR", struct.pack("<I", len(orders))]
    out += [struct.pack("<I", o) for o in orders]
    out.append(struct.pack("<III", cfg["table_bits"], cfg["emb"],
                           len(qm["layers"])))
    for ly in qm["layers"]:
        out.append(struct.pack("<III", ly["w"].shape[1], ly["w"].shape[0],
                               ly["shift"]))
    out.append(struct.pack("<I", qm["head_shift"]))
    out.append(struct.pack("<%di" % NIN, *mix_init(cfg["orders"])))
    for t in qm["tables"]:
        out.append(t.astype(np.int8).tobytes())
    for ly in qm["layers"]:
        out.append(ly["w"].astype(np.int8).tobytes())
        out.append(ly["b"].astype("<i4").tobytes())
    out.append(qm["head_w"].astype(np.int8).tobytes())
    out.append(qm["head_b"].astype("<i4").tobytes())
    with open(path, "wb") as f:
        f.write(b"".join(out))


TYPE_I8, TYPE_I32 = 1, 4
ADAPT_BITS = 18     # log2 of the counters per adaptive context
PROB_BITS = 12
VEC_TEXT = (b'{"type": "Feature", "id": "NMEA", "msg": "$GPGGA,123519,4807.038,N'
            b',01131.000,E*47"}\nJan 12 06:25:01 host CRON[2201]: (root) CMD '
            b'(run-parts)\n\x00\x01\xb5b\x01\x07\\\x00int main(void)\n')


def section(tag, data):
    pad = (8 - len(data) % 8) % 8
    return tag + struct.pack("<I", len(data)) + data + b"\0" * pad


def tensor(name, arr, ttype, shift):
    arr = np.asarray(arr)
    dims = list(arr.shape) + [1] * (4 - arr.ndim)
    hdr = name.encode().ljust(32, b"\0")
    hdr += struct.pack("<BBBBi4I", ttype, arr.ndim, shift, 0, 1, *dims)
    dt = np.int8 if ttype == TYPE_I8 else "<i4"
    return section(b"TNSR", hdr + arr.astype(dt).tobytes())


def kv(d):
    return "".join(f"{k}={v}\n" for k, v in d.items()).encode()


def model_file(cfg, qm, meta):
    orders = ",".join(str(o) for o in cfg["orders"])
    parm = {"prob_bits": PROB_BITS, "orders": orders,
            "table_bits": cfg["table_bits"], "emb": cfg["emb"],
            "layers": len(qm["layers"]), "adapt_bits": ADAPT_BITS,
            "stage": STAGE}
    for i, ly in enumerate(qm["layers"]):
        parm[f"shift{i}"] = ly["shift"]
    parm["head_shift"] = qm["head_shift"]
    secs = [section(b"ARCH", b"hcm"), section(b"PARM", kv(parm)),
            section(b"META", kv(meta))]
    for i, t in enumerate(qm["tables"]):
        secs.append(tensor(f"emb.{i}", t, TYPE_I8, ncmpnet.E_EMB))
    for i, ly in enumerate(qm["layers"]):
        e_in = ncmpnet.E_EMB if i == 0 else ncmpnet.E_ACT
        secs.append(tensor(f"fc.{i}.w", ly["w"], TYPE_I8, ncmpnet.E_W))
        secs.append(tensor(f"fc.{i}.b", ly["b"], TYPE_I32,
                           e_in + ncmpnet.E_W))
    secs.append(tensor("head.w", qm["head_w"], TYPE_I8, ncmpnet.E_HEAD))
    secs.append(tensor("head.b", qm["head_b"], TYPE_I32,
                       ncmpnet.E_ACT + ncmpnet.E_HEAD))
    secs.append(tensor("mix.init", np.array(mix_init(cfg["orders"])),
                       TYPE_I32, 16))
    body = b"".join(secs)
    total = 16 + len(body) + 4
    head = b"NCMM" + struct.pack("<HHII", 1, 0, total, len(secs))
    data = head + body
    return data + struct.pack("<I", zlib.crc32(data))


def parity_vectors(cfg, qm, data):
    """Text vectors: per position, every layer's output, the node logits
    along the byte's path and their probabilities (squash)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    idx = ncmpnet.features(arr, cfg)
    outs = ncmpnet.int_trunk(qm, idx)
    logits = ncmpnet.int_path_logits(qm, outs[-1], arr)
    lines = ["hcm-parity 1", "input " + data.hex(),
             "layers %d" % len(outs)]
    for t in range(len(arr)):
        for k, o in enumerate(outs):
            lines.append("l%d %s" % (k, " ".join(map(str, o[t]))))
        lines.append("n " + " ".join(map(str, logits[t])))
        lines.append("p " + " ".join(str(ncmpnet.squash(v))
                                     for v in logits[t]))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("run")
    ap.add_argument("out")
    ap.add_argument("--raw", action="store_true",
                    help="research format for training/eval/hcm_eval")
    args = ap.parse_args()
    net, cfg, meta = load(args.run)
    qm = ncmpnet.quantise(net)
    if args.raw:
        write_raw(args.out, cfg, qm)
        return
    info = {"preset": meta.get("preset", ""), "seed": meta.get("seed", ""),
            "steps": meta.get("steps", ""), "date": meta.get("date", ""),
            "training_data": meta.get("data", ""),
            "training_data_sha256": meta.get("data_sha256", ""),
            "training_seconds": meta.get("train_seconds", ""),
            "command": meta.get("command", "")}
    for k, v in meta.get("val_bpb", {}).items():
        info["val_bpb." + k] = "%.4f" % v
    info["hidden"] = ",".join(map(str, cfg["hidden"]))
    with open(args.out, "wb") as f:
        f.write(model_file(cfg, qm, info))
    with open(os.path.splitext(args.out)[0] + ".vec", "w") as f:
        f.write(parity_vectors(cfg, qm, VEC_TEXT))


if __name__ == "__main__":
    main()
