#!/usr/bin/env python3
"""make_refs.py OUTDIR SPEC... - PyTorch reference dumps for the offline tier
(`make check`, tests/refs/check.sh), as llm.c's test_gpt2 keeps the reference
activations PyTorch wrote: for each float64 SPEC, OUTDIR/<name>/ gets

  inputs    params.bin input.bin target.bin batch_in.bin batch_tg.bin  (netdriver's)
  expected  want_output.bin want_loss.bin want_grad.bin want_grad_input.bin
            want_batch_loss.bin want_trained.bin
  spec.yaml the spec, copied

all raw little-endian float64, computed by torch autograd on the network that
tests/torchref/torchnet.py builds from the YAML (independently of cnngen), with the
parameters, inputs and targets check_numerics.py draws. The files are committed; the
full suite (tests/suite_refs.sh) regenerates them and fails when they differ, so they
stay PyTorch's."""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "torchref"))

import numpy as np       # noqa: E402
import torch             # noqa: E402
import torchnet          # noqa: E402
from check_numerics import BATCH, LR, make_target  # noqa: E402

SEED = 20261201


def wr(path, arr):
    np.asarray(arr, dtype=np.float64).astype("<f8").tofile(path)


def make(outdir, spec_path):
    spec = torchnet.load_spec(spec_path)
    if spec.get("dtype") != "float64":
        raise SystemExit("make_refs: %s is not float64" % spec_path)
    name = os.path.splitext(os.path.basename(spec_path))[0]
    if name == "spec":   # a dump's own copy: tests/refs/<name>/spec.yaml
        name = os.path.basename(os.path.dirname(os.path.abspath(spec_path)))
    d = os.path.join(outdir, name)
    os.makedirs(d, exist_ok=True)
    shutil.copyfile(spec_path, os.path.join(d, "spec.yaml"))
    net = torchnet.TorchNet(spec, dtype=torch.float64)
    plist = net.param_list()
    rng = np.random.default_rng(SEED)
    flat = []
    for pname, prm in plist:   # as check_numerics.py draws them
        a = 1.5 / np.sqrt(int(np.prod(prm.shape[1:]))) if pname.endswith(".weight") else 0.3
        flat.append(rng.uniform(-a, a, prm.numel()))
    flat = np.concatenate(flat) if flat else np.zeros(0)
    net.set_flat(flat)
    n_in, n_out = int(np.prod(net.input_shape)), int(np.prod(net.output_shape))
    x = rng.normal(size=(1 + BATCH, n_in))
    t = make_target(net.loss_type, rng, 1 + BATCH, n_out)
    wr(os.path.join(d, "params.bin"), flat)
    wr(os.path.join(d, "input.bin"), x[0])
    wr(os.path.join(d, "target.bin"), t[0])
    wr(os.path.join(d, "batch_in.bin"), x[1:])
    wr(os.path.join(d, "batch_tg.bin"), t[1:])

    xs = torch.tensor(x[0].reshape((1,) + net.input_shape), requires_grad=True)
    y, L = net.loss_and_output(net(xs), torch.tensor(t[0:1]))
    L = L.sum()
    grads = torch.autograd.grad(L, [p for _, p in plist] + [xs])
    wr(os.path.join(d, "want_output.bin"), y.detach().numpy().ravel())
    wr(os.path.join(d, "want_loss.bin"), [L.item()])
    wr(os.path.join(d, "want_grad.bin"), np.concatenate([g.numpy().ravel() for g in grads[:-1]]))
    wr(os.path.join(d, "want_grad_input.bin"), grads[-1].numpy().ravel())

    xb = torch.tensor(x[1:].reshape((BATCH,) + net.input_shape))
    _, Lb = net.loss_and_output(net(xb), torch.tensor(t[1:]))
    Lm = Lb.mean()
    gb = torch.autograd.grad(Lm, [p for _, p in plist])
    newp = np.concatenate([(p.detach() - LR * g).numpy().ravel() for (_, p), g in zip(plist, gb)])
    wr(os.path.join(d, "want_batch_loss.bin"), [Lm.item()])
    wr(os.path.join(d, "want_trained.bin"), newp)
    with open(os.path.join(d, "run.txt"), "w") as f:
        f.write("%d %r\n" % (BATCH, LR))   # netdriver's N and LR


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    torch.set_num_threads(1)
    for s in sys.argv[2:]:
        make(sys.argv[1], s)


if __name__ == "__main__":
    main()
