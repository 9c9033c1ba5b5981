# SPDX-License-Identifier: GPL-2.0
"""The ncmp byte model ("hcm": hashed-context MLP with a bitwise head).

One module holds everything the trainer, the exporter and the parity tests
must agree on, so there is exactly one definition of each:

  * the context features (hash functions, bit for bit what lib/model_hcm.c
    computes),
  * the float model with quantisation-aware training (fake int8),
  * the integer reference forward pass (numpy, int64 arithmetic) whose
    outputs the C runtime must reproduce exactly.

Per byte the model reads a few hashed contexts of the preceding bytes,
looks up one int8 embedding row per context, runs one or two int8 layers
with a clipped-ReLU activation (u7, 0..127) and a bitwise head: 255 node
rows, one per node of the binary tree over byte values, so a byte costs
H x 8 MACs in the head.  Node logits are in the "stretch" domain of the
codec's mixer: 1/256 nat, clamped to +-2047.
"""

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

M32 = 0xFFFFFFFF
HASH_MUL = 0x2F0B3A4D
MIX_MUL = 0x2C1B3C6D
WORD_LEN = 8            # word context: up to 8 trailing [A-Za-z0-9_] bytes
SHAPE_LEN = 8           # shape context: the classes of the last 8 bytes
STRETCH_MAX = 2047

# Fixed power-of-two scales (exponents): real value = q / 2**e.
E_EMB = 5               # embeddings, int8: +-3.97
E_W = 7                 # hidden weights, int8: +-0.99
E_ACT = 5               # activations, u7: 0 .. 3.97
E_HEAD = 6              # head weights, int8: +-1.98
E_OUT = 8               # node logits: 1/256 nat


def default_config():
    return {
        "orders": [1, 2, 3, 4, 6, "w", "s"],
        "table_bits": 14,
        "emb": 16,
        "hidden": [64],
    }


def _mix(h):
    h = h ^ (h >> np.uint32(15))
    h = (h * np.uint32(MIX_MUL)) & np.uint32(M32)
    h = h ^ (h >> np.uint32(12))
    return h


def _isword(b):
    return (((b >= 48) & (b <= 57)) | ((b >= 65) & (b <= 90)) |
            ((b >= 97) & (b <= 122)) | (b == 95))


def _shape(b):
    """Class of each byte: digit, a-f, g-z, A-F, G-Z (256 + 1..5), or the
    byte itself; lib/model_hcm.c shape_class() is the same."""
    return np.select([(b >= 48) & (b <= 57), (b >= 97) & (b <= 102),
                      (b >= 103) & (b <= 122), (b >= 65) & (b <= 70),
                      (b >= 71) & (b <= 90)],
                     [257, 258, 259, 260, 261], b).astype(np.uint32)


def features(data, cfg):
    """Row indices [n, nfeat] (int64) of each position's contexts.

    data: uint8 array of one independent stream; bytes before its start
    count as 0, as at the start of a block in the codec.
    """
    n = len(data)
    pad = 8
    b = np.zeros(n + pad, dtype=np.uint32)
    b[pad:] = data
    bits = np.uint32(32 - cfg["table_bits"])
    cols = []
    for k, order in enumerate(cfg["orders"]):
        if order == 1:
            cols.append(b[pad - 1:pad - 1 + n].astype(np.int64))
            continue
        h = np.full(n, (k + 1) * 0x9E3779B1 & M32, dtype=np.uint32)
        if order == "s":
            for i in range(SHAPE_LEN):
                c = _shape(b[pad - 1 - i:pad - 1 - i + n])
                h = ((h + c + np.uint32(1)) * np.uint32(HASH_MUL)) & np.uint32(M32)
        elif order == "w":
            alive = np.ones(n, dtype=bool)
            for i in range(WORD_LEN):
                c = b[pad - 1 - i:pad - 1 - i + n]
                alive &= _isword(c)
                nh = ((h + c + np.uint32(1)) * np.uint32(HASH_MUL)) & np.uint32(M32)
                h = np.where(alive, nh, h)
        else:
            for i in range(order):
                c = b[pad - 1 - i:pad - 1 - i + n]
                h = ((h + c + np.uint32(1)) * np.uint32(HASH_MUL)) & np.uint32(M32)
        cols.append((_mix(h) >> bits).astype(np.int64))
    return np.stack(cols, axis=1)


def table_rows(cfg):
    return [256 if o == 1 else 1 << cfg["table_bits"] for o in cfg["orders"]]


class FakeQuant(torch.autograd.Function):
    """Round to a q / 2**e grid in [lo, hi]; straight-through gradient."""

    @staticmethod
    def forward(ctx, x, e, lo, hi):
        s = float(1 << e)
        return torch.clamp(torch.round(x * s), lo, hi) / s

    @staticmethod
    def backward(ctx, g):
        return g, None, None, None


def fq(x, e, lo=-127, hi=127):
    return FakeQuant.apply(x, e, lo, hi)


class HcmNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        e = cfg["emb"]
        self.tables = nn.ModuleList(
            nn.Embedding(r, e, sparse=True) for r in table_rows(cfg))
        for t in self.tables:
            nn.init.normal_(t.weight, 0.0, 0.3)
        dims = [e * len(cfg["orders"])] + list(cfg["hidden"])
        self.layers = nn.ModuleList(
            nn.Linear(dims[i], dims[i + 1]) for i in range(len(dims) - 1))
        for i, layer in enumerate(self.layers):
            nn.init.normal_(layer.weight, 0.0, 0.5 / dims[i] ** 0.5)
            nn.init.zeros_(layer.bias)
        self.head_w = nn.Parameter(torch.randn(256, dims[-1]) * 0.05)
        self.head_b = nn.Parameter(torch.zeros(256))

    def dense_parameters(self):
        return [p for n, p in self.named_parameters()
                if not n.startswith("tables.")]

    def trunk(self, idx):
        x = torch.cat([fq(t(idx[:, i]), E_EMB)
                       for i, t in enumerate(self.tables)], dim=1)
        for layer in self.layers:
            w = fq(layer.weight, E_W)
            x = F.linear(x, w, layer.bias)
            x = fq(F.relu(x), E_ACT, 0, 127)
        return x

    def forward(self, idx, target):
        """Bits of coding cost per position (float, for the loss)."""
        h = self.trunk(idx)
        hw = fq(self.head_w, E_HEAD)
        node = torch.ones_like(target)
        cost = torch.zeros(len(target), device=h.device)
        for i in range(8):
            bit = (target >> (7 - i)) & 1
            logit = (h * hw[node]).sum(1) + self.head_b[node]
            logit = torch.clamp(logit, -STRETCH_MAX / 256, STRETCH_MAX / 256)
            cost = cost + F.binary_cross_entropy_with_logits(
                logit, bit.float(), reduction="none")
            node = node * 2 + bit
        return cost / np.log(2.0)


def quantise(net):
    """Integer tensors of a trained net, in the exported layout."""
    def q(t, e, lo=-127, hi=127):
        return np.clip(np.round(t.detach().numpy().astype(np.float64) *
                                (1 << e)), lo, hi).astype(np.int64)

    out = {"tables": [q(t.weight, E_EMB) for t in net.tables], "layers": []}
    e_in = E_EMB
    for layer in net.layers:
        out["layers"].append({
            "w": q(layer.weight, E_W),
            "b": np.round(layer.bias.detach().numpy().astype(np.float64) *
                          (1 << (e_in + E_W))).astype(np.int64),
            "shift": e_in + E_W - E_ACT,
        })
        e_in = E_ACT
    out["head_w"] = q(net.head_w, E_HEAD)
    out["head_b"] = np.round(net.head_b.detach().numpy().astype(np.float64) *
                             (1 << (E_ACT + E_HEAD))).astype(np.int64)
    out["head_shift"] = E_ACT + E_HEAD - E_OUT
    return out


def rshift_round(acc, s):
    """Round-half-up arithmetic right shift, as the C runtime does it."""
    return (acc + (1 << (s - 1))) >> s


def int_trunk(qm, idx):
    """Integer forward of the trunk; returns every layer's output."""
    x = np.concatenate([qm["tables"][i][idx[:, i]]
                        for i in range(idx.shape[1])], axis=1)
    outs = [x]
    for layer in qm["layers"]:
        acc = x @ layer["w"].T + layer["b"]
        x = np.clip(rshift_round(acc, layer["shift"]), 0, 127)
        outs.append(x)
    return outs


def int_node_logit(qm, h, node):
    acc = (h * qm["head_w"][node]).sum(-1) + qm["head_b"][node]
    return np.clip(rshift_round(acc, qm["head_shift"]),
                   -STRETCH_MAX, STRETCH_MAX)


# 4096 / (1 + e^(-x/256)) at x = -2048, -1920, ..., 2048: lib/model_hcm.c.
SQUASH_PTS = [1, 2, 4, 6, 10, 17, 27, 45, 74, 120, 194, 311, 488, 747, 1102,
              1546, 2048, 2550, 2994, 3349, 3608, 3785, 3902, 3976, 4022,
              4051, 4069, 4079, 4086, 4090, 4092, 4094, 4095]


def squash(d):
    """P(1) in 12 bits of a stretch-domain logit, by integer interpolation."""
    d = max(-STRETCH_MAX, min(STRETCH_MAX, int(d)))
    w = d & 127
    i = (d >> 7) + 16
    return (SQUASH_PTS[i] * (128 - w) + SQUASH_PTS[i + 1] * w + 64) >> 7


def int_path_logits(qm, h, data):
    """Node logits along each byte's path, [n, 8]."""
    node = np.ones(len(data), dtype=np.int64)
    out = []
    for i in range(8):
        out.append(int_node_logit(qm, h, node))
        node = node * 2 + ((data.astype(np.int64) >> (7 - i)) & 1)
    return np.stack(out, axis=1)
