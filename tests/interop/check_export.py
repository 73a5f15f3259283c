"""check_export.py - `cnngen --emit pytorch` against the generated C and against the
independent PyTorch reference (tests/torchref/torchnet.py).

For each spec (the given files, then N seeded random specs from randspec.py with the
cnngen options randspec picked):
  1. `cnngen SPEC -o DIR/net.c [options]` + tests/tools/netdriver.c (helper C's generic
     driver): forward, backward (loss, every parameter gradient, the input gradient)
     and one train_batch SGD step on a batch of 3, on random parameters and data;
  2. `cnngen --emit pytorch SPEC -o DIR/export_<label>.py [options]`, imported; the
     same parameters go in through set_flat_parameters (the C tensors table order);
  3. export vs C, in the net's dtype: the descriptor's tensor names/shapes equal the
     module's state_dict, forward output, loss(output, target, "sum") for one sample,
     autograd gradients of every parameter and of the input, and one
     torch.optim.SGD(lr) step on loss(..., "mean") over the batch (the C's
     train_batch) with its mean loss. |a - b| <= tol * max(1, |b|), tol 1e-4 (float32)
     or 1e-9 (float64);
  4. export vs torchnet (both rebuilt in float64 on the same parameters): output after
     the loss's transform, per-sample loss, parameter and input gradients, tol 1e-10.
Lines: `export-c/<label>` and `export-ref/<label>`.

usage: check_export.py CNNGEN WORKDIR [--random N] [--seed0 S] [--jobs J] SPEC...
"""

import importlib.util
import math
import os
import shlex
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "torchref"))
import torchnet  # noqa: E402
from check_numerics import (LR, Fail, batch_size, build_driver, cnngen_report,  # noqa: E402
                            compare, driver_files, dropout_masks, first_line, generate_c, job_args,
                            make_target, random_jobs, read_model_txt, run, run_jobs,
                            spec_jobs)


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def flat_grads(model, mod):
    """The parameters' gradients in the flat order, 0 at the buffers (running statistics)
    and at what does not learn (trainable: false | bias: requires_grad off)."""
    sd = {n: p for n, p in model.named_parameters() if p.requires_grad}
    return np.concatenate([sd[n].grad.detach().double().numpy().ravel() if n in sd
                           else np.zeros(int(np.prod(s))) for n, s in mod.TENSORS]) \
        if mod.TENSORS else np.zeros(0)


def draw_flat(rng, tensors, bn_layers):
    """Random parameters: weights within 1.5/sqrt(fan_in), biases within 0.3; a
    batchnorm's weight and running_var in [0.5, 1.5] (a variance is positive)."""
    flat = []
    for name, shape in tensors:
        lname, what = name.rsplit(".", 1)
        n = int(np.prod(shape))
        if lname in bn_layers and what in ("weight", "running_var"):
            flat.append(rng.uniform(0.5, 1.5, n))
            continue
        a = 1.5 / math.sqrt(int(np.prod(shape[1:]))) if what == "weight" else 0.3
        flat.append(rng.uniform(-a, a, n))
    return np.concatenate(flat) if flat else np.zeros(0)


class forced_dropout:
    """Inside: F.dropout applies the given masks in call order (the layers' order), so
    that the exported module draws what the C drew (check_numerics.dropout_masks)."""

    def __init__(self, masks):
        self.masks = list(masks)

    def __enter__(self):
        self.saved = torch.nn.functional.dropout
        masks = self.masks

        def drop(x, p=0.5, training=True, inplace=False):
            if not training:
                return x
            return x * masks.pop(0).to(x.dtype).reshape(x.shape)
        torch.nn.functional.dropout = drop

    def __exit__(self, *a):
        torch.nn.functional.dropout = self.saved


