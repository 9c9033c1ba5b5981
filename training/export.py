#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Export a trained ncmp model (OUT/final.pt or OUT/ckpt.pt of train.py).

  /usr/bin/python3 training/export.py build/train/default models/default.ncmm
"""

import argparse
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ncmpnet  # noqa: E402

NIN = 16            # mixer inputs, padded (HCM_NIN in lib/model_hcm.h)
ORDER_CODE = {"w": 0}


def mix_init(n_ctx):
    """Initial mixer weights (16.16): network, order 0, contexts, match."""
    w = [int(0.75 * 65536), int(0.05 * 65536)]
    w += [int(0.12 * 65536)] * (n_ctx + 2)
    w += [int(0.25 * 65536), 0]
    return w + [0] * (NIN - len(w))


def load(path):
    name = path if path.endswith(".pt") else os.path.join(path, "final.pt")
    if not os.path.exists(name):
        name = os.path.join(path, "ckpt.pt")
    st = torch.load(name)
    meta = st.get("meta", {})
    cfg = meta.get("config")
    if cfg is None:
        import train
        cfg = train.PRESETS[st.get("preset", "default")]
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
    out.append(struct.pack("<%di" % NIN, *mix_init(len(orders))))
    for t in qm["tables"]:
        out.append(t.astype(np.int8).tobytes())
    for ly in qm["layers"]:
        out.append(ly["w"].astype(np.int8).tobytes())
        out.append(ly["b"].astype("<i4").tobytes())
    out.append(qm["head_w"].astype(np.int8).tobytes())
    out.append(qm["head_b"].astype("<i4").tobytes())
    with open(path, "wb") as f:
        f.write(b"".join(out))


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


if __name__ == "__main__":
    main()
