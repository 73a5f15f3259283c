#!/usr/bin/python3
"""graph_bench.py - `make bench` for MLPerf Tiny's graph networks (issue 13): ResNet-8
(specs/mlperf_tiny/resnet8.yaml, 3x32x32) and DS-CNN (specs/mlperf_tiny/ds_cnn.yaml,
1x49x10), float32, one thread, side by side in one run:

- the generated C (bench/bench_c.c) built with gcc -O2 -march=native and with plain gcc
  -O2 (the portable build): training, one P_train_batch of n = B, in the training build;
  inference, P_forward over B samples and P_forward_batch of B, in the --inference-only
  build (batchnorms folded, as a deployment builds it) on the same weights;
- PyTorch 1.13 (the `cnngen --emit pytorch` module with the C's initial weights, eval
  mode for inference, train mode and plain SGD for the training step, like the C's),
  and the same PyTorch with OpenBLAS (Debian's libopenblas0-pthread, as bench/run.sh);
- ONNX Runtime 1.17 (onnxruntime-node; the module exported to ONNX in eval mode).

PyTorch and ONNX Runtime are first checked to compute the C's outputs on the same 32
inputs. Per batch (1 and 32): microseconds per sample (the median of REPS runs of about
MIN_TIME seconds, process CPU time). Targets: inference at batch 1 at least 1.3x ONNX
Runtime, at batch 32 at least 1x; training at batch 32 at least 2x PyTorch with
OpenBLAS; the plain -O2 build within 1.15x of -march=native on every row.

usage: graph_bench.py CNNGEN OUTDIR [SPEC...]   (env: BENCH_PIN, BENCH_REPS, BENCH_MIN_TIME,
       BENCH_OBLIB: the OpenBLAS directory for LD_LIBRARY_PATH)
       graph_bench.py --torch SPEC DIR REPS MIN_TIME IMPL   (one PyTorch run, JSON lines)
Exit status 1 when a target is not met.
"""
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

from hostinfo import cpu_name

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SPECS = ["specs/mlperf_tiny/resnet8.yaml", "specs/mlperf_tiny/ds_cnn.yaml"]


