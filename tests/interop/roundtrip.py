"""roundtrip.py - weights between the exported PyTorch module and the generated C, both
ways, through safetensors; and PyTorch DistributedDataParallel training moved into C.

For each spec (with a loss), with the C built from `cnngen SPEC -o net.c` and
tests/interop/stdriver.c (cnngen_load_safetensors / cnngen_save_safetensors), and the
module from `cnngen --emit pytorch SPEC -o net.py`:

  torch->C   the module trains a few steps with torch.optim.SGD (momentum 0.9) on random
             data; its state_dict is written as safetensors by tests/weights/stio.py
             (helper D's independent numpy writer) and by the module's own
             save_safetensors(); the C loads each file and predicts held-out inputs:
             outputs equal the module's (tol) and so do the predicted classes.
  C->torch   the C initializes (P_init) and trains STEPS x P_train_batch, saving the
             initial and the trained weights; the module loads the initial file
             (load_safetensors) and replays the steps with torch.optim.SGD: its weights
             equal the C's trained file; the trained file loaded with
             load_state_dict(strict=True) (via stio.read) predicts as the C does.
  ddp        (--ddp, first spec only) 2 processes, gloo backend on CPU
             (torch.multiprocessing), DistributedDataParallel around the module, each
             rank half of the batch, STEPS SGD steps from the C's initial weights: the
             result equals single-process training on the whole batch and the C's own
             train_batch run, and the C loads it and predicts as the module does.
             SKIP (with the reason) when the sandbox cannot run gloo.

usage: roundtrip.py CNNGEN WORKDIR [--ddp] SPEC...
"""

import argparse
import importlib.util
import json
import os
import shlex
import sys
import traceback

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "torchref"))
sys.path.insert(0, os.path.join(ROOT, "tests", "weights"))
sys.path.insert(0, HERE)
import stio  # noqa: E402
import torchnet  # noqa: E402
from check_numerics import (Fail, Xoshiro, compare, dropout_masks, first_line,  # noqa: E402
                            make_target, run)
from check_export import forced_dropout  # noqa: E402

DRIVER = os.path.join(HERE, "stdriver.c")
N, NTEST, STEPS, LR = 8, 16, 4, 0.05


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Net:
    """One spec's C build and exported module."""

    def __init__(self, cnngen, cflags, libs, cc, path, workdir):
        self.dir = workdir
        os.makedirs(workdir, exist_ok=True)
        rep = json.loads(run([cnngen, "--report", "--format", "json", path]).stdout)
        self.prefix, self.dtype = rep["name"], rep["dtype"]
        self.path, self.names = path, [l["name"] for l in rep["layers"]]
        self.npdt = np.float64 if self.dtype == "float64" else np.float32
        self.tdt = torch.float64 if self.dtype == "float64" else torch.float32
        self.tol = 1e-9 if self.dtype == "float64" else 1e-4
        c = os.path.join(workdir, "net.c")
        p = run([cnngen, path, "-o", c])
        if p.returncode:
            raise Fail("cnngen: " + first_line(p.stderr))
        self.py = os.path.join(workdir, "net_%s.py" % self.prefix)
        p = run([cnngen, "--emit", "pytorch", path, "-o", self.py])
        if p.returncode:
            raise Fail("cnngen --emit pytorch: " + first_line(p.stderr))
        self.exe = os.path.join(workdir, "stdriver")
        p = run([cc, "-O1", "-std=c99", "-I", workdir] + cflags +
                ["-DMODEL=%s_model" % self.prefix, DRIVER, c, "-o", self.exe] + libs + ["-lm"])
        if p.returncode:
            raise Fail("compiling stdriver: " + first_line(p.stderr))
        self.mod = load_module(self.py, "rt_" + self.prefix)
        rng = np.random.default_rng(5)
        isz = int(np.prod(self.mod.INPUT_SHAPE))
        self.x = rng.normal(size=(N, isz)).astype(self.npdt)
        self.xt = rng.normal(size=(NTEST, isz)).astype(self.npdt)
        self.t = make_target(self.mod.LOSS, rng, N, self.mod.OUTPUT_SIZE).astype(self.npdt)

    def f(self, name):
        return os.path.join(self.dir, name)

    def c_predict(self, st):
        self.xt.astype(np.dtype(self.npdt).newbyteorder("<")).tofile(self.f("xt.bin"))
        p = run([self.exe, "predict", st, self.f("xt.bin"), str(NTEST), self.f("yt.bin")])
        if p.returncode:
            raise Fail("C predict: " + first_line(p.stderr))
        return np.fromfile(self.f("yt.bin"), dtype=np.dtype(self.npdt).newbyteorder("<")
                           ).astype(np.float64).reshape(NTEST, -1)

    def c_train(self, seed):
        self.x.astype(np.dtype(self.npdt).newbyteorder("<")).tofile(self.f("x.bin"))
        self.t.astype(np.dtype(self.npdt).newbyteorder("<")).tofile(self.f("t.bin"))
        p = run([self.exe, "train", str(seed), self.f("x.bin"), self.f("t.bin"), str(N), str(STEPS),
                 repr(LR), self.f("c_init.safetensors"), self.f("c_trained.safetensors")])
        if p.returncode:
            raise Fail("C train: " + first_line(p.stderr))
        return self.f("c_init.safetensors"), self.f("c_trained.safetensors")

    def predict(self, model):
        model.eval()
        with torch.no_grad():
            return model(torch.tensor(self.xt)).double().numpy()

    def same_predictions(self, what, yc, yt):
        compare(what + " outputs", yc, yt, self.tol)
        if yc.shape[1] > 1 and self.mod.LOSS in ("softmax_cross_entropy", "cross_entropy"):
            # classes: only where torch's top two are not within the tolerance
            top = np.sort(yt, 1)
            clear = top[:, -1] - top[:, -2] > 10 * self.tol
            if not np.array_equal(yc.argmax(1)[clear], yt.argmax(1)[clear]):
                raise Fail("%s: predicted classes differ" % what)


