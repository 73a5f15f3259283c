"""check_weights.py - the checks of tests/suite_weights.sh.

usage: check_weights.py ST_CHECK_F32 ST_CHECK_F64 WORKDIR
ST_CHECK_*: tests/weights/st_check.c built with the generated LeNet-5 (float32 and
float64). PyTorch (an independent LeNet-5, stio.lenet5) is the reference; the file
format is written and read by stio.py, not by cnngen. Prints PASS/FAIL lines.
"""
import json
import os
import struct
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stio  # noqa: E402

ST32, ST64, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
ORDER = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
         "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]
FMNIST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
failures = 0


def report(name, ok, why=""):
    global failures
    if ok:
        print("PASS " + name)
    else:
        failures += 1
        print("FAIL %s: %s" % (name, why))
    sys.stdout.flush()


def run(args):
    p = subprocess.run(args, capture_output=True, text=True)
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def path(name):
    return os.path.join(WORK, name)


def torch_model(dtype, seed):
    torch.manual_seed(seed)
    m = stio.lenet5(dtype)
    with torch.no_grad():   # non-zero biases, so a bias mix-up cannot go unnoticed
        for name, p in m.named_parameters():
            if name.endswith("bias"):
                p.uniform_(-0.3, 0.3)
    return m


def inputs(dtype, n=24):
    if os.path.exists(FMNIST):
        x = stio.pad32(stio.read_idx(FMNIST)[:n])
    else:   # random images in [0, 1]
        x = np.random.RandomState(0).rand(n, 1, 32, 32).astype(np.float32)
    return x.astype(dtype)


def state(m):
    return [(k, v.detach().numpy()) for k, v in m.state_dict().items()]


def torch_to_c(st, dtype, tdtype, tol):
    """PyTorch weights -> safetensors (our writer, tensors in reverse order) -> C forward."""
    name = "torch_to_c_" + np.dtype(dtype).name
    m = torch_model(tdtype, 1)
    w = path(name + ".safetensors")
    stio.write(w, list(reversed(state(m))), metadata={"format": "pt"})
    x = inputs(dtype)
    x.tofile(path(name + ".in"))
    rc, out, err = run([st, "forward", w, path(name + ".in"), path(name + ".out")])
    if rc != 0:
        return report(name, False, "st_check forward failed: " + err)
    y = np.fromfile(path(name + ".out"), dtype=dtype).reshape(len(x), 10)
    with torch.no_grad():
        ref = torch.softmax(m(torch.tensor(x)), 1).numpy()
    d = np.abs(y - ref).max()
    same = (y.argmax(1) == ref.argmax(1)).all()
    report(name, d < tol and same,
           "max |C - PyTorch| = %g (tol %g), argmax equal: %s" % (d, tol, same))


def c_to_torch(st, dtype, tdtype, tol):
    """C init + save -> our reader: same values; -> PyTorch load_state_dict(strict) ->
    same outputs as the C forward pass."""
    name = "c_to_torch_" + np.dtype(dtype).name
    w, flat = path(name + ".safetensors"), path(name + ".flat")
    rc, out, err = run([st, "save", "7", w, flat])
    if rc != 0:
        return report(name, False, "st_check save failed: " + err)
    try:
        tensors, meta = stio.read(w)
    except Exception as e:  # noqa: BLE001
        return report(name, False, "our reader rejects the C file: %r" % e)
    ref = np.fromfile(flat, dtype=dtype)
    got = np.concatenate([tensors[k].reshape(-1) for k in ORDER])
    if sorted(tensors) != sorted(ORDER) or not np.array_equal(got, ref):
        return report(name, False, "tensor names or values differ from P_params")
    if any(tensors[k].dtype != np.dtype(dtype) for k in ORDER):
        return report(name, False, "dtype is not %s" % np.dtype(dtype).name)
    m = stio.lenet5(tdtype)
    m.load_state_dict({k: torch.tensor(v) for k, v in tensors.items()}, strict=True)
    x = inputs(dtype)
    x.tofile(path(name + ".in"))
    rc, out, err = run([st, "forward", w, path(name + ".in"), path(name + ".out")])
    if rc != 0:
        return report(name, False, "st_check forward failed: " + err)
    y = np.fromfile(path(name + ".out"), dtype=dtype).reshape(len(x), 10)
    with torch.no_grad():
        r = torch.softmax(m(torch.tensor(x)), 1).numpy()
    d = np.abs(y - r).max()
    report(name, d < tol, "max |C - PyTorch| = %g (tol %g), metadata %r" % (d, tol, meta))


