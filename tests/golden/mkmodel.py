#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write an ncmp model file (docs/FORMAT.md, "Model file") without tensors.

    mkmodel.py OUT ARCH [param:KEY=VALUE ...] [meta:KEY=VALUE ...]

Used to make the built-in o2mix model (see lib/lib.mk, builtin-model) and
test models; the trainer has its own exporter for models with weights.
"""
import struct
import sys
import zlib


def section(tag, payload):
    pad = (8 - len(payload) % 8) % 8
    return tag + struct.pack('<I', len(payload)) + payload + b'\0' * pad


def main(argv):
    out, arch = argv[1], argv[2]
    params, meta = [], []
    for a in argv[3:]:
        kind, kv = a.split(':', 1)
        (params if kind == 'param' else meta).append(kv)
    secs = [section(b'ARCH', arch.encode())]
    if params:
        secs.append(section(b'PARM', ''.join(p + '\n' for p in params).encode()))
    if meta:
        secs.append(section(b'META', ''.join(m + '\n' for m in meta).encode()))
    body = b''.join(secs)
    total = 16 + len(body) + 4
    data = b'NCMM' + struct.pack('<HHII', 1, 0, total, len(secs)) + body
    data += struct.pack('<I', zlib.crc32(data))
    with open(out, 'wb') as f:
        f.write(data)


if __name__ == '__main__':
    main(sys.argv)