def flat(mod, sd):
    return np.concatenate([np.asarray(sd[n], dtype=np.float64).ravel() for n, _ in mod.TENSORS])


def sgd_replay(net, model, steps, x, t, momentum=0.0, replay_c=False):
    """steps train-mode SGD steps on (x, t); replay_c: with the dropout masks the C draws
    from a zeroed workspace (its stream seeded with 0, continuing from step to step)."""
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=momentum)
    rng = Xoshiro.seeded(0)
    ref = torchnet.TorchNet(torchnet.load_spec(net.path), names=net.names)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        masks = dropout_masks(ref, len(x), rng).values() if replay_c else None
        if masks:
            with forced_dropout(masks):
                y = model(torch.tensor(x))
        else:
            y = model(torch.tensor(x))
        model.loss(y, torch.tensor(t)).backward()
        opt.step()
    model.eval()


def torch_to_c(net):
    mod = net.mod
    torch.manual_seed(3)
    model = mod.Net()
    init = flat(mod, {k: v.numpy() for k, v in model.state_dict().items()})
    sgd_replay(net, model, STEPS, net.x, net.t, momentum=0.9)
    sd = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    if np.array_equal(flat(mod, sd), init):
        raise Fail("training did not move the weights")
    yt = net.predict(model)
    a = net.f("torch_stio.safetensors")
    stio.write(a, [(n, sd[n]) for n in sd], metadata={"format": "pt"})
    net.same_predictions("stio-written state_dict in C", net.c_predict(a), yt)
    b = net.f("torch_own.safetensors")
    model.save_safetensors(b)
    net.same_predictions("save_safetensors() in C", net.c_predict(b), yt)


def c_to_torch(net):
    mod = net.mod
    init, trained = net.c_train(seed=9)
    model = mod.Net()
    model.load_safetensors(init)
    sgd_replay(net, model, STEPS, net.x, net.t, replay_c=True)
    tr, meta = stio.read(trained)
    if meta.get("generator") != "cnngen":
        raise Fail("the C's file has metadata %r" % (meta,))
    tol = net.tol * 10 if net.dtype == "float32" else net.tol   # several steps of rounding
    compare("torch SGD replay of the C's training", flat(mod, {k: v.detach().numpy() for k, v in
                                                               model.state_dict().items()}),
            flat(mod, tr), tol)
    m2 = mod.Net()
    m2.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tr.items()}, strict=True)
    net.same_predictions("C-trained weights in torch", net.c_predict(trained), net.predict(m2))


# ---- DistributedDataParallel, world size 2, gloo on CPU