def roundtrip(st, dtype):
    name = "roundtrip_" + np.dtype(dtype).name
    rc, out, err = run([st, "roundtrip", "3", path(name + ".safetensors")])
    report(name, rc == 0, err)


# ---------------------------------------------------------------- corruption

def raw_file(header, body, pad=True, hlen=None):
    h = json.dumps(header).encode() if isinstance(header, dict) else header
    if pad:
        h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h) if hlen is None else hlen) + h + body


def good_parts(dtype="<f4"):
    m = torch_model(torch.float32, 2)
    header, body, off = {}, b"", 0
    for k, v in state(m):
        raw = v.astype(dtype).tobytes()
        header[k] = {"dtype": "F32" if dtype == "<f4" else "F64", "shape": list(v.shape),
                     "data_offsets": [off, off + len(raw)]}
        body += raw
        off += len(raw)
    return header, body


def corrupt_cases():
    cases = []   # (name, bytes, substrings the message must contain)
    h, b = good_parts()
    good = raw_file(h, b)
    cases.append(("truncated", good[:-100], ["fc3.", "truncated"]))
    cases.append(("truncated_in_header", good[:40], ["beyond the end of the file"]))
    cases.append(("shorter_than_8", good[:5], ["truncated"]))
    cases.append(("empty", b"", ["truncated"]))

    def edit(fn, **kw):
        hh, bb = good_parts()
        hh = json.loads(json.dumps(hh))
        r = fn(hh, bb)
        return raw_file(r[0], r[1], **kw) if isinstance(r, tuple) else raw_file(hh, bb, **kw)

    def wrong_shape(hh, bb):
        hh["fc1.weight"]["shape"] = [400, 120]   # same size, transposed
    cases.append(("wrong_shape", edit(wrong_shape), ["fc1.weight", "shape", "[120, 400]"]))

    def wrong_rank(hh, bb):
        hh["conv1.weight"]["shape"] = [6, 25]
    cases.append(("wrong_rank", edit(wrong_rank), ["conv1.weight", "shape"]))

    hd, bd = good_parts("<f8")
    cases.append(("wrong_dtype_f64", raw_file(hd, bd), ["conv1.weight", "F64", "F32"]))

    def f16(hh, bb):
        hh["fc2.bias"]["dtype"] = "F16"
    cases.append(("wrong_dtype_f16", edit(f16), ["fc2.bias", "F16"]))

    def unknown_dtype(hh, bb):
        hh["fc2.bias"]["dtype"] = "Q7"
    cases.append(("unknown_dtype", edit(unknown_dtype), ["fc2.bias", "Q7"]))

    def missing(hh, bb):
        n = hh["fc3.bias"]["data_offsets"]
        del hh["fc3.bias"]
        return hh, bb[:n[0]]
    cases.append(("missing_tensor", edit(missing), ["fc3.bias", "missing"]))

    def extra(hh, bb):
        end = len(bb)
        hh["fc4.weight"] = {"dtype": "F32", "shape": [2], "data_offsets": [end, end + 8]}
        return hh, bb + b"\0" * 8
    cases.append(("extra_tensor", edit(extra), ["fc4.weight"]))

    def overlap(hh, bb):
        hh["conv1.bias"]["data_offsets"] = [0, 24]   # inside conv1.weight
    cases.append(("offsets_overlap", edit(overlap), ["conv1", "overlap"]))

    def out_of_range(hh, bb):
        e = hh["fc3.bias"]["data_offsets"]
        hh["fc3.bias"]["data_offsets"] = [e[0] + 1000, e[1] + 1000]
    cases.append(("offsets_out_of_range", edit(out_of_range), ["fc3.bias", "beyond"]))

    def size_mismatch(hh, bb):
        hh["fc2.bias"]["data_offsets"][1] -= 4
    cases.append(("offsets_wrong_size", edit(size_mismatch), ["fc2.bias", "data_offsets"]))

    def reversed_offsets(hh, bb):
        o = hh["fc2.bias"]["data_offsets"]
        hh["fc2.bias"]["data_offsets"] = [o[1], o[0]]
    cases.append(("offsets_reversed", edit(reversed_offsets), ["fc2.bias"]))

    cases.append(("trailing_data", good + b"\0" * 16, ["after the last tensor"]))
    cases.append(("header_length_beyond_file", raw_file(h, b, hlen=len(good) * 2),
                  ["beyond the end of the file"]))
    cases.append(("header_length_huge", raw_file(h, b, hlen=(1 << 63)),
                  ["beyond the end of the file"]))

    js = json.dumps(h).encode()
    cases.append(("bad_json_truncated_object", raw_file(js[:-1], b), ["bad JSON"]))
    cases.append(("bad_json_trailing_comma", raw_file(js[:-1] + b",}", b), ["bad JSON"]))
    cases.append(("bad_json_single_quotes", raw_file(js.replace(b'"dtype"', b"'dtype'", 1), b),
                  ["bad JSON"]))
    cases.append(("bad_json_garbage_after", raw_file(js + b"x", b), ["bad JSON"]))
    cases.append(("bad_json_not_object", raw_file(b"[1, 2]", b), ["bad JSON"]))
    cases.append(("bad_json_nul_byte", raw_file(js[:20] + b"\0" + js[21:], b), ["NUL"]))
    cases.append(("bad_json_unterminated_string",
                  raw_file(js[:js.index(b"conv1.weight") + 3], b), ["bad JSON"]))
    cases.append(("bad_json_negative", raw_file(js.replace(b"[6, 1, 5, 5]", b"[-6, 1, 5, 5]", 1), b),
                  ["bad JSON"]))
    cases.append(("bad_json_float_shape", raw_file(js.replace(b"[6, 1, 5, 5]", b"[6.0, 1, 5, 5]", 1), b),
                  ["bad JSON"]))
    dup = js[:-1] + b', "fc1.bias": ' + json.dumps(h["fc1.bias"]).encode() + b"}"
    cases.append(("bad_json_duplicate_tensor", raw_file(dup, b), ["fc1.bias", "twice"]))
    cases.append(("bad_json_unknown_key",
                  raw_file(js.replace(b'"dtype"', b'"dtpye"', 1), b), ["dtpye"]))
    cases.append(("bad_json_metadata_not_string",
                  raw_file(js[:-1] + b', "__metadata__": {"a": 1}}', b), ["__metadata__"]))
    return cases


