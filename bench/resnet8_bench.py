#!/usr/bin/python3
"""resnet8_bench.py - ResNet-8 (examples/train/resnet8_fmnist.yaml: MLPerf Tiny's ResNet-8
on one 32x32 channel) in `make bench`: the generated C's training time per epoch of
Fashion-MNIST (60,000 samples, P_train_batch at batch 32) next to PyTorch training the
same network (the exported module, train mode, SGD with momentum, one thread) in the
same run, and its inference (P_forward, batch 1, of the --inference-only build a
deployment uses, and of the training build) next to ONNX Runtime (one thread) on the same
trained weights, checked to agree first.

Per-epoch figures are measured over BATCHES batches of 32 (process CPU time) and scaled
to 60,000 samples. Prints a table with the CPU, the ratios and MET / NOT MET for
"C trains an epoch at least as fast as PyTorch" and "C infers at least as fast as ORT".

usage: resnet8_bench.py CNNGEN OUTDIR [--batches N] [--infer N] [--cpu-pin CMD...]
"""
import argparse
import importlib.util
import json
import os
import shlex
import subprocess
import sys
import time

import numpy as np
import torch

from hostinfo import cpu_name

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SPEC = os.path.join(ROOT, "examples", "train", "resnet8_fmnist.yaml")
EPOCH = 60000