def _ddp_worker(rank, world, pyfile, store, init_st, x, t, out_st, q):
    try:
        import torch.distributed as dist
        from torch.nn.parallel import DistributedDataParallel as DDP
        torch.set_num_threads(1)
        dist.init_process_group("gloo", init_method="file://" + store, rank=rank, world_size=world)
        mod = load_module(pyfile, "ddp_net")
        model = mod.Net()
        model.load_safetensors(init_st)
        ddp = DDP(model)
        opt = torch.optim.SGD(ddp.parameters(), lr=LR)
        xs, ts = torch.tensor(x[rank::world]), torch.tensor(t[rank::world])
        logits = True
        for _ in range(STEPS):
            opt.zero_grad()
            y = ddp(xs)
            logits &= (mod.LOSS == "mse") or hasattr(y, "_cnngen_logits")
            model.loss(y, ts).backward()       # DDP averages the gradients over ranks
            opt.step()
        if rank == 0:
            model.save_safetensors(out_st)
        dist.barrier()
        dist.destroy_process_group()
        q.put((rank, "ok", logits))
    except Exception:
        q.put((rank, "error", traceback.format_exc()))


def ddp(net):
    import torch.multiprocessing as mp
    try:
        import torch.distributed as dist
        if not dist.is_available() or not dist.is_gloo_available():
            return "SKIP", "torch.distributed with gloo is not available in this torch build"
    except Exception as e:  # noqa: BLE001
        return "SKIP", "torch.distributed cannot be imported: %s" % e
    init, c_trained = net.c_train(seed=21)
    store = net.f("ddp_store")
    if os.path.exists(store):
        os.unlink(store)
    out = net.f("ddp.safetensors")
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_ddp_worker, args=(r, 2, net.py, store, init, net.x, net.t, out, q))
             for r in range(2)]
    for p in procs:
        p.start()
    res = []
    for _ in procs:
        try:
            res.append(q.get(timeout=240))
        except Exception:
            break
    for p in procs:
        p.join(timeout=30)
        if p.is_alive():
            p.kill()
    errs = [r for r in res if r[1] != "ok"]
    if len(res) < 2 or errs:
        why = errs[0][2].strip().splitlines()[-1] if errs else "the workers did not report"
        if any(w in why for w in ("gloo", "Gloo", "socket", "Socket", "connect", "bind",
                                  "Network", "interface", "ProcessGroup")):
            return "SKIP", "DDP with gloo cannot run in this sandbox: " + why
        raise Fail("DDP workers failed: " + why)
    if not all(r[2] for r in res):
        raise Fail("DDP's output lost the logits forward() attaches")
    mod = net.mod
    dd, _ = stio.read(out)
    single = mod.Net()
    single.load_safetensors(init)
    sgd_replay(net, single, STEPS, net.x, net.t)
    tol = net.tol * 10 if net.dtype == "float32" else net.tol
    compare("DDP vs single-process training", flat(mod, dd),
            flat(mod, {k: v.detach().numpy() for k, v in single.state_dict().items()}), tol)
    ct, _ = stio.read(c_trained)
    compare("DDP vs the C's train_batch", flat(mod, dd), flat(mod, ct), tol)
    m = mod.Net()
    m.load_safetensors(out)
    net.same_predictions("DDP-trained weights in C", net.c_predict(out), net.predict(m))
    return "PASS", None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cnngen")
    ap.add_argument("workdir")
    ap.add_argument("--ddp", action="store_true")
    ap.add_argument("specs", nargs="+")
    a = ap.parse_args()
    torch.set_num_threads(1)
    cnngen = os.path.abspath(a.cnngen)
    cflags = shlex.split(run([cnngen, "--cflags"]).stdout)
    libs = shlex.split(run([cnngen, "--libs"]).stdout)
    cc = os.environ.get("CC", "cc")
    nfail = 0

    def report(label, fn, *args):
        nonlocal nfail
        try:
            r = fn(*args)
            if isinstance(r, tuple) and r[0] == "SKIP":
                print("SKIP %s: %s" % (label, r[1]), flush=True)
                return
            print("PASS %s" % label, flush=True)
        except Fail as e:
            nfail += 1
            print("FAIL %s: %s" % (label, e), flush=True)
        except Exception as e:  # noqa: BLE001
            nfail += 1
            print("FAIL %s: exception %s: %s" % (label, type(e).__name__, e), flush=True)

    for i, s in enumerate(a.specs):
        stem = os.path.splitext(os.path.basename(s))[0]
        try:
            net = Net(cnngen, cflags, libs, cc, s, os.path.join(a.workdir, stem))
        except Fail as e:
            nfail += 1
            print("FAIL roundtrip/%s: %s" % (stem, e), flush=True)
            continue
        report("roundtrip-torch-to-c/%s" % stem, torch_to_c, net)
        report("roundtrip-c-to-torch/%s" % stem, c_to_torch, net)
        if a.ddp and i == 0:
            report("ddp-gloo-to-c/%s" % stem, ddp, net)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