def check_net(cnngen, cflags, libs, cc, path, opts, workdir, seed, label):
    os.makedirs(workdir, exist_ok=True)
    spec = torchnet.load_spec(path)
    rep = cnngen_report(cnngen, path, opts)
    names = [l["name"] for l in rep["layers"]]
    prefix = opts[opts.index("--prefix") + 1] if "--prefix" in opts else rep["name"]
    dtype = rep["dtype"]
    npdt = np.float64 if dtype == "float64" else np.float32
    tdt = torch.float64 if dtype == "float64" else torch.float32
    tol = 1e-9 if dtype == "float64" else 1e-4
    infer = "--inference-only" in opts

    cfile = generate_c(cnngen, path, opts, workdir)
    pyfile = os.path.join(workdir, "export_%s.py" % label.replace("-", "_"))
    p = run([cnngen, "--emit", "pytorch", path, "-o", pyfile] + opts)
    if p.returncode != 0:
        raise Fail("cnngen --emit pytorch failed (exit %d): %s" % (p.returncode, first_line(p.stderr)))
    exe = build_driver(cc, ["-O1"], cflags, libs, workdir, prefix, cfile)
    mod = load_module(pyfile, "export_" + label.replace("-", "_"))
    if mod.NAME != prefix or mod.DTYPE != tdt:
        raise Fail("export NAME/DTYPE %r/%r, expected %r/%r" % (mod.NAME, mod.DTYPE, prefix, tdt))
    model = mod.Net()

    # random parameters and data (the model's precision), as check_numerics draws them
    rng = np.random.default_rng(seed)
    bn_layers = {l["name"] for l in rep["layers"] if l.get("type") == "batchnorm"}
    flat = draw_flat(rng, mod.TENSORS, bn_layers).astype(npdt).astype(np.float64)
    in_size = int(np.prod(mod.INPUT_SHAPE))
    out_size = mod.OUTPUT_SIZE
    nb = batch_size(spec, seed)
    x = rng.normal(size=(1 + nb, in_size)).astype(npdt).astype(np.float64)
    t = None
    if mod.LOSS:
        t = make_target(mod.LOSS, rng, 1 + nb, out_size).astype(npdt).astype(np.float64)

    rd = driver_files(workdir, npdt, flat, x, t)
    p = run([exe, workdir, str(nb), repr(LR)], timeout=120)
    if p.returncode != 0:
        raise Fail("driver exit %d: %s" % (p.returncode, first_line(p.stderr + p.stdout)))

    results = []
    # ---- 1. export vs C
    try:
        m = read_model_txt(os.path.join(workdir, "model.txt"))
        sd = model.state_dict()
        got = [(n, list(sd[n].shape)) for n in sd if not n.endswith(".num_batches_tracked")]
        want = [(n, s) for n, _, s in m["tensors"]]
        if got != want:
            raise Fail("state_dict %s, the C tensors table %s" % (got, want))
        nbt = sorted(n[:-len(".num_batches_tracked")] for n in sd if n.endswith(".num_batches_tracked"))
        if nbt != sorted(bn_layers):
            raise Fail("num_batches_tracked for %s, batchnorm layers %s" % (nbt, sorted(bn_layers)))
        if [(n, list(s)) for n, s in mod.TENSORS] != want:
            raise Fail("TENSORS %s, the C tensors table %s" % (mod.TENSORS, want))
        if m["output_size"] != out_size or m["num_params"] != mod.NUM_PARAMS:
            raise Fail("sizes differ from the C descriptor")
        model.set_flat_parameters(torch.tensor(flat, dtype=tdt))
        if not np.array_equal(model.flat_parameters().double().numpy(), flat):
            raise Fail("flat_parameters() does not return what set_flat_parameters() took")
        model.eval()                # P_forward, P_backward: eval mode
        xs = torch.tensor(x[0:1], dtype=tdt, requires_grad=True)
        y = model(xs)
        compare("output", rd("output.bin"), y.detach().double().numpy(), tol)
        if t is not None and not infer:
            L = model.loss(y, torch.tensor(t[0:1], dtype=tdt), reduction="sum")
            model.zero_grad()
            L.backward()
            compare("loss", rd("loss.bin", np.float64), [L.item()], tol)
            compare("grad", rd("grad.bin"), flat_grads(model, mod), tol)
            if any(not q.requires_grad for q in model.parameters()):
                # a partial net: the C back-propagates no further than what learns
                if not np.all(np.isnan(rd("grad_input.bin"))):
                    raise Fail("grad_input: a partial net must fill it with NaN")
            else:
                compare("grad_input", rd("grad_input.bin"), xs.grad.double().numpy(), tol)
            # one SGD step on the batch mean, as P_train_batch
            prm = [q for q in model.parameters() if q.requires_grad]
            opt = torch.optim.SGD(prm, lr=LR) if prm else None   # a net may have none
            ref = torchnet.TorchNet(spec, names=names)
            model.train()           # P_train_batch: one train-mode step
            with forced_dropout(dropout_masks(ref, nb).values()):
                yb = model(torch.tensor(x[1:], dtype=tdt))
            model.eval()
            Lb = model.loss(yb, torch.tensor(t[1:], dtype=tdt))
            if opt:
                opt.zero_grad()
                Lb.backward()
                opt.step()
            compare("batch loss", rd("batch_loss.bin", np.float64), [Lb.item()], tol)
            compare("params after SGD", rd("trained.bin"), model.flat_parameters().double().numpy(), tol)
        results.append(("export-c", None))
    except Fail as e:
        results.append(("export-c", str(e)))
    except Exception as e:  # noqa: BLE001
        results.append(("export-c", "exception %s: %s" % (type(e).__name__, e)))

    # ---- 2. export vs the independent reference, both in float64
    try:
        ref = torchnet.TorchNet(spec, names=names, dtype=torch.float64)
        ref.set_flat(flat)
        ex = mod.Net(dtype=torch.float64)
        ex.set_flat_parameters(torch.tensor(flat, dtype=torch.float64))
        ref.eval()
        ex.eval()
        xr = torch.tensor(x.reshape((-1,) + ref.input_shape), requires_grad=True)
        xe = torch.tensor(x, requires_grad=True)
        tt = None if t is None else torch.tensor(t)
        yr, Lr = ref.loss_and_output(ref(xr), tt)
        ye = ex(xe)
        compare("output", ye.detach().numpy(), yr.detach().numpy(), 1e-10)
        if t is not None:
            Le = ex.loss(ye, tt, reduction="none")
            compare("per-sample loss", Le.detach().numpy(), Lr.detach().numpy(), 1e-10)
            pr = [prm for _, prm in ref.param_list()
                  if isinstance(prm, torch.nn.Parameter) and prm.requires_grad]
            gr = torch.autograd.grad(Lr.sum(), pr + [xr])
            named = {n: q for n, q in ex.named_parameters() if q.requires_grad}
            learn = [n for n, _ in mod.TENSORS if n in named]
            ge = torch.autograd.grad(Le.sum(), [named[n] for n in learn] + [xe])
            for n, a, b in zip(learn, ge, gr):
                compare("grad " + n, a.numpy(), b.numpy(), 1e-10)
            compare("grad_input", ge[-1].numpy(), gr[-1].numpy(), 1e-10)
        results.append(("export-ref", None))
    except Fail as e:
        results.append(("export-ref", str(e)))
    except Exception as e:  # noqa: BLE001 - a crash is a failure, never a pass
        results.append(("export-ref", "exception %s: %s" % (type(e).__name__, e)))
    return results


def main():
    ap = job_args()
    ap.add_argument("specs", nargs="*")
    a = ap.parse_intermixed_args()
    torch.set_num_threads(1)
    cnngen = os.path.abspath(a.cnngen)
    p, q = run([cnngen, "--cflags"]), run([cnngen, "--libs"])
    if p.returncode or q.returncode:
        print("FAIL export: `cnngen --cflags` / `--libs` failed")
        return 1
    cflags, libs = shlex.split(p.stdout), shlex.split(q.stdout)
    cc = os.environ.get("CC", "cc")
    os.makedirs(a.workdir, exist_ok=True)
    jobs = spec_jobs(a.specs, a.workdir, 11) + random_jobs(a.workdir, a.seed0, a.random)

    def check(job):
        path, opts, label, d, seed = job
        return check_net(cnngen, cflags, libs, cc, path, opts, d, seed, label)

    return run_jobs(jobs, check, a.jobs, "export-c", "", lambda job: " ".join([job[0]] + job[1]))


if __name__ == "__main__":
    sys.exit(main())
