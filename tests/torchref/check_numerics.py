"""check_numerics.py - cnngen's generated C against PyTorch autograd.

For each spec (the given files, then N seeded random specs from randspec.py, each with
the cnngen options randspec picked: --unroll mode, sometimes --dtype):
  1. `cnngen SPEC -o DIR/net.c [options]`, then compile tests/tools/netdriver.c with it
     (cc -O1, -DMODEL=<prefix>_model);
  2. build the same network in torch (torchnet.py, float64), draw random parameters,
     one input and target, a batch of 3 inputs and targets; round them to the model's
     dtype and write them as raw little-endian files;
  3. run the driver, which calls forward, backward (zeroed grad, with and without
     grad_input) and train_batch, and writes everything back;
  4. compare with torch: the descriptor (sizes, loss, tensors table: PyTorch names,
     offsets, shapes), the forward output (after the loss's output transform), the loss,
     every parameter gradient, the input gradient, and the parameters and mean loss after
     one train_batch SGD step. The reference is always torch autograd in float64 on the
     same (rounded) numbers; the criterion is |c - torch| <= tol * max(1, |torch|) with
     tol 1e-9 for float64 models and 1e-4 for float32 models.
  5. every 4th random net is built with -O0 -fsanitize=address,undefined; the driver
     allocates exactly params_bytes / workspace_bytes, so stray accesses are caught.
  6. P_init (check_init): same seed -> same parameters, another seed -> others, biases
     0, weights within torch.nn.init's He (kaiming_uniform_, relu gain) or Glorot
     (xavier_uniform_) bound as SPEC.md's rule picks, and reaching near it.
Lines per net: `torch-init/<name>`, `torch-numerics/<name>` (forward/backward) and
`torch-train/<name>` (train_batch; only for nets with a loss and a backward pass).

usage: check_numerics.py CNNGEN WORKDIR [--random N] [--seed0 S] [--jobs J]
                         [SPEC...] [--every-unroll SPEC...]
"""

import argparse
import concurrent.futures as cf
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "weights"))
import randspec  # noqa: E402
import stio  # noqa: E402
import torchnet  # noqa: E402

DRIVER = os.path.join(ROOT, "tests", "tools", "netdriver.c")
FOLD_DRIVER = os.path.join(ROOT, "tests", "tools", "folddriver.c")
BATCH = 3
LR = 0.05
M64 = (1 << 64) - 1