def sh(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode:
        sys.exit("resnet8_bench: %s failed: %s" % (cmd[0], (p.stderr or p.stdout)[-500:]))
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cnngen")
    ap.add_argument("out")
    ap.add_argument("--batches", type=int, default=int(os.environ.get("RESNET8_BATCHES", 30)))
    ap.add_argument("--infer", type=int, default=int(os.environ.get("RESNET8_INFER", 300)))
    ap.add_argument("--pin", default=os.environ.get("RESNET8_PIN", ""))
    a = ap.parse_args()
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    pin = shlex.split(a.pin)
    cn = os.path.abspath(a.cnngen)
    cflags = shlex.split(sh([cn, "--cflags"]))
    libs = shlex.split(sh([cn, "--libs"]))

    # ---- the generated C
    sh([cn, SPEC, "-o", os.path.join(out, "r8.c")])
    exe = os.path.join(out, "r8_bench")
    sh(["cc", "-O2", "-march=native", "-std=c99", "-DMODEL=resnet8_fmnist_model", "-I", out]
       + cflags + [os.path.join(HERE, "resnet8_c.c"), os.path.join(out, "r8.c"), "-o", exe] + libs + ["-lm"])
    res = [json.loads(l) for l in sh(pin + [exe, out, str(a.batches), str(a.infer)]).splitlines()]
    c_train = next(r for r in res if r["what"] == "train_batch")["us_per_sample"]
    c_inf = next(r for r in res if r["what"] == "forward")["us_per_sample"]

    # ---- PyTorch, the exported module, one thread
    py = os.path.join(out, "r8_export.py")
    sh([cn, "--emit", "pytorch", SPEC, "-o", py])
    spec = importlib.util.spec_from_file_location("r8_export", py)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    torch.set_num_threads(1)
    model = mod.Net()
    model.load_safetensors(os.path.join(out, "params.safetensors"))
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    g = torch.Generator().manual_seed(3)
    x = torch.rand((32,) + tuple(mod.INPUT_SHAPE), generator=g)
    t = torch.nn.functional.one_hot(torch.randint(0, 10, (32,), generator=g), 10).float()

    def step():
        opt.zero_grad()
        model.loss(model(x), t).backward()
        opt.step()
    for _ in range(3):
        step()
    t0 = time.process_time()
    for _ in range(a.batches):
        step()
    t_train = (time.process_time() - t0) / (a.batches * 32) * 1e6
    with torch.no_grad():
        model.eval()
        xi = x[:1]
        for _ in range(10):
            model(xi)
        t0 = time.process_time()
        for _ in range(a.infer):
            model(xi)
        t_inf = (time.process_time() - t0) / a.infer * 1e6

    # ---- ONNX Runtime on the C's trained weights, checked against the C's outputs
    ort_inf = None
    node_ok = os.path.isdir(os.path.join(HERE, "node_modules", "onnxruntime-node"))
    if node_ok:
        m2 = mod.Net()
        m2.load_safetensors(os.path.join(out, "trained.safetensors"))
        m2.eval()
        onnx = os.path.join(out, "r8.onnx")
        torch.onnx.export(m2, torch.zeros((1,) + tuple(mod.INPUT_SHAPE)), onnx, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "n"}, "output": {0: "n"}},
                          opset_version=13)
        C, H, W = mod.INPUT_SHAPE
        lines = sh(pin + ["node", os.path.join(HERE, "ort_bench.js"), onnx, "resnet8",
                          os.path.join(out, "input.bin"), os.path.join(out, "ref.bin"),
                          str(C), str(H), str(W), "1", "3", "0.2"])
        for l in lines.splitlines():
            r = json.loads(l)
            if r.get("kind") == "time" and r.get("what") == "infer":
                ort_inf = r["us_per_sample"]

    # the C's inference as a deployment builds it: --inference-only (batchnorms folded,
    # activations fused) on the trained weights, P_forward at batch 1 (bench/bench_c.c)
    di = os.path.join(out, "infer")
    os.makedirs(di, exist_ok=True)
    sh([cn, SPEC, "-o", os.path.join(di, "r8i.c"), "--inference-only"])
    exi = os.path.join(di, "bench_c")
    sh(["cc", "-O2", "-march=native", "-DBENCH_MODEL=resnet8_fmnist_model"] + cflags +
       [os.path.join(HERE, "bench_c.c"), os.path.join(di, "r8i.c"), "-o", exi] + libs + ["-lm"])
    env = dict(os.environ, BENCH_WEIGHTS=os.path.join(out, "trained.safetensors"))
    p = subprocess.run(pin + [exi, di, "1", "3", "0.2", "c-infer"], capture_output=True, text=True, env=env)
    if p.returncode:
        sys.exit("resnet8_bench: bench_c failed: " + (p.stderr or p.stdout)[-400:])
    c_inf_deploy = next(json.loads(l)["us_per_sample"] for l in p.stdout.splitlines()
                        if '"what": "infer"' in l)

    ep_c, ep_t = c_train * EPOCH / 1e6, t_train * EPOCH / 1e6
    rep = json.loads(sh([cn, "--report", "--format", "json", SPEC]))
    print("ResNet-8 (examples/train/resnet8_fmnist.yaml, 1x32x32, {:,} params), {}, one thread"
          .format(rep["total_params"], cpu_name()))
    print("  training, per epoch of 60,000 (batch 32, %d batches measured):" % a.batches)
    print("    cnngen P_train_batch  %8.1f s   (%7.1f us/sample)" % (ep_c, c_train))
    print("    PyTorch %-13s %8.1f s   (%7.1f us/sample)   ratio %.2fx  %s"
          % (torch.__version__, ep_t, t_train, ep_t / ep_c, "MET" if ep_c <= ep_t else "NOT MET"))
    print("  inference, batch 1 (the trained weights):")
    print("    cnngen P_forward, --inference-only build  %8.1f us" % c_inf_deploy)
    print("    cnngen P_forward, training build (eval)   %8.1f us" % c_inf)
    print("    PyTorch                                   %8.1f us   ratio %.2fx" % (t_inf, t_inf / c_inf_deploy))
    if ort_inf is not None:
        print("    ONNX Runtime 1.17.0                       %8.1f us   ratio %.2fx  %s"
              % (ort_inf, ort_inf / c_inf_deploy, "MET" if c_inf_deploy <= ort_inf else "NOT MET"))
    else:
        print("    ONNX Runtime          n/a (bench/install_ort.sh did not install onnxruntime-node)")
    with open(os.path.join(out, "resnet8.json"), "w") as f:
        json.dump({"cpu": cpu_name(), "c_epoch_s": ep_c, "torch_epoch_s": ep_t, "c_infer_us": c_inf_deploy,
                   "c_infer_training_build_us": c_inf,
                   "torch_infer_us": t_inf, "ort_infer_us": ort_inf}, f)


if __name__ == "__main__":
    main()