def corruption(st, cases):
    for name, data, must in cases:
        f = path("bad_" + name + ".safetensors")
        with open(f, "wb") as fh:
            fh.write(data)
        rc, out, err = run([st, "reject", f])
        if rc != 0:
            report("reject_" + name, False, err or out)
            continue
        missing = [s for s in must if s not in out]
        report("reject_" + name, not missing,
               "message %r lacks %r" % (out, missing))


def accepts_variants(st):
    """Valid files the loader must accept: no metadata, no padding, escapes in JSON."""
    h, b = good_parts()
    variants = [("no_metadata_no_padding", raw_file(h, b, pad=False))]
    js = json.dumps(dict(h, __metadata__={"format": "pt", "note": "caf\u00e9 \"q\""}),
                    ensure_ascii=True, indent=1).encode()
    variants.append(("metadata_escapes_whitespace", raw_file(js, b)))
    for name, data in variants:
        f = path("ok_" + name + ".safetensors")
        with open(f, "wb") as fh:
            fh.write(data)
        rc, out, err = run([st, "forward", f, path("torch_to_c_float32.in"), path("ok.out")])
        report("accept_" + name, rc == 0, err)


torch.set_num_threads(1)
torch_to_c(ST32, np.float32, torch.float32, 2e-5)
torch_to_c(ST64, np.float64, torch.float64, 1e-12)
c_to_torch(ST32, np.float32, torch.float32, 2e-5)
c_to_torch(ST64, np.float64, torch.float64, 1e-12)
roundtrip(ST32, np.float32)
roundtrip(ST64, np.float64)
accepts_variants(ST32)
corruption(ST32, corrupt_cases())
sys.exit(1 if failures else 0)