class Xoshiro:
    """runtime/rng.c's cnngen_rng (xoshiro256**), written again from its definition:
    dropout's stream. The driver fills the workspace with 0xff bytes before
    train_batch, so the state starts as four words of all ones."""

    def __init__(self, s):
        self.s = list(s)

    @classmethod
    def seeded(cls, seed):
        """cnngen_rng_seed: four splitmix64 outputs (P_seed; a zeroed workspace: 0)."""
        x, s = seed, []
        for _ in range(4):
            x = (x + 0x9e3779b97f4a7c15) & M64
            z = x
            z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M64
            z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M64
            s.append(z ^ (z >> 31))
        return cls(s)

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & M64

    def next(self):
        s = self.s
        result = (self.rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self.rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53


def dropout_masks(net, n, rng=None):
    """The kept factors the C draws for a batch of n (from rng, by default the 0xff
    state): per dropout layer in spec order, element i of the batch kept when
    uniform() >= rate."""
    rng = rng or Xoshiro([M64] * 4)
    masks = {}
    for L in net.layers:
        if L.type != "dropout":
            continue
        size = int(np.prod(L.out_shape))
        scale = 1.0 / (1.0 - L.rate)
        m = [scale if rng.uniform() >= L.rate else 0.0 for _ in range(n * size)]
        masks[L.name] = torch.tensor(m, dtype=torch.float64)
    return masks


def batch_size(spec, seed):
    """n of the train_batch check: 3, or for nets whose train mode differs (batchnorm,
    dropout) 2..8 by seed, within the spec's batch."""
    types = {d.get("type") for d in spec.get("layers") or []}
    if not types & {"batchnorm", "dropout"}:
        return BATCH
    return max(1, min(2 + seed % 7, int(spec.get("batch", 1))))


class Fail(Exception):
    pass


def run(cmd, timeout=300, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def first_line(s):
    for line in [l for l in s.splitlines() if "error" in l] + s.splitlines():
        if line.strip():
            return line.strip()[:300]
    return "(no message)"


def read_model_txt(path):
    m = {"tensors": []}
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "tensor":
                m["tensors"].append((w[1], int(w[2]), [int(v) for v in w[4:4 + int(w[3])]]))
            elif w[0] in ("name",):
                m[w[0]] = w[1]
            else:
                m[w[0]] = [int(v) for v in w[1:]] if len(w) > 2 else int(w[1])
    return m


def compare(what, got, ref, tol, names=None):
    """got, ref: 1-D float64 arrays. Raises Fail on the first element out of tolerance."""
    got = np.asarray(got, dtype=np.float64).ravel()
    ref = np.asarray(ref, dtype=np.float64).ravel()
    if got.shape != ref.shape:
        raise Fail("%s: %d values, torch has %d" % (what, got.size, ref.size))
    if got.size == 0:
        return
    err = np.abs(got - ref) / np.maximum(1.0, np.abs(ref))
    err[~np.isfinite(got)] = np.inf
    bad = np.nonzero(~(err <= tol))[0]
    if bad.size:
        i = int(bad[0])
        where = names(i) if names else "[%d]" % i
        raise Fail("%s%s = %.12g, torch %.12g (%d of %d values off, worst rel err %.3g)"
                   % (what, where, got[i], ref[i], bad.size, got.size, float(np.max(err))))


def param_namer(plist):
    """flat index -> 'conv1.weight[0,1,2,2]'."""
    spans, off = [], 0
    for name, p in plist:
        spans.append((off, off + p.numel(), name, tuple(p.shape)))
        off += p.numel()

    def f(i):
        for a, b, name, shape in spans:
            if a <= i < b:
                return " %s%s" % (name, list(np.unravel_index(i - a, shape)))
        return "[%d]" % i
    return f


def flat_grads(plist, grads):
    """The gradients of the Parameters laid out as cnngen's flat P_params, 0 at the
    buffers (batchnorm's running statistics)."""
    out, it = [], iter(grads)
    for _, prm in plist:
        if isinstance(prm, nn.Parameter) and prm.requires_grad:
            out.append(next(it).numpy().ravel())
        else:
            out.append(np.zeros(prm.numel()))
    return np.concatenate(out) if out else np.zeros(0)


def make_target(loss, rng, n, m):
    if loss in ("softmax_cross_entropy", "cross_entropy"):
        t = rng.random((n, m)) + 0.05
        t /= t.sum(1, keepdims=True)
        for i in range(n):                      # some one-hot targets too
            if rng.random() < 0.4:
                t[i] = 0
                t[i, rng.integers(m)] = 1
        return t
    if loss == "binary_cross_entropy":
        return rng.random((n, m))
    return rng.normal(size=(n, m))


# ---- shared with tests/interop/check_export.py

def cnngen_report(cnngen, path, opts):
    """`cnngen --report --format json`, parsed."""
    p = run([cnngen, "--report", "--format", "json", path] + opts)
    if p.returncode != 0:
        raise Fail("cnngen --report failed (exit %d): %s" % (p.returncode, first_line(p.stderr)))
    return json.loads(p.stdout)


def generate_c(cnngen, path, opts, workdir):
    """`cnngen SPEC -o WORKDIR/net.c [options]` -> the .c file's path."""
    cfile = os.path.join(workdir, "net.c")
    p = run([cnngen, path, "-o", cfile] + opts)
    if p.returncode != 0:
        raise Fail("cnngen failed (exit %d): %s" % (p.returncode, first_line(p.stderr)))
    return cfile


def build_driver(cc, ccopts, cflags, libs, workdir, prefix, cfile):
    """tests/tools/netdriver.c with the generated cfile -> WORKDIR/drv's path."""
    exe = os.path.join(workdir, "drv")
    p = run([cc] + ccopts + ["-std=c99", "-I", workdir] + cflags
            + ["-DMODEL=%s_model" % prefix, DRIVER, cfile, "-o", exe] + libs + ["-lm"])
    if p.returncode != 0:
        raise Fail("compiling the generated C failed: %s" % first_line(p.stderr))
    return exe


def driver_files(workdir, npdt, flat, x, t):
    """Writes the driver's inputs (parameters, x[0] and t[0], the batch x[1:] and t[1:]
    when there is a target) as raw little-endian npdt; -> rd(name, dt=None), which reads
    one of the driver's output files (in npdt unless dt) as float64."""
    def wr(name, arr):
        np.asarray(arr, dtype=np.float64).astype(np.dtype(npdt).newbyteorder("<")).tofile(
            os.path.join(workdir, name))

    def rd(name, dt=None):
        return np.fromfile(os.path.join(workdir, name), dtype=np.dtype(dt or npdt).newbyteorder("<")
                           ).astype(np.float64)

    wr("params.bin", flat)
    wr("input.bin", x[0])
    if t is not None:
        wr("target.bin", t[0])
        wr("batch_in.bin", x[1:])
        wr("batch_tg.bin", t[1:])
    return rd


def job_args():
    """The command line's start: CNNGEN WORKDIR [--random N] [--seed0 S] [--jobs J]
    (the caller adds its own options, then the SPEC files)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("cnngen")
    ap.add_argument("workdir")
    ap.add_argument("--random", type=int, default=0)
    ap.add_argument("--seed0", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    return ap


def spec_jobs(specs, workdir, seed):
    """Jobs (path, opts, label, dir, seed) for the given spec files, as they are."""
    jobs = []
    for s in specs:
        name = os.path.splitext(os.path.basename(s))[0]
        jobs.append((s, [], name, os.path.join(workdir, "spec-" + name), seed))
    return jobs


def random_jobs(workdir, seed0, n, graph=False):
    """Jobs for n seeded random specs (randspec.py; graph: gen_graph, labelled
    rgraph-SEED), written to WORKDIR/<label>/."""
    jobs = []
    stem = "rgraph" if graph else "rand"
    for seed in range(seed0, seed0 + n):
        _, text, opts = (randspec.gen_graph if graph else randspec.gen)(seed)
        d = os.path.join(workdir, "%s-%d" % (stem, seed))
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "%s-%d.yaml" % (stem, seed))
        with open(path, "w") as f:
            f.write(text)
        jobs.append((path, opts, "%s-%d" % (stem, seed), d, seed))
    return jobs


def run_jobs(jobs, check, workers, kind, prefix, info):
    """check(job) -> [(kind, failure or None)] for every job on `workers` threads; a
    Fail or a crash in check is one failure of `kind`, never a pass. Prints
    `PASS|FAIL <prefix><kind>/<label>` lines in job order (a FAIL ends with [info(job)]);
    -> the exit status."""
    def one(job):
        try:
            return check(job)
        except Fail as e:
            return [(kind, str(e))]
        except Exception as e:  # noqa: BLE001 - a crash in the check is a failure, never a pass
            return [(kind, "exception %s: %s" % (type(e).__name__, e))]

    nfail = 0
    with cf.ThreadPoolExecutor(max_workers=workers) as ex:
        for job, res in zip(jobs, ex.map(one, jobs)):
            label = job[2]
            for k, why in res:
                if why:
                    nfail += 1
                    print("FAIL %s%s/%s: %s [%s]" % (prefix, k, label, why, info(job)), flush=True)
                else:
                    print("PASS %s%s/%s" % (prefix, k, label), flush=True)
    return 1 if nfail else 0


def folded_batchnorms(net):
    """--inference-only folds a batchnorm into the conv2d or dense it reads when that
    layer has no activation and nothing else reads it (generator/fold.c's rule, written
    again here): {folded layer's name: the batchnorm Layer}."""
    readers = {}
    for L in net.layers:
        for v in L.srcs:
            readers[v] = readers.get(v, 0) + 1
    out = {}
    for L in net.layers:
        p = L.srcs[0]
        if L.type != "batchnorm" or p < 0:
            continue
        P = net.layers[p]
        if P.type in ("conv2d", "dense") and P.act == "none" and readers[p] == 1:
            out[P.name] = L
    return out


def folded_params(net, plist, folds):
    """The folded build's tensors [(name, tensor)]: PyTorch's fuse_conv_bn_weights of
    each folded pair (the batchnorm's tensors gone, the layer's bias added when it had
    none), the other tensors as they are."""
    from torch.nn.utils.fusion import fuse_conv_bn_weights
    gone = {bn.name for bn in folds.values()}
    out = []
    for L in net.layers:
        if L.name in gone:
            continue
        if L.name in folds:
            bn = folds[L.name]
            gamma = bn.weight if bn.weight is not None else torch.ones_like(bn.rm)
            beta = bn.bias_p if bn.bias_p is not None else torch.zeros_like(bn.rm)
            w, b = fuse_conv_bn_weights(L.weight.detach(), None if L.bias_p is None else
                                        L.bias_p.detach(), bn.rm, bn.rv, float(bn.d.get("eps", 1e-5)),
                                        gamma.detach(), beta.detach())
            out += [(L.name + ".weight", w.detach()), (L.name + ".bias", b.detach())]
            continue
        out += [(n, p) for n, p in plist if n.rsplit(".", 1)[0] == L.name]
    return out


def check_fold_weights(cnngen, cc, cflags, libs, path, opts, workdir, prefix, rd):
    """--weights params.safetensors on a folded build: the generator folds the file as the
    runtime's reader does (P_weights = loaded.bin, bit for bit), and a folded build's
    cnngen_save_safetensors writes a file that reads back to the same bits."""
    wdir = os.path.join(workdir, "weights")
    os.makedirs(wdir, exist_ok=True)
    cfile = os.path.join(wdir, "net.c")
    p = run([cnngen, path, "-o", cfile, "--weights", os.path.join(workdir, "params.safetensors")]
            + opts)
    if p.returncode != 0:
        raise Fail("cnngen --weights failed (exit %d): %s" % (p.returncode, first_line(p.stderr)))
    exe = os.path.join(wdir, "fd")
    p = run([cc, "-O0", "-std=c99", "-I", wdir] + cflags
            + ["-DMODEL=%s_model" % prefix, "-DWEIGHTS=%s_weights" % prefix,
               FOLD_DRIVER, cfile, "-o", exe] + libs + ["-lm"])
    if p.returncode != 0:
        raise Fail("compiling the --weights build failed: %s" % first_line(p.stderr))
    p = run([exe, wdir], timeout=120)
    if p.returncode != 0:
        raise Fail("folddriver exit %d: %s" % (p.returncode, first_line(p.stderr + p.stdout)))
    loaded = rd("loaded.bin")
    w = rd(os.path.join("weights", "weights.bin"))
    if not np.array_equal(w, loaded):
        raise Fail("--weights: the compiled-in folded weights differ from the runtime's fold")
    if not np.array_equal(rd(os.path.join("weights", "reloaded.bin")), w):
        raise Fail("a folded build's saved file does not read back to the same parameters")


def check_frozen_const(cnngen, cc, cflags, libs, path, opts, workdir, prefix, plist, npdt, nb):
    """A partial net built with --weights keeps its frozen parameters as const data
    (P_frozen) outside P_params: the same bits in every output as the build that reads
    them at run time (the driver writes every tensor, const ones from their data); and
    the runtime's reader refuses a file whose frozen tensors differ from them."""
    fdir = os.path.join(workdir, "frozen")
    os.makedirs(fdir, exist_ok=True)
    st = os.path.join(fdir, "weights.safetensors")
    stio.write(st, [(n, prm.detach().numpy().astype(npdt)) for n, prm in plist])
    cfile = os.path.join(fdir, "net.c")
    p = run([cnngen, path, "-o", cfile, "--weights", st] + opts)
    if p.returncode != 0:
        raise Fail("cnngen --weights failed (exit %d): %s" % (p.returncode, first_line(p.stderr)))
    if "%s_frozen_params" % prefix not in open(os.path.join(fdir, "net.h")).read():
        raise Fail("--weights on a partial net: no %s_frozen_params in net.h" % prefix)
    exe = build_driver(cc, ["-O1"], cflags, libs, fdir, prefix, cfile)
    for f in os.listdir(workdir):
        if f.endswith(".bin") and f.split(".")[0] in ("params", "input", "target", "batch_in", "batch_tg"):
            shutil.copy(os.path.join(workdir, f), fdir)
    p = run([exe, fdir, str(nb), repr(LR)], timeout=120)
    if p.returncode != 0:
        raise Fail("frozen-const driver exit %d: %s" % (p.returncode, first_line(p.stderr + p.stdout)))
    for f in ("output", "loss", "grad", "grad2", "trained", "batch_loss", "inplace", "inplace_loss"):
        a, b = os.path.join(workdir, f + ".bin"), os.path.join(fdir, f + ".bin")
        if os.path.exists(a) != os.path.exists(b) or (
                os.path.exists(a) and open(a, "rb").read() != open(b, "rb").read()):
            raise Fail("--weights with const frozen parameters: %s.bin differs from the "
                       "run-time build's" % f)
    # a file whose frozen tensor differs is refused by the loader (params.safetensors)
    first = next(n for n, prm in plist if isinstance(prm, nn.Parameter) and not prm.requires_grad)
    bad = [(n, prm.detach().numpy().astype(npdt) + (1 if n == first else 0)) for n, prm in plist]
    stio.write(os.path.join(fdir, "params.safetensors"), bad)
    p = run([exe, fdir, str(nb), repr(LR)], timeout=120)
    os.remove(os.path.join(fdir, "params.safetensors"))
    if p.returncode == 0 or "differs from the values compiled in" not in p.stderr:
        raise Fail("a file with a different frozen tensor was not refused: %s"
                   % first_line(p.stderr + p.stdout))


def check_scalar_build(cc, cflags, libs, workdir, prefix, cfile, nb):
    """The same C compiled with -DCNNGEN_VECTORS=0 (the scalar loops a target without
    float SIMD gets, a Cortex-M4's) gives the same bits as the vector build: every
    output file of the driver identical."""
    sdir = os.path.join(workdir, "scalar")
    os.makedirs(sdir, exist_ok=True)
    for f in os.listdir(workdir):
        if f.endswith((".bin", ".safetensors")) and f.split(".")[0] in (
                "params", "input", "target", "batch_in", "batch_tg"):
            shutil.copy(os.path.join(workdir, f), sdir)
    exe = os.path.join(sdir, "drv")
    p = run([cc, "-O1", "-std=c99", "-DCNNGEN_VECTORS=0", "-I", workdir] + cflags
            + ["-DMODEL=%s_model" % prefix, DRIVER, cfile, "-o", exe] + libs + ["-lm"])
    if p.returncode != 0:
        raise Fail("compiling with -DCNNGEN_VECTORS=0 failed: %s" % first_line(p.stderr))
    p = run([exe, sdir, str(nb), repr(LR)], timeout=120)
    if p.returncode != 0:
        raise Fail("scalar driver exit %d: %s" % (p.returncode, first_line(p.stderr + p.stdout)))
    for f in sorted(os.listdir(sdir)):
        if f.endswith(".bin") and f.split(".")[0] not in (
                "params", "input", "target", "batch_in", "batch_tg"):
            a = open(os.path.join(workdir, f), "rb").read()
            b = open(os.path.join(sdir, f), "rb").read()
            if a != b:
                raise Fail("-DCNNGEN_VECTORS=0: %s differs from the vector build's" % f)


def check_init(net, plist, rd, m):
    """P_init: deterministic per seed, biases 0, weights uniform within the bound of
    torch.nn.init's kaiming_uniform_ (relu gain: sqrt(6 / fan_in)) before relu-like
    activations (the layer's own, or a relu/leaky_relu/relu6 layer right after it), else
    xavier_uniform_ (sqrt(6 / (fan_in + fan_out))), with torch's fan computation.
    Larger tensors must also reach near the bound (so a wrong, smaller bound fails)."""
    if not m.get("has_init", 1):
        return "the descriptor has no init"
    a, b, c = rd("init_a.bin"), rd("init_b.bin"), rd("init_c.bin")
    if not np.array_equal(a, b):
        return "init is not deterministic: the same seed gave different parameters"
    if a.size and any(n.endswith(".weight") for n, _ in plist) and np.array_equal(a, c):
        return "init gave the same parameters for seeds 12345 and 12346"
    off = 0
    layer_of = {}
    for i, L in enumerate(net.layers):
        layer_of[L.name] = i
    for name, prm in plist:
        n = prm.numel()
        v = a[off:off + n]
        off += n
        lname, kind = name.rsplit(".", 1)
        if net.layers[layer_of[lname]].type == "batchnorm":   # PyTorch's: 1, 0, 0, 1
            want = 1.0 if kind in ("weight", "running_var") else 0.0
            if np.any(v != want):
                return "init: %s is not all %g" % (name, want)
            continue
        if kind == "bias":
            if np.any(v != 0):
                return "init: %s is not all zero" % name
            continue
        i = layer_of[lname]
        L = net.layers[i]
        nxt = net.layers[i + 1].type if i + 1 < len(net.layers) else None
        relu_like = ("relu", "leaky_relu", "relu6")
        he = L.act in relu_like or nxt in relu_like
        fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(prm)
        if he:
            lim = torch.nn.init.calculate_gain("relu") * math.sqrt(3.0 / fan_in)
        else:
            lim = math.sqrt(6.0 / (fan_in + fan_out))
        rule = "He" if he else "Glorot"
        if np.any(np.abs(v) > lim * (1 + 1e-6)):
            return "init: %s has |w| = %.6g above the %s bound %.6g" % (
                name, float(np.max(np.abs(v))), rule, lim)
        if n >= 40 and float(np.max(np.abs(v))) < 0.8 * lim:
            return "init: %s reaches only %.6g of the %s bound %.6g" % (
                name, float(np.max(np.abs(v))), rule, lim)
        # the mean of n uniform(-lim, lim) has sd lim / sqrt(3n): 5 sd is never chance
        if n >= 40 and abs(float(np.mean(v))) > 5 * lim / math.sqrt(3 * n):
            return "init: %s has mean %.4g, not centred (5 sd: %.4g)" % (
                name, float(np.mean(v)), 5 * lim / math.sqrt(3 * n))
    return None


# -O0: ASan at -O1 on the big straight-line functions of unrolled code compiles 50x slower
SANITIZE = ["-O0", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]


def check_net(cnngen, cflags, libs, cc, path, opts, workdir, seed, sanitize=False):
    """-> list of (label_suffix, failure or None)."""
    os.makedirs(workdir, exist_ok=True)
    spec = torchnet.load_spec(path)
    rep = cnngen_report(cnngen, path, opts)
    names = [l["name"] for l in rep["layers"]]
    prefix = rep["name"]
    if "--prefix" in opts:
        prefix = opts[opts.index("--prefix") + 1]
    dtype = spec.get("dtype", "float32")
    if "--dtype" in opts:
        dtype = opts[opts.index("--dtype") + 1]
    npdt = np.float64 if dtype == "float64" else np.float32
    tol = 1e-9 if dtype == "float64" else 1e-4

    # a third of the random nets with batch 4 (unless they say): P_forward_batch's
    # batched tail (dense layers over several samples at once)
    if os.path.basename(workdir).startswith(("rand-", "rgraph-")) and seed % 6 in (1, 2) \
            and "batch" not in spec and "--batch" not in opts:
        opts = opts + ["--batch", "4"]
    cfile = generate_c(cnngen, path, opts, workdir)
    # the portable build: every random net runs one of its passes (x86-64: 0 SSE2, 1 AVX2, 2
    # AVX-512, as far as the CPU has them; generator/dispatch.c)
    isa = ["-DCNNGEN_ISA_MAX=%d" % (seed % 3)]

    exe = build_driver(cc, (SANITIZE if sanitize else ["-O1"]) + isa, cflags, libs, workdir, prefix, cfile)

    net = torchnet.TorchNet(spec, names=names, dtype=torch.float64)
    net.eval()                      # P_forward and P_backward: eval mode
    plist = net.param_list()
    learn = [prm for _, prm in plist if isinstance(prm, nn.Parameter) and prm.requires_grad]
    frozen = any(isinstance(prm, nn.Parameter) and not prm.requires_grad for _, prm in plist)
    rng = np.random.default_rng(seed)
    flat = []
    kinds = {L.name: L.type for L in net.layers}
    for name, prm in plist:
        lname, what = name.rsplit(".", 1)
        if kinds[lname] == "batchnorm":   # gamma and running_var near 1 (positive)
            lo, hi = {"weight": (0.5, 1.5), "bias": (-0.3, 0.3), "running_mean": (-0.3, 0.3),
                      "running_var": (0.5, 1.5)}[what]
            flat.append(rng.uniform(lo, hi, prm.numel()))
            continue
        if name.endswith(".weight"):
            fan_in = int(np.prod(prm.shape[1:]))
            a = 1.5 / math.sqrt(fan_in)
        else:
            a = 0.3
        flat.append(rng.uniform(-a, a, prm.numel()))
    flat = np.concatenate(flat) if flat else np.zeros(0)
    flat = flat.astype(npdt).astype(np.float64)           # the model's precision
    net.set_flat(flat)
    in_size = int(np.prod(net.input_shape))
    out_size = int(np.prod(net.output_shape))
    nb = batch_size(spec, seed)
    x = rng.normal(size=(1 + nb, in_size)).astype(npdt).astype(np.float64)
    t = None
    if net.loss_type:
        t = make_target(net.loss_type, rng, 1 + nb, out_size).astype(npdt).astype(np.float64)

    rd = driver_files(workdir, npdt, flat, x, t)
    # an inference build folds batchnorms: it reads PyTorch's unfolded tensors from
    # safetensors (folding them) and its descriptor lists the folded ones
    folds = folded_batchnorms(net) if "--inference-only" in opts else {}
    dplist = plist
    st_path = os.path.join(workdir, "params.safetensors")
    if os.path.exists(st_path):
        os.remove(st_path)
    if folds:
        dplist = folded_params(net, plist, folds)
        stio.write(st_path, [(n, prm.detach().numpy().astype(npdt)) for n, prm in plist] +
                   [(bn.name + ".num_batches_tracked", np.array(7, dtype=np.int64))
                    for bn in folds.values()])
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=0",
               UBSAN_OPTIONS="print_stacktrace=1")
    p = run([exe, workdir, str(nb), repr(LR)], timeout=120, env=env)
    if p.returncode != 0:
        msg = [l for l in p.stderr.splitlines() if "ERROR" in l or "runtime error" in l]
        raise Fail("driver exit %d: %s" % (p.returncode, first_line(
            "\n".join(msg) or (p.stderr + p.stdout))))

    # a layer with loops of its own for targets without float SIMD (dense, the conv2d
    # fast path): they must give the vector build's bits
    if not sanitize and open(cfile).read().count("#if %s_VECTORS" % prefix) > 1:
        check_scalar_build(cc, cflags, libs, workdir, prefix, cfile, nb)

    # ---- the descriptor
    m = read_model_txt(os.path.join(workdir, "model.txt"))
    want = {"dtype_bytes": 8 if dtype == "float64" else 4, "input": list(net.input_shape),
            "input_size": in_size, "output_size": out_size, "num_params": flat.size,
            "loss": torchnet.LOSS_ENUM[net.loss_type],
            "has_backward": 1 if net.loss_type and "--inference-only" not in opts else 0,
            "ntensors": len(dplist)}
    if folds:
        want["num_params"] = sum(prm.numel() for _, prm in dplist)
    for k, v in want.items():
        if m.get(k) != v:
            raise Fail("model descriptor: %s = %s, expected %s" % (k, m.get(k), v))
    off = 0
    for (tn, toff, tshape), (name, prm) in zip(m["tensors"], dplist):
        if (tn, toff, tshape) != (name, off, list(prm.shape)):
            raise Fail("model descriptor: tensor %s at %d %s, expected %s at %d %s"
                       % (tn, toff, tshape, name, off, list(prm.shape)))
        off += prm.numel()

    results = [("init", check_init(net, dplist, rd, m))]
    if folds:       # the folded tensors as read, against torch's fuse_conv_bn_weights
        compare("folded parameters", rd("loaded.bin"),
                np.concatenate([prm.detach().numpy().ravel() for _, prm in dplist]), tol,
                param_namer(dplist))
        src = open(os.path.join(workdir, "net.c")).read()
        for bn in folds.values():
            if "%s_%s_" % (prefix, bn.name) in src:
                raise Fail("batchnorm %s is folded, but the C still has code for it" % bn.name)
        check_fold_weights(cnngen, cc, cflags, libs, path, opts, workdir, prefix, rd)

    # ---- forward, loss, gradients of one sample
    namer = param_namer(plist)
    xs = torch.tensor(x[0].reshape((1,) + net.input_shape), requires_grad=True)
    y, L = net.loss_and_output(net(xs), None if t is None else torch.tensor(t[0:1]))
    compare("output", rd("output.bin"), y.detach().numpy(), tol)
    # ---- P_forward_batch: the same bits as P_forward sample after sample, and PyTorch's
    # eval output of those samples
    if os.path.exists(os.path.join(workdir, "fwd_batch.bin")):
        fb, fe = rd("fwd_batch.bin"), rd("fwd_each.bin")
        if fb.tobytes() != fe.tobytes():
            raise Fail("P_forward_batch differs from P_forward sample by sample (max |diff| %g)"
                       % float(np.max(np.abs(fb - fe))))
        k = fb.size // out_size
        with torch.no_grad():
            yb, _ = net.loss_and_output(net(torch.tensor(x[1:1 + k].reshape((k,) + net.input_shape))),
                                        None if t is None else torch.tensor(t[1:1 + k]))
        compare("P_forward_batch output", fb, yb.numpy(), tol)
    if t is None or "--inference-only" in opts:
        results.append(("numerics", None))
        return results
    L = L.sum()
    grads = torch.autograd.grad(L, learn + [xs])
    gflat = flat_grads(plist, grads[:-1])
    compare("loss", rd("loss.bin", np.float64), [L.item()], tol)
    compare("grad", rd("grad.bin"), gflat, tol, namer)
    if frozen:      # a partial net back-propagates no further than what learns
        gi = rd("grad_input.bin")
        if not np.all(np.isnan(gi)):
            raise Fail("grad_input: a partial net must fill it with NaN")
    else:
        compare("grad_input", rd("grad_input.bin"), grads[-1].numpy(), tol)
    compare("loss (grad_input NULL)", rd("loss2.bin", np.float64), [L.item()], tol)
    compare("grad (grad_input NULL)", rd("grad2.bin"), gflat, tol, namer)
    if m.get("max_batch") == 1 and not m.get("train_mode"):
        # P_train_batch(grad NULL) on that sample: each layer's step in place
        if not os.path.exists(os.path.join(workdir, "inplace.bin")):
            raise Fail("the driver wrote no inplace.bin")
        cur = np.concatenate([prm.detach().numpy().ravel() for _, prm in plist]) \
            if plist else np.zeros(0)
        compare("loss (update in place)", rd("inplace_loss.bin", np.float64), [L.item()], tol)
        compare("params after the update in place", rd("inplace.bin"), cur - LR * gflat, tol, namer)
    results.append(("numerics", None))

    # ---- train_batch: mean loss over BATCH samples, one SGD step
    try:
        if not m.get("has_train_batch"):
            raise Fail("the descriptor has no train_batch")
        xb = torch.tensor(x[1:].reshape((nb,) + net.input_shape))
        net.train()                 # train_batch: one train-mode step (batch statistics)
        net.dropout_masks = dropout_masks(net, nb)
        _, Lb = net.loss_and_output(net(xb), torch.tensor(t[1:]))
        net.eval()
        Lm = Lb.mean()
        gb = torch.autograd.grad(Lm, learn) if learn else []
        gflat = flat_grads(plist, gb)
        # the parameters after SGD, the buffers as the train-mode forward left them
        newp = np.concatenate([prm.detach().numpy().ravel() for _, prm in plist]) \
            if plist else np.zeros(0)
        newp = newp - LR * gflat
        compare("batch loss", rd("batch_loss.bin", np.float64), [Lm.item()], tol)
        compare("params after SGD", rd("trained.bin"), newp, tol, namer)
        if frozen and not sanitize and "--inference-only" not in opts:
            check_frozen_const(cnngen, cc, cflags, libs, path, opts, workdir, prefix, plist, npdt, nb)
        results.append(("train", None))
    except Fail as e:
        results.append(("train", str(e)))
    return results


def main():
    ap = job_args()
    ap.add_argument("--every-unroll", nargs="*", default=[],
                    help="specs to check once per --unroll mode")
    ap.add_argument("--float64", nargs="*", default=[],
                    help="specs to check as float64 (--dtype float64): the MLPerf Tiny nets, "
                         "whose float32 train step on a batch of 2 is too ill-conditioned "
                         "(batchnorm over two samples) for a 1e-4 comparison")
    ap.add_argument("--inference", nargs="*", default=[],
                    help="specs to check with --inference-only once per --unroll mode "
                         "(batchnorm folded into the conv2d/dense before it)")
    ap.add_argument("--inference-auto", nargs="*", default=[],
                    help="specs to check with --inference-only (default unroll)")
    ap.add_argument("--random-graph", type=int, default=0,
                    help="also N seeded random graph specs (randspec.gen_graph)")
    ap.add_argument("specs", nargs="*")
    a = ap.parse_intermixed_args()
    torch.set_num_threads(1)
    cnngen = os.path.abspath(a.cnngen)
    p = run([cnngen, "--cflags"])
    q = run([cnngen, "--libs"])
    if p.returncode or q.returncode:
        print("FAIL torch-numerics: `cnngen --cflags` / `--libs` failed: %s"
              % first_line(p.stderr + q.stderr))
        return 1
    cflags, libs = shlex.split(p.stdout), shlex.split(q.stdout)
    cc = os.environ.get("CC", "cc")
    os.makedirs(a.workdir, exist_ok=True)

    jobs = spec_jobs(a.specs, a.workdir, 7)
    for s in a.every_unroll:
        name = os.path.splitext(os.path.basename(s))[0]
        for mode in ("auto", "none", "kernel", "full"):
            jobs.append((s, ["--unroll", mode], "%s@%s" % (name, mode),
                         os.path.join(a.workdir, "case-%s-%s" % (name, mode)), 11))
    for s in a.inference:
        name = os.path.splitext(os.path.basename(s))[0]
        for mode in ("auto", "none", "kernel", "full"):
            jobs.append((s, ["--inference-only", "--unroll", mode], "%s@infer-%s" % (name, mode),
                         os.path.join(a.workdir, "infer-%s-%s" % (name, mode)), 13))
    for s in a.inference_auto:
        name = os.path.splitext(os.path.basename(s))[0]
        jobs.append((s, ["--inference-only"], name + "@infer",
                     os.path.join(a.workdir, "infer-" + name), 17))
    for s in a.float64:
        name = os.path.splitext(os.path.basename(s))[0]
        jobs.append((s, ["--dtype", "float64"], name + "@f64",
                     os.path.join(a.workdir, "f64-" + name), 7))
    jobs += random_jobs(a.workdir, a.seed0, a.random)
    jobs += random_jobs(a.workdir, a.seed0, a.random_graph, graph=True)

    # every 4th random net runs under ASan + UBSan: the driver allocates exactly
    # params_bytes and workspace_bytes, so any access outside them is caught
    def sanitized(job):
        return job[2].startswith(("rand-", "rgraph-")) and job[4] % 4 == 0

    def check(job):
        path, opts, label, d, seed = job
        t0 = time.time()
        r = check_net(cnngen, cflags, libs, cc, path, opts, d, seed, sanitize=sanitized(job))
        if os.environ.get("TORCHREF_TIMING"):
            sys.stderr.write("time %s %.2f\n" % (label, time.time() - t0))
        return r

    return run_jobs(jobs, check, a.jobs, "numerics", "torch-",
                    lambda job: " ".join([job[0]] + job[1] + (["(ASan+UBSan)"] if sanitized(job) else [])))


if __name__ == "__main__":
    sys.exit(main())
