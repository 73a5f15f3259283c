"""train_ref.py - PyTorch reference for tests/suite_train.sh.

  train_ref.py init W0.safetensors [f64]
      a PyTorch LeNet-5 (seeded) saved with stio's writer
  train_ref.py sgd W0 W_C IMAGES LABELS N STEPS LR MOMENTUM WD [f64]
      trains the same LeNet-5 from W0 with torch.optim.SGD on the first N samples
      as one full batch for STEPS steps (what the trainer does with --limit N
      --batch N --epochs STEPS --schedule const) and compares with W_C, the
      trainer's saved weights. Prints the max difference; exit 1 if too large.
  train_ref.py predict W IMAGES N PRED
      the PyTorch predictions for the first N images vs PRED (one class a line)
  train_ref.py probs W IMAGES N OUT
      OUT (lines "class p0 p1 ...", examples/embed's -p) vs PyTorch's softmax
  train_ref.py cinit NET.c PREFIX W
      the initializer `const PREFIX_params PREFIX_weights = {...}` that cnngen
      --weights wrote into NET.c holds exactly W's values, in P_params order
"""
import re
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
    m = stio.lenet5(torch.float64 if len(sys.argv) > 3 and sys.argv[3] == "f64" else None)
    stio.write(sys.argv[2], [(k, v.detach().numpy()) for k, v in m.state_dict().items()])
elif cmd == "sgd":
    w0, wc, images, labels, n, steps, lr, mom, wd = sys.argv[2:11]
    n, steps, lr, mom, wd = int(n), int(steps), float(lr), float(mom), float(wd)
    f64 = len(sys.argv) > 11 and sys.argv[11] == "f64"
    m = model_from(w0)
    x = torch.tensor(stio.pad32(stio.read_idx(images)[:n]))
    if f64:
        m = m.double()
        x = x.double()
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
    sys.exit(0 if worst < (1e-9 if f64 else 1e-4) else 1)
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
elif cmd == "probs":
    w, images, n, out = sys.argv[2:6]
    n = int(n)
    m = model_from(w)
    x = torch.tensor(stio.pad32(stio.read_idx(images)[:n]))
    with torch.no_grad():
        ref = torch.softmax(m(x), 1).numpy()
    got = np.loadtxt(out, dtype=np.float64).reshape(n, -1)
    d = np.abs(got[:, 1:] - ref).max()
    cls_ok = (got[:, 0].astype(int) == got[:, 1:].argmax(1)).all()
    print("max |probability - PyTorch| = %.3g over %d images" % (d, n))
    sys.exit(0 if d < 2e-5 and cls_ok else 1)
elif cmd == "cinit":
    netc, prefix, w = sys.argv[2:5]
    src = open(netc).read()
    start = src.index("const %s_params %s_weights = {" % (prefix, prefix))
    body = src[start:src.index("};", start)]
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    body = body[body.index("{") + 1:]
    vals = re.findall(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?", body)
    t, _ = stio.read(w)
    order = ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
             "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]
    ref = np.concatenate([t[k].reshape(-1) for k in order])
    got = np.array([float(v) for v in vals]).astype(ref.dtype)
    if got.shape != ref.shape:
        print("%d values in the initializer, %d in the file" % (got.size, ref.size))
        sys.exit(1)
    same = np.array_equal(got.view(np.uint32 if ref.dtype == np.float32 else np.uint64),
                          ref.view(np.uint32 if ref.dtype == np.float32 else np.uint64))
    print("%d values, %s" % (got.size, "bit-identical" if same else "DIFFERENT"))
    sys.exit(0 if same else 1)
else:
    sys.exit("unknown command " + cmd)
