"""stio.py - a small, independent safetensors reader/writer (numpy only) and the
PyTorch LeNet-5 used as the reference in tests/suite_weights.sh, suite_train.sh and
suite_embed.sh.

The safetensors format (https://github.com/huggingface/safetensors):
  8 bytes   little-endian u64 N = header length
  N bytes   JSON object {name: {"dtype": "F32"|"F64"|..., "shape": [...],
            "data_offsets": [begin, end]}, "__metadata__": {str: str}}
  rest      raw little-endian tensor data; offsets are relative to its start
"""
import gzip
import json
import struct

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I32": "<i4", "I64": "<i8", "U8": "u1"}


def write(path, tensors, metadata=None, header_override=None, pad=True):
    """tensors: list of (name, ndarray) in file order. header_override(dict) may
    mutate the header dict before it is serialized (for corruption tests)."""
    header, blobs, off = {}, [], 0
    for name, a in tensors:
        a = np.asarray(a)
        code = {np.dtype("float32"): "F32", np.dtype("float64"): "F64",
                np.dtype("int64"): "I64"}[a.dtype]
        raw = a.astype(DTYPES[code]).tobytes()
        header[name] = {"dtype": code, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if metadata is not None:
        header["__metadata__"] = metadata
    if header_override:
        header_override(header)
    h = json.dumps(header).encode() if not isinstance(header, bytes) else header
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read(path):
    """Returns (dict name -> ndarray, metadata). Checks the layout strictly."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert 8 + n <= len(data), "header length beyond file"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", None)
    body = data[8 + n:]
    out, spans = {}, []
    for name, info in header.items():
        b, e = info["data_offsets"]
        dt = np.dtype(DTYPES[info["dtype"]])
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        assert e - b == count * dt.itemsize, name + ": offsets do not match shape"
        assert e <= len(body), name + ": data beyond file"
        out[name] = np.frombuffer(body[b:e], dtype=dt).reshape(info["shape"]).astype(dt.newbyteorder("="))
        spans.append((b, e))
    spans.sort()
    pos = 0
    for b, e in spans:
        assert b == pos, "data not contiguous"
        pos = e
    assert pos == len(body), "trailing data"
    return out, meta


def read_idx(path):
    """An IDX (MNIST-format) file, gzip or plain, as a numpy array."""
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        data = f.read()
    assert data[0] == 0 and data[1] == 0 and data[2] == 8, "only ubyte IDX"
    nd = data[3]
    dims = struct.unpack(">" + "I" * nd, data[4:4 + 4 * nd])
    return np.frombuffer(data[4 + 4 * nd:], dtype=np.uint8).reshape(dims)


def write_idx(path, arr):
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    with open(path, "wb") as f:
        f.write(bytes([0, 0, 8, arr.ndim]))
        f.write(struct.pack(">" + "I" * arr.ndim, *arr.shape))
        f.write(arr.tobytes())


def lenet5(dtype=None):
    """LeNet-5 as in specs/lenet5.yaml, built independently of cnngen."""
    import torch
    import torch.nn as nn

    class LeNet5(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            r = torch.relu
            x = nn.functional.max_pool2d(r(self.conv1(x)), 2)
            x = nn.functional.max_pool2d(r(self.conv2(x)), 2)
            x = torch.flatten(x, 1)
            return self.fc3(r(self.fc2(r(self.fc1(x)))))

    m = LeNet5()
    if dtype is not None:
        m = m.to(dtype)
    return m


def pad32(images):
    """uint8 [N,28,28] -> float [N,1,32,32] in [0,1], zero-padded by 2 on each side."""
    x = np.zeros((images.shape[0], 1, 32, 32), dtype=np.float32)
    x[:, 0, 2:30, 2:30] = images / np.float32(255.0)
    return x
