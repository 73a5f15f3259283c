"""train_ref.py - PyTorch reference for tests/suite_train.sh.

  train_ref.py init W0.safetensors
      a PyTorch LeNet-5 (seeded) saved with stio's writer
  train_ref.py sgd W0 W_C IMAGES LABELS N STEPS LR MOMENTUM WD
      trains the same LeNet-5 from W0 with torch.optim.SGD on the first N samples
      as one full batch for STEPS steps (what the trainer does with --limit N
      --batch N --epochs STEPS --schedule const) and compares with W_C, the
      trainer's saved weights. Prints the max difference; exit 1 if too large.
  train_ref.py predict W IMAGES N PRED
      the PyTorch predictions for the first N images vs PRED (one class a line)
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stio  # noqa: E402

torch.set_num_threads(1)


def model_from(path):
    t, _ = stio.read(path)
    m = stio.lenet5()
    m.load_state_dict({k: torch.tensor(v) for k, v in t.items()}, strict=True)
    return m


cmd = sys.argv[1]
if cmd == "init":
    torch.manual_seed(5)
    m = stio.lenet5()
    stio.write(sys.argv[2], [(k, v.detach().numpy()) for k, v in m.state_dict().items()])
elif cmd == "sgd":
    w0, wc, images, labels, n, steps, lr, mom, wd = sys.argv[2:11]
    n, steps, lr, mom, wd = int(n), int(steps), float(lr), float(mom), float(wd)
    m = model_from(w0)
    x = torch.tensor(stio.pad32(stio.read_idx(images)[:n]))
    y = torch.tensor(stio.read_idx(labels)[:n].astype(np.int64))
    opt = torch.optim.SGD(m.parameters(), lr=lr, momentum=mom, weight_decay=wd)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(x), y).backward()
        opt.step()
    got, _ = stio.read(wc)
    worst, worst_name, scale = 0.0, "", 0.0
    for k, v in m.state_dict().items():
        d = np.abs(got[k] - v.numpy()).max()
        scale = max(scale, np.abs(v.numpy()).max())
        if d > worst:
            worst, worst_name = d, k
    print("max |trainer - PyTorch| = %.3g (in %s; weights up to %.3g)" % (worst, worst_name, scale))
    sys.exit(0 if worst < 1e-4 else 1)
elif cmd == "predict":
    w, images, n, pred = sys.argv[2:6]
    n = int(n)
    m = model_from(w)
    x = torch.tensor(stio.pad32(stio.read_idx(images)[:n]))
    with torch.no_grad():
        logits = m(x).numpy()
    ref = logits.argmax(1)
    top2 = np.sort(logits, 1)[:, -2:]
    got = np.loadtxt(pred, dtype=np.int64).reshape(-1)
    if len(got) != n:
        print("%d predictions, expected %d" % (len(got), n))
        sys.exit(1)
    differ = got != ref
    # a different class is only acceptable on a near-tie (rounding decides it)
    bad = int((differ & (top2[:, 1] - top2[:, 0] > 1e-4)).sum())
    print("%d of %d predictions differ from PyTorch (%d not near-ties)" % (int(differ.sum()), n, bad))
    sys.exit(0 if bad == 0 else 1)
else:
    sys.exit("unknown command " + cmd)