def sh(cmd, env=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode:
        sys.exit("graph_bench: %s failed: %s" % (" ".join(cmd[:3]), (p.stderr or p.stdout)[-600:]))
    return p.stdout


def load_module(cn, spec, d):
    import importlib.util
    py = os.path.join(d, "net_export.py")
    sh([cn, "--emit", "pytorch", spec, "-o", py])
    s = importlib.util.spec_from_file_location("net_export_%d" % abs(hash(d)), py)
    mod = importlib.util.module_from_spec(s)
    s.loader.exec_module(mod)
    return mod


def timed(fn, reps, min_time, per):
    """median over reps runs (each about min_time s) of process CPU time per sample, us"""
    fn()
    t0 = time.process_time()
    fn()
    one = max(time.process_time() - t0, 1e-6)
    iters = max(1, int(min_time / one))
    runs = []
    for _ in range(reps):
        t0 = time.process_time()
        for _ in range(iters):
            fn()
        runs.append((time.process_time() - t0) / iters / per * 1e6)
    return statistics.median(runs)


def torch_side(spec, d, reps, min_time, impl):
    import numpy as np
    import torch
    torch.set_num_threads(1)
    cn = os.path.join(ROOT, "cnngen")
    mod = load_module(cn, spec, d)
    m = mod.Net()
    m.set_flat_parameters(torch.from_numpy(np.fromfile(os.path.join(d, "params.bin"), dtype=np.float32)))
    shape = tuple(mod.INPUT_SHAPE)
    x = torch.from_numpy(np.fromfile(os.path.join(d, "input.bin"), dtype=np.float32)).reshape((-1,) + shape)
    ref = np.fromfile(os.path.join(d, "output.bin"), dtype=np.float32).reshape(x.shape[0], -1)
    m.eval()
    with torch.no_grad():     # the module returns what P_forward does (the loss's transform)
        y = m(x).numpy()
    err = float(np.max(np.abs(y - ref)) / max(1e-30, float(np.max(np.abs(ref)))))
    print(json.dumps({"kind": "check", "impl": impl, "max_rel_err": err, "ok": err < 1e-4}))
    if impl == "torch":
        m.save_safetensors(os.path.join(d, "params.safetensors"))
        torch.onnx.export(m, x[:1], os.path.join(d, "model.onnx"), input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "n"}, "output": {0: "n"}},
                          opset_version=13)
    for b in (1, 32):
        xb = x[:b]
        with torch.no_grad():
            us = timed(lambda: m(xb), reps, min_time, b)
        print(json.dumps({"kind": "time", "impl": impl, "what": "infer", "batch": b, "us": us}))
    g = torch.Generator().manual_seed(3)
    nout = ref.shape[1]
    t = torch.nn.functional.one_hot(torch.randint(0, nout, (32,), generator=g), nout).float()
    opt = torch.optim.SGD(m.parameters(), lr=1e-4)
    m.train()

    def step():
        opt.zero_grad()
        m.loss(m(x[:32]), t).backward()
        opt.step()
    us = timed(step, reps, min_time, 32)
    print(json.dumps({"kind": "time", "impl": impl, "what": "train", "batch": 32, "us": us}))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--torch":
        spec, d, reps, mt, impl = sys.argv[2:7]
        torch_side(spec, d, int(reps), float(mt), impl)
        return 0
    cn = os.path.abspath(sys.argv[1])
    out = os.path.abspath(sys.argv[2])
    specs = sys.argv[3:] or SPECS
    pin = shlex.split(os.environ.get("BENCH_PIN", ""))
    reps = int(os.environ.get("BENCH_REPS", "3"))
    mt = float(os.environ.get("BENCH_MIN_TIME", "0.1"))
    oblib = os.environ.get("BENCH_OBLIB", "")
    cflags = shlex.split(sh([cn, "--cflags"]))
    libs = shlex.split(sh([cn, "--libs"]))
    ort_ok = os.path.isdir(os.path.join(HERE, "node_modules", "onnxruntime-node"))
    rows, targets = [], []
    for spec in specs:
        net = os.path.splitext(os.path.basename(spec))[0]
        d = os.path.join(out, net)
        os.makedirs(d, exist_ok=True)
        T = {}
        sh([cn, os.path.join(ROOT, spec), "-o", os.path.join(d, "net.c"), "--prefix", "net", "--batch", "32"])
        for v, fl in (("c-native", ["-O2", "-march=native"]), ("c-O2", ["-O2"])):
            exe = os.path.join(d, "bench_" + v)
            sh(["gcc"] + fl + ["-DBENCH_MODEL=net_model"] + cflags +
               [os.path.join(HERE, "bench_c.c"), os.path.join(d, "net.c"), "-o", exe] + libs + ["-lm"])
            for l in sh(pin + [exe, d, "1,32", str(reps), str(mt), v]).splitlines():
                r = json.loads(l)
                if r.get("kind") == "time":
                    T[(v, r["what"], r["batch"])] = r["us_per_sample"]
        checks = []
        for impl in ("torch", "torch-openblas"):
            env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
            if impl == "torch-openblas":
                if not oblib:
                    continue
                env["LD_LIBRARY_PATH"] = oblib + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
            for l in sh(pin + [sys.executable, os.path.abspath(__file__), "--torch", os.path.join(ROOT, spec), d,
                               str(reps), str(mt), impl], env=env).splitlines():
                r = json.loads(l)
                if r["kind"] == "time":
                    T[(impl, r["what"], r["batch"])] = r["us"]
                elif r["kind"] == "check":
                    checks.append(r)
        # inference: the --inference-only build a deployment uses (each batchnorm folded
        # into the conv2d before it), on the same weights (read from safetensors)
        di = os.path.join(d, "infer")
        os.makedirs(di, exist_ok=True)
        sh([cn, os.path.join(ROOT, spec), "-o", os.path.join(di, "net.c"), "--prefix", "net", "--batch", "32",
            "--inference-only"])
        env = dict(os.environ, BENCH_WEIGHTS=os.path.join(d, "params.safetensors"))
        for v, fl in (("c-native", ["-O2", "-march=native"]), ("c-O2", ["-O2"])):
            exe = os.path.join(di, "bench_" + v)
            sh(["gcc"] + fl + ["-DBENCH_MODEL=net_model"] + cflags +
               [os.path.join(HERE, "bench_c.c"), os.path.join(di, "net.c"), "-o", exe] + libs + ["-lm"])
            for l in sh(pin + [exe, di, "1,32", str(reps), str(mt), v], env=env).splitlines():
                r = json.loads(l)
                if r.get("kind") == "time" and r["what"].startswith("infer"):
                    T[(v, r["what"], r["batch"])] = r["us_per_sample"]
        import numpy as np
        a_, b_ = (np.fromfile(os.path.join(x, "output.bin"), dtype=np.float32) for x in (d, di))
        rerr = float(np.max(np.abs(a_ - b_)) / max(1e-30, float(np.max(np.abs(a_)))))
        checks.append({"impl": "the --inference-only build (folded)", "max_rel_err": rerr, "ok": rerr < 1e-4})
        if ort_ok:
            shp = json.loads(sh([cn, "--report", "--format", "json", os.path.join(ROOT, spec)]))["input"]
            C, H, W = (shp["channels"], shp["height"], shp["width"]) if isinstance(shp, dict) else shp
            for l in sh(pin + ["node", os.path.join(HERE, "ort_bench.js"), os.path.join(d, "model.onnx"), net,
                               os.path.join(d, "input.bin"), os.path.join(d, "output.bin"),
                               str(C), str(H), str(W), "1,32", str(reps), str(mt)]).splitlines():
                r = json.loads(l)
                if r.get("kind") == "time" and r.get("what") == "infer":
                    T[("ort", "infer", r["batch"])] = r["us_per_sample"]
        for c in checks:
            rows.append("check      %s: %s agrees with the generated C (max rel err %.1e)%s"
                        % (net, c["impl"], c["max_rel_err"], "" if c["ok"] else "  ** MISMATCH **"))
        names = [("c-native", "cnngen C, gcc -O2 -march=native"), ("c-O2", "cnngen C, gcc -O2"),
                 ("torch", "PyTorch 1.13, 1 thread"), ("torch-openblas", "PyTorch 1.13 + OpenBLAS"),
                 ("ort", "ONNX Runtime 1.17, 1 thread")]
        for what, b in (("infer", 1), ("infer", 32), ("infer_batch", 32), ("train", 32)):
            rw = "infer" if what == "infer_batch" else what
            for impl, iname in names:
                us = T.get((impl, what, b))
                if us is None or (what == "infer_batch" and not impl.startswith("c-")):
                    continue
                xs = ""
                if impl.startswith("c-"):
                    for ref, lab in (("torch", "x torch"), ("torch-openblas", "x t+OB"), ("ort", "x ORT")):
                        if T.get((ref, rw, b)):
                            xs += "  %s %.2f" % (lab, T[(ref, rw, b)] / us)
                rows.append("%-8s %-5s %5d  %-44s %9.1f%s" % (net, rw, b, iname + (" P_forward_batch" if what == "infer_batch" else ""), us, xs))

        def tgt(name, what, b, ref, factor):
            c, o = T.get(("c-native", what, b)), T.get((ref, "infer" if what == "infer_batch" else what, b))
            if c is None or o is None:
                targets.append(("NOT MEASURED", "%s %s: no figure for %s" % (net, name, ref)))
            else:
                targets.append(("MET" if o / c >= factor else "NOT MET",
                                "%s %s: %.1f us vs %.1f us per sample = %.2fx (target >= %gx)"
                                % (net, name, c, o, o / c, factor)))
        tgt("inference, batch 1, vs ONNX Runtime", "infer", 1, "ort", 1.3)
        tgt("inference, batch 32 (P_forward_batch), vs ONNX Runtime", "infer_batch", 32, "ort", 1.0)
        tgt("training, batch 32, vs PyTorch+OpenBLAS", "train", 32, "torch-openblas", 2.0)
        for what, b in (("infer", 1), ("infer", 32), ("infer_batch", 32), ("train", 32)):
            c, o = T.get(("c-native", what, b)), T.get(("c-O2", what, b))
            if c and o:
                targets.append(("MET" if o / c <= 1.15 else "NOT MET",
                                "%s %s batch %d: plain -O2 %.1f us / -march=native %.1f us = %.2f (target <= 1.15)"
                                % (net, what, b, o, c, o / c)))
    print("MLPerf Tiny graph networks, float32, one thread, %s (us per sample; process CPU time)" % cpu_name())
    print("\n".join(rows))
    print("Targets (issue 13):")
    for st, s in targets:
        print("  %-12s %s" % (st, s))
    with open(os.path.join(out, "graph_bench.json"), "w") as f:
        json.dump({"cpu": cpu_name(), "rows": rows, "targets": targets}, f)
    return 0 if all(st == "MET" for st, _ in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
