"""check_onnx_nodes.py - ONNX's own pooling node test cases against the generated C.

ONNX ships, with its backend test suite, the cases every ONNX runtime is checked
on: for each node a model, inputs and the expected outputs, computed by ONNX's numpy
reference (onnx/backend/test/case/node/{maxpool,averagepool}.py and
pool_op_common.py). Debian's python3-onnx has the case generators but not the stored
data, so this script runs the generators with `expect` captured, turns each 2-D
MaxPool / AveragePool node into a one-layer cnngen spec (kernel_shape, strides, pads
or auto_pad, ceil_mode, count_include_pad) and compares the generated C's forward
(tests/tools/netdriver.c) with ONNX's expected output (float32, 1e-5 relative).

Cases that cnngen cannot express (1-D or 3-D pooling, dilations, uint8, a second
output, storage_order) are listed as not applicable, never counted as passed.

    python3 check_onnx_nodes.py CNNGEN WORKDIR
Prints PASS/FAIL lines; exits 1 on any failure.
"""
import os
import subprocess
import sys

import numpy as np

try:
    import onnx  # noqa: F401
    from onnx.backend.test.case.node import averagepool, maxpool
except ImportError as exc:  # the caller says SKIP
    print("SKIP onnx-nodes: cannot import onnx's backend test cases (%s)" % exc)
    sys.exit(0)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DRIVER = os.path.join(ROOT, "tests", "tools", "netdriver.c")


def capture(module):
    """Every (name, node, inputs, outputs) the module's export functions produce."""
    got = []

    def expect(node, inputs, outputs, name, **kw):
        got.append((name, node, inputs, outputs))

    module.expect = expect
    for cls_name in dir(module):
        cls = getattr(module, cls_name)
        if not isinstance(cls, type):
            continue
        for fn in sorted(dir(cls)):
            if fn.startswith("export"):
                np.random.seed(0)
                getattr(cls, fn)()
    return got


def spec_of(name, node, x):
    """The cnngen spec text for a 2-D pooling node, or (None, why)."""
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    if x.ndim != 4:
        return None, "%d-D input" % (x.ndim - 2)
    if x.dtype != np.float32:
        return None, "dtype %s" % x.dtype
    if len(node.output) != 1:
        return None, "a second output (argmax indices)"
    if any(d != 1 for d in attrs.get("dilations", [1, 1])):
        return None, "dilations"
    if attrs.get("storage_order", 0):
        return None, "storage_order"
    k = list(attrs["kernel_shape"])
    s = list(attrs.get("strides", [1, 1]))
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto == "SAME_UPPER":
        pad = "same"
    elif auto == "SAME_LOWER":
        pad = "same_lower"
    elif auto == "VALID":
        pad = "valid"
    else:
        p = list(attrs.get("pads", [0, 0, 0, 0]))   # x1_begin, x2_begin, x1_end, x2_end
        pad = "[%d, %d, %d, %d]" % (p[0], p[1], p[2], p[3])
    kind = "maxpool" if node.op_type == "MaxPool" else "avgpool"
    fields = "size: [%d, %d], stride: [%d, %d], padding: %s" % (k[0], k[1], s[0], s[1], pad)
    if attrs.get("ceil_mode", 0):
        fields += ", ceil_mode: true"
    if kind == "avgpool":
        fields += ", count_include_pad: %s" % ("true" if attrs.get("count_include_pad", 0) else "false")
    return ("name: onnx_node\ndtype: float32\n"
            "input: {channels: %d, height: %d, width: %d}\n"
            "layers:\n  - {type: %s, %s}\n" % (x.shape[1], x.shape[2], x.shape[3], kind, fields)), None


def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, **kw)


def check(cnngen, work, name, spec, x, y):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "net.yaml")
    with open(path, "w") as f:
        f.write(spec)
    p = run([cnngen, path, "-o", os.path.join(d, "net.c")])
    if p.returncode:
        return "cnngen refused it: " + (p.stderr.strip().splitlines() or ["?"])[0]
    flags = run([cnngen, "--cflags"]).stdout.split() + run([cnngen, "--libs"]).stdout.split()
    exe = os.path.join(d, "drv")
    p = run(["cc", "-O1", "-std=c99", "-I", d, "-DMODEL=onnx_node_model", DRIVER,
             os.path.join(d, "net.c"), "-o", exe] + flags + ["-lm"])
    if p.returncode:
        return "compiling failed: " + (p.stderr.strip().splitlines() or ["?"])[0]
    open(os.path.join(d, "params.bin"), "wb").close()
    for n in range(x.shape[0]):
        x[n].astype("<f4").tofile(os.path.join(d, "input.bin"))
        p = run([exe, d, "1", "0.1"])
        if p.returncode:
            return "driver failed: " + p.stderr.strip()
        out = np.fromfile(os.path.join(d, "output.bin"), dtype="<f4")
        want = y[n].astype(np.float64).ravel()
        if out.shape != want.shape:
            return "output size %d, ONNX %d" % (out.size, want.size)
        err = np.max(np.abs(out - want) / np.maximum(1.0, np.abs(want)))
        if not err <= 1e-5:
            i = int(np.argmax(np.abs(out - want)))
            return "sample %d: element %d is %r, ONNX %r" % (n, i, float(out[i]), float(want[i]))
    return None


def main():
    cnngen, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    os.makedirs(work, exist_ok=True)
    cases = capture(maxpool) + capture(averagepool)
    npass = nfail = nna = 0
    for name, node, inputs, outputs in cases:
        spec, why = spec_of(name, node, inputs[0])
        if spec is None:
            print("N/A  onnx-node %s: not expressible in cnngen (%s)" % (name, why))
            nna += 1
            continue
        err = check(cnngen, work, name, spec, inputs[0], outputs[0])
        if err:
            print("FAIL onnx-node %s: %s" % (name, err))
            nfail += 1
        else:
            print("PASS onnx-node %s: %s" % (name, spec.splitlines()[-1].strip()[2:]))
            npass += 1
    print("onnx-nodes: %d passed, %d failed, %d not applicable" % (npass, nfail, nna))
    if npass < 10:
        print("FAIL onnx-nodes: only %d cases ran (ONNX's case generators changed?)" % npass)
        return 1
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
