"""extreme.py - numerics at the edges, through the generated C, against PyTorch.

    extreme.py CNNGEN WORKDIR       (run with /usr/bin/python3; prints PASS/FAIL lines)

Logits of +-1e4 (and +-1e3, +-80 where float32 exp overflows/underflows) go straight
into the loss: the nets are `input C x 1 x 1 -> flatten [-> softmax | sigmoid]` or a
dense layer with the identity as weights, so the C sees exactly the logits chosen. For
every loss (softmax_cross_entropy, cross_entropy after softmax, binary_cross_entropy
after a sigmoid layer and on a fused sigmoid, mse after a sigmoid) in float32 and
float64 the generated forward output, the loss and dL/dinput must be finite and agree
with the PyTorch float64 function for the same loss (autograd for the gradient):
  softmax_cross_entropy    F.cross_entropy(z, t)  (soft targets: -sum t log_softmax(z))
  cross_entropy            the same: SPEC.md fuses it with the softmax before it, so
                           log y is log_softmax(z), exact where y underflows to 0
  binary_cross_entropy     F.binary_cross_entropy_with_logits(z, t), after a sigmoid
                           layer and on a fused sigmoid activation alike (nn.BCELoss on
                           the rounded y would clamp log 0 to -100 instead: a different
                           function, less exact; the C computes from the logits)
  sigmoid + mse            saturated sigmoid: y in {0, 1}, gradient 0
Tolerances: float64 1e-9 relative, float32 1e-4 relative (+ absolute 1e-6 / 1e-3 for
values near 0).
"""
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DRIVER = os.path.join(ROOT, "tests", "tools", "netdriver.c")


def build(cn, work, name, spec, dtype):
    d = os.path.join(work, name + "_" + dtype)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "net.yaml"), "w") as f:
        f.write(spec)
    subprocess.run([cn, os.path.join(d, "net.yaml"), "--dtype", dtype, "-o",
                    os.path.join(d, "net.c")], check=True, capture_output=True)
    cf = subprocess.run([cn, "--cflags"], capture_output=True, text=True).stdout.split()
    lf = subprocess.run([cn, "--libs"], capture_output=True, text=True).stdout.split()
    subprocess.run(["cc", "-O1", "-std=c99", "-I" + d, "-DMODEL=x_model", "-o",
                    os.path.join(d, "drv"), DRIVER, os.path.join(d, "net.c")] + cf + lf,
                   check=True, capture_output=True)
    return d


def run(d, dtype, params, z, t):
    npd = np.float64 if dtype == "float64" else np.float32
    np.asarray(params, npd).tofile(os.path.join(d, "params.bin"))
    np.asarray(z, npd).tofile(os.path.join(d, "input.bin"))
    np.asarray(t, npd).tofile(os.path.join(d, "target.bin"))
    subprocess.run([os.path.join(d, "drv"), d, "0", "0"], check=True, capture_output=True)
    out = np.fromfile(os.path.join(d, "output.bin"), npd).astype(np.float64)
    loss = float(np.fromfile(os.path.join(d, "loss.bin"), np.float64)[0])
    gin = np.fromfile(os.path.join(d, "grad_input.bin"), npd).astype(np.float64)
    return out, loss, gin


def close(a, b, dtype):
    a, b = np.atleast_1d(np.asarray(a, np.float64)), np.atleast_1d(np.asarray(b, np.float64))
    rtol, atol = (1e-9, 1e-6) if dtype == "float64" else (1e-4, 1e-3)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def reference(kind, z, t):
    """(output, loss, dL/dz) in float64 PyTorch."""
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(t, dtype=torch.float64)
    if kind in ("sce", "ce"):
        y = F.softmax(zt, 0)
        loss = F.cross_entropy(zt[None], tt[None], reduction="sum")
    elif kind in ("bce_layer", "bce_fused"):
        y = torch.sigmoid(zt)
        loss = F.binary_cross_entropy_with_logits(zt, tt, reduction="sum")
    elif kind == "sig_mse":
        y = torch.sigmoid(zt)
        loss = 0.5 * ((y - tt) ** 2).sum()
    else:
        raise ValueError(kind)
    g, = torch.autograd.grad(loss, zt)
    return y.detach().numpy(), float(loss), g.numpy()


NETS = {
    "sce": "layers:\n  - {type: flatten}\nloss: softmax_cross_entropy\n",
    "ce": "layers:\n  - {type: flatten}\n  - {type: softmax}\nloss: cross_entropy\n",
    "bce_layer": "layers:\n  - {type: flatten}\n  - {type: sigmoid}\nloss: binary_cross_entropy\n",
    "bce_fused": "layers:\n  - {type: flatten}\n  - {type: dense, units: %d, bias: false, "
                 "activation: sigmoid}\nloss: binary_cross_entropy\n",
    "sig_mse": "layers:\n  - {type: flatten}\n  - {type: sigmoid}\nloss: mse\n",
}


def main():
    cn, work = sys.argv[1], sys.argv[2]
    n = 5
    cases = {
        "pm1e4": [1e4, -1e4, 0.0, 1e4, -3.0],
        "all_big": [1e4, 1e4 - 1, 1e4 - 2, 1e4 + 5, 1e4],
        "all_neg": [-1e4, -1e4, -1e4 + 1, -1e4, -1e4 - 3],
        "pm1e3": [1e3, -1e3, 500.0, -500.0, 0.0],
        "f32_edge": [89.0, -104.0, 88.7, -87.0, 0.0],
    }
    targets = {
        "sce": [0.5, 0.1, 0.1, 0.2, 0.1], "ce": [0.5, 0.1, 0.1, 0.2, 0.1],
        "bce_layer": [1.0, 0.0, 0.5, 0.0, 1.0], "bce_fused": [1.0, 0.0, 0.5, 0.0, 1.0],
        "sig_mse": [1.0, 0.0, 0.5, 0.0, 1.0],
    }
    fails = 0
    for kind, body in NETS.items():
        if "%d" in body:
            body = body % n
        spec = "name: x\ninput: {channels: %d, height: 1, width: 1}\n" % n + body
        params = np.eye(n).reshape(-1) if kind == "bce_fused" else np.zeros(0)
        for dtype in ("float32", "float64"):
            try:
                d = build(cn, work, kind, spec, dtype)
            except subprocess.CalledProcessError as e:
                print("FAIL hardening/extreme_%s_%s: build failed: %s" %
                      (kind, dtype, (e.stderr or b"").decode()[:300]))
                fails += 1
                continue
            for cname, z in cases.items():
                t = targets[kind]
                name = "hardening/extreme_%s_%s_%s" % (kind, dtype, cname)
                out, loss, gin = run(d, dtype, params, z, t)
                ry, rloss, rg = reference(kind, np.array(z), np.array(t))
                bad = []
                if not (np.all(np.isfinite(out)) and np.isfinite(loss) and np.all(np.isfinite(gin))):
                    bad.append("not finite: out %s loss %r grad %s" % (out, loss, gin))
                if not close(out, ry, dtype):
                    bad.append("output %s, PyTorch %s" % (out, ry))
                if not close(loss, rloss, dtype):
                    bad.append("loss %r, PyTorch %r" % (loss, rloss))
                if not close(gin, rg, dtype):
                    bad.append("dL/dz %s, PyTorch %s" % (gin, rg))
                if bad:
                    fails += 1
                    print("FAIL %s: %s" % (name, "; ".join(bad)))
                else:
                    print("PASS %s" % name)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
