#!/usr/bin/python3
"""report.py - turns bench/run.sh's results.jsonl into the side-by-side table.

  report.py RESULTS.jsonl [--cpu N] [--seconds S] [--md FILE]

Conventions (printed with the table):
  - us/sample: median of all runs (of all rounds), microseconds of process CPU time per
    sample (batch time / batch size); CPU time, so that time spent descheduled on a
    shared machine does not count. (wall): the same from the wall clock.
  - FLOP: 2 per multiply-accumulate. Inference = 2 x forward MACs. A training step =
    3 x forward MACs x 2 (forward, the input gradient and the weight gradient each cost
    about one forward); the SGD update and the pooling/activation work are not counted.
  - % peak: against the measured single-core float32 FMA peak at the widest vector
    width (512-bit with AVX-512).
  - x torch / x t+OB / x ORT: how many times faster the generated C is per sample than
    PyTorch (Debian's default BLAS) / PyTorch with OpenBLAS / ONNX Runtime at the same
    batch size (> 1 = cnngen faster).
Exit status: 0 all targets met, 1 some target not met or not measurable, 2 bad input.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys

IMPL_NAMES = [("c-native", "cnngen C, gcc -O2 -march=native"), ("c-O2", "cnngen C, gcc -O2"),
              ("torch", "PyTorch 1.13, 1 thread"), ("torch-openblas", "PyTorch 1.13 + OpenBLAS, 1 thread"),
              ("ort", "ONNX Runtime 1.17, 1 thread")]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception:
        return ""


def machine(cpu):
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        flags = next(l for l in open("/proc/cpuinfo") if l.startswith("flags")).split()
        simd = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f") if f in flags]
    except Exception:
        simd = []
    mhz = sh("grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2").strip()
    blas = sh("readlink -f $(ldconfig -p | awk '/libblas.so.3 .*x86-64/ {print $NF; exit}')")
    return {
        "cpu": model, "simd": " ".join(simd), "mhz": mhz, "ncpu": os.cpu_count(), "pinned": cpu,
        "kernel": platform.release(),
        "gcc": sh("gcc --version | head -1"), "clang": sh("clang --version | head -1"),
        "python": sh("/usr/bin/python3 --version"), "node": sh("node --version"),
        "blas": blas,
    }


def fmt(v, nd=1):
    if v is None:
        return "n/a"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.*f" % (nd + 1, v) if v < 1 else "%.*f" % (nd, v)


def table(rows, header, align):
    w = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    out = []
    line = lambda r: "  ".join((str(c).rjust(w[i]) if align[i] == "r" else str(c).ljust(w[i]))
                               for i, c in enumerate(r)).rstrip()
    out.append(line(header))
    out.append("  ".join("-" * x for x in w))
    out += [line(r) for r in rows]
    return "\n".join(out)


def md_table(rows, header, align):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(("---:" if a == "r" else ":---") for a in align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--cpu", default="0")
    ap.add_argument("--seconds", default=None)
    ap.add_argument("--md", default=None)
    ap.add_argument("--readme", default=None,
                    help="replace the block between <!-- bench-results:begin --> and "
                         "<!-- bench-results:end --> in this file with the Markdown results")
    a = ap.parse_args()
    recs = []
    for line in open(a.results):
        line = line.strip()
        if line.startswith("{"):
            recs.append(json.loads(line))
    if not recs:
        print("report: no results", file=sys.stderr)
        return 2

    m = machine(a.cpu)
    peaks = {(r["dtype"], r["bits"]): r["gflops"] for r in recs if "kernel" in r}
    wpeaks = {(r["dtype"], r["bits"]): statistics.median(r["wall_runs"]) for r in recs
              if "kernel" in r and r.get("wall_runs")}
    wide = max([b for (_, b) in peaks] or [0])
    peak32 = peaks.get(("float32", wide))
    info = {}
    for r in recs:
        if r.get("kind") == "info":
            info.setdefault(r["impl"], r)
    torch_v = info.get("torch", {}).get("torch", "?")
    ob_blas = [b for b in info.get("torch-openblas", {}).get("blas", []) if "openblas" in b and "libopenblas" in b]
    ort_v = info.get("ort", {}).get("ort", {}).get("node", "n/a") if "ort" in info else "n/a"

    nets = []
    for r in recs:
        if r.get("kind") in ("time", "report") and r.get("net") and r["net"] not in nets:
            nets.append(r["net"])
    macs = {}
    for r in recs:
        if r.get("kind") == "report" and r.get("total_macs"):
            macs[r["net"]] = r["total_macs"]
    torch_macs = {r["net"]: r["macs"] for r in recs if r.get("impl") == "torch" and r.get("kind") == "info"}
    checks = [r for r in recs if r.get("kind") == "check"]
    runs, wruns = {}, {}
    for r in recs:  # all runs of all rounds
        if r.get("kind") == "time":
            k = (r["net"], r["impl"], r["what"], r["batch"])
            runs.setdefault(k, []).extend(r.get("runs") or [r["us_per_sample"]])
            wruns.setdefault(k, []).extend(r.get("wall_runs") or [])
    T = {k: statistics.median(v) for k, v in runs.items()}
    W = {k: statistics.median(v) for k, v in wruns.items() if v}
    NRUNS = {k: len(v) for k, v in runs.items()}

    txt, md = [], []
    txt.append("== cnngen benchmark (all on one core: taskset -c %s) ==" % a.cpu)
    mach = [
        ("CPU", "%s (%s; cpu MHz %s; %s logical CPUs)" % (m["cpu"], m["simd"], m["mhz"], m["ncpu"])),
        ("Compilers", "%s; %s" % (m["gcc"], m["clang"])),
        ("Baselines", "PyTorch %s (%s, torch.set_num_threads(1); BLAS: %s), onnxruntime-node %s (node %s)"
         % (torch_v, m["python"], ", ".join(info.get("torch", {}).get("blas", [])) or m["blas"] or "?",
            ort_v, m["node"] or "n/a")),
    ]
    if ob_blas:
        mach.append(("", "and the same PyTorch with %s (Debian libopenblas0-pthread, via LD_LIBRARY_PATH)"
                     % os.path.basename(ob_blas[0])))
    if peaks:
        pk = ", ".join("%s %d-bit %.1f" % (dt, b, g) for (dt, b), g in sorted(peaks.items(), key=lambda x: (x[0][0], -x[0][1])))
        mach.append(("FMA peak", "measured, 1 core, GFLOP/s: %s" % pk))
        if wpeaks.get(("float32", wide)):
            mach.append(("", "(by the wall clock: float32 %d-bit %.1f GFLOP/s)" % (wide, wpeaks[("float32", wide)])))
    env = {}
    for r in recs:
        if r.get("kind") == "env":
            env.update(r)
    if env.get("rev"):
        mach.append(("Code", "cnngen %s, measured %s" % (env["rev"], env.get("date", "?"))))
    if env:
        mach.append(("Load", "load average %s at the start, %s at the end; measured under: %s"
                     % (env.get("loadavg_start", "?"), env.get("loadavg_end", "?"), env.get("pin", "?"))))
    txt += ["%-10s %s" % (k, v) for k, v in mach]
    md.append("  \n".join(("%s: %s" % (k, v)) if k else v for k, v in mach))
    for n in nets:
        if n in macs and n in torch_macs and macs[n] != torch_macs[n]:
            txt.append("WARNING: %s: cnngen reports %d MACs, the PyTorch model counts %d" % (n, macs[n], torch_macs[n]))
    worst = {}
    for c in checks:  # one line per (net, implementation): the worst of all rounds
        k = (c["net"], c["impl"])
        if k not in worst or c["max_rel_err"] > worst[k]["max_rel_err"] or not c["ok"]:
            worst[k] = c
    for c in worst.values():
        txt.append("check      %s: %s agrees with the generated C on %d samples (max rel err %.1e)%s"
                   % (c["net"], c["impl"], c["samples"], c["max_rel_err"], "" if c["ok"] else "  ** MISMATCH **"))
    ovh = [(r["net"], r["us_per_sample"]) for r in recs if r.get("what") == "call_overhead"]
    if ovh:
        txt.append("note       ONNX Runtime run() of a 1-node Identity model through the Node binding: %.1f us "
                   "(included in every ORT figure)" % min(v for _, v in ovh))

    header = ["net", "pass", "batch", "implementation", "us/sample", "(wall)", "GFLOP/s", "% peak", "x torch", "x t+OB", "x ORT"]
    align = ["l", "l", "r", "l", "r", "r", "r", "r", "r", "r", "r"]
    rows = []
    for n in nets:
        fm = macs.get(n) or torch_macs.get(n)
        for what in ("infer", "train"):
            for b in (1, 32):
                for impl, iname in IMPL_NAMES:
                    us = T.get((n, impl, what, b))
                    if us is None:
                        if impl == "ort" and what == "infer":
                            rows.append([n, what, b, iname, "n/a", "", "", "", "", "", ""])
                        continue
                    flop = 2.0 * fm * (3 if what == "train" else 1) if fm else None
                    gf = flop / (us * 1e3) if flop else None
                    pp = 100.0 * gf / peak32 if gf and peak32 else None
                    xs = ["", "", ""]
                    if impl.startswith("c-"):
                        for i, ref in enumerate(("torch", "torch-openblas", "ort")):
                            tr = T.get((n, ref, what, b))
                            xs[i] = "%.1fx" % (tr / us) if tr else ""
                    rows.append([n, what, b, iname, fmt(us), fmt(W.get((n, impl, what, b))), fmt(gf), fmt(pp)] + xs)
                    bus = T.get((n, impl, "infer_batch", b)) if what == "infer" else None
                    if bus:     # P_forward_batch of the b samples, next to the loop of P_forward
                        gf = flop / (bus * 1e3) if flop else None
                        pp = 100.0 * gf / peak32 if gf and peak32 else None
                        xs = []
                        for ref in ("torch", "torch-openblas", "ort"):
                            tr = T.get((n, ref, what, b))
                            xs.append("%.1fx" % (tr / bus) if tr else "")
                        rows.append([n, what, b, iname + " P_forward_batch", fmt(bus),
                                     fmt(W.get((n, impl, "infer_batch", b))), fmt(gf), fmt(pp)] + xs)
    txt.append("")
    txt.append("us/sample = median over all runs of process CPU time / batch size ((wall): the same by the "
               "wall clock; equal on an idle machine)")
    txt.append("FLOP = 2 x MACs; training step = forward + backward = 3 x forward MACs; "
               "%% peak vs float32 %d-bit FMA peak" % wide)
    for n in nets:
        if macs.get(n) or torch_macs.get(n):
            txt.append("  %s: %s forward MACs per sample" % (n, format(macs.get(n) or torch_macs.get(n), ",")))
    txt.append(table(rows, header, align))
    md.append("")
    md.append(md_table(rows, header, align))
    md.append("")
    md.append("us/sample: median over all runs of the process CPU time per sample; (wall): the same by "
              "the wall clock (equal on an idle machine). "
              "FLOP = 2 x MACs; a training step counts 3 x forward MACs (forward, input gradient, weight "
              "gradient); %% peak is of the measured float32 %d-bit FMA peak; \"x torch\" / \"x t+OB\" / \"x ORT\" = "
              "how many times faster per sample the generated C is than PyTorch / PyTorch with OpenBLAS / "
              "ONNX Runtime at the same batch size." % wide)

    morder = {"auto": 0, "full": 1, "kernel": 2, "none": 3}
    un = sorted([r for r in recs if r.get("kind") == "unroll"],
                key=lambda r: (nets.index(r["net"]) if r["net"] in nets else 99, morder.get(r["mode"], 9)))
    if un:
        uh = ["net", "unroll", "generate s", "gcc -O2 s", "C lines", "text bytes", "note"]
        ua = ["l", "l", "r", "r", "r", "r", "l"]
        ur = []
        for r in un:
            if r["ok"]:
                ur.append([r["net"], r["mode"], "%.2f" % r["gen_s"], "%.2f" % r["compile_s"],
                           format(r["c_lines"], ","), format(r["text"], ","), ""])
            else:
                note = re.sub(r"^generation refused: \S+:\d+:\d+: error: ", "refused by cnngen: ", r.get("note", ""))
                r["note"] = note if len(note) <= 110 else note[:107] + "..."
                ur.append([r["net"], r["mode"], "%.2f" % r["gen_s"] if "gen_s" in r else "", "",
                           format(r["c_lines"], ",") if r.get("c_lines") else "", "", r.get("note", "")])
        txt.append("")
        txt.append("Generated code per --unroll mode (gcc -O2 -c net.c: wall time and size(1) text of net.o; "
                   "auto = the default, the build benchmarked above)")
        txt.append(table(ur, uh, ua))
        md.append("")
        md.append(md_table(ur, uh, ua))

    # ---- targets (issue 13; the -O2 -march=native build, and the plain -O2 build against it)
    lenet = next((n for n in nets if "lenet" in n.lower()), None)
    cifar = next((n for n in nets if "cifar" in n.lower()), None)
    tg = []
    RN = {"torch": "PyTorch", "torch-openblas": "PyTorch+OpenBLAS", "ort": "ONNX Runtime"}
    def target(net, name, c_what, c_b, ref, r_b, factor):
        r_what = "infer" if c_what == "infer_batch" else c_what
        c = T.get((net, "c-native", c_what, c_b)) if net else None
        o = T.get((net, ref, r_what, r_b)) if net else None
        rn = RN[ref]
        if c is None or o is None:
            tg.append(("NOT MEASURED", "%s (target >= %gx vs %s): no figure" % (name, factor, rn)))
            return
        x = o / c
        extra = ""
        # run-to-run spread: the ratio from the quartiles of both sets of runs
        rc, ro = runs.get((net, "c-native", c_what, c_b), []), runs.get((net, ref, r_what, r_b), [])
        if len(rc) >= 4 and len(ro) >= 4:
            qc, qo = statistics.quantiles(rc, n=4), statistics.quantiles(ro, n=4)
            lo, hi = qo[0] / qc[2], qo[2] / qc[0]
            extra += "; quartile range of the ratio %.2f-%.2fx%s" % (
                lo, hi, " (MARGINAL: the target lies within it)" if lo < factor <= hi else "")
        tg.append(("MET" if x >= factor else "NOT MET",
                   "%s: %.1f us vs %s %.1f us per sample = %.2fx (target >= %gx)%s" % (name, c, rn, o, x, factor, extra)))
    target(lenet, "LeNet-5 inference, batch 1", "infer", 1, "ort", 1, 2)
    target(lenet, "LeNet-5 inference per sample (P_forward) vs ORT at batch 32", "infer", 32, "ort", 32, 1.25)
    target(lenet, "LeNet-5 P_forward_batch of 32 samples vs ORT at batch 32", "infer_batch", 32, "ort", 32, 1.5)
    target(lenet, "LeNet-5 training step, batch 1", "train", 1, "torch", 1, 12)
    target(lenet, "LeNet-5 training, batch 32, per sample", "train", 32, "torch", 32, 4)
    target(lenet, "LeNet-5 training, batch 32, per sample", "train", 32, "torch-openblas", 32, 3)
    c, o = (T.get((lenet, k, "train", 32)) if lenet else None for k in ("c-native", "torch"))
    if c and o:     # an epoch = 60,000 samples at batch 32, from the timed steps (as resnet8_bench.py)
        tg.append(("MET" if o / c >= 3 else "NOT MET",
                   "Fashion-MNIST epoch of LeNet-5 (60,000 samples at batch 32, from the timed steps; data "
                   "loading not included): %.1f s vs PyTorch %.1f s = %.2fx (target >= 3x)"
                   % (c * 0.06, o * 0.06, o / c)))
    else:
        tg.append(("NOT MEASURED", "Fashion-MNIST epoch of LeNet-5 (target >= 3x PyTorch): no figure"))
    target(cifar, "CIFAR-10 spec inference, batch 1", "infer", 1, "ort", 1, 1.3)
    target(cifar, "CIFAR-10 spec inference, batch 32, per sample", "infer", 32, "ort", 32, 1)
    target(cifar, "CIFAR-10 spec training, batch 32, per sample", "train", 32, "torch-openblas", 32, 2)
    fm = macs.get(lenet) or torch_macs.get(lenet) if lenet else None
    for what, lim in (("infer", 45), ("train", 35)):
        us = min([v for v in (T.get((lenet, "c-native", what, 1)), T.get((lenet, "c-native", what, 32))) if v]
                 or [None]) if lenet else None
        if us and fm and peak32:
            pp = 100.0 * 2.0 * fm * (3 if what == "train" else 1) / (us * 1e3) / peak32
            tg.append(("MET" if pp >= lim else "NOT MET", "LeNet-5 %s at %.1f%% of the float32 %d-bit FMA peak "
                       "(its faster batch; target >= %d%%)" % ("forward" if what == "infer" else "training", pp, wide, lim)))
        else:
            tg.append(("NOT MEASURED", "LeNet-5 %s share of the FMA peak: no figure" % what))
    worst = None
    for n in nets:
        for what in ("infer", "infer_batch", "train"):
            for b in (1, 32):
                c, o = T.get((n, "c-native", what, b)), T.get((n, "c-O2", what, b))
                if c and o and (worst is None or o / c > worst[0]):
                    worst = (o / c, n, what, b, o, c)
    if worst:
        r, n, what, b, o, c = worst
        tg.append(("MET" if r <= 1.15 else "NOT MET", "the plain -O2 build (the portable build) vs -march=native, "
                   "worst row: %s %s batch %d, %.1f us / %.1f us = %.2f (target <= 1.15 on every row)"
                   % (n, what, b, o, c, r)))
    txt.append("")
    txt.append("Targets (issue 13; generated C built with gcc -O2 -march=native unless a line says otherwise):")
    md.append("")
    md.append("Runs per figure: %s." % "/".join(map(str, sorted(set(NRUNS.values())))))
    md.append("")
    md.append("Targets (issue 13; generated C built with gcc -O2 -march=native unless a line says otherwise):")
    md.append("")
    for st, s in tg:
        txt.append("  %-8s %s" % (st, s))
        md.append("- **%s** %s" % (st, s))
    if any(st != "MET" for st, _ in tg):
        txt.append("  -> where the time goes: bench/profile.sh specs/lenet5.yaml train|infer 1 "
                   "(docs/benchmarks.md: \"Where the time goes\")")
    nr = sorted(set(NRUNS.values()))
    txt.append("")
    txt.append("(runs per figure: %s%s)" % ("/".join(map(str, nr)) or "0",
                                            "; whole benchmark: %s s" % a.seconds if a.seconds else ""))
    print("\n".join(txt))
    if a.md:
        with open(a.md, "w") as f:
            f.write("\n".join(md) + "\n")
    if a.readme:
        begin, end = "<!-- bench-results:begin -->", "<!-- bench-results:end -->"
        text = open(a.readme).read()
        if begin not in text or end not in text:
            print("report: %s has no %s ... %s block" % (a.readme, begin, end), file=sys.stderr)
            return 2
        head = ("Measured %s with `make bench` on cnngen %s%s.\n\n"
                % (env.get("date", "?"), env.get("rev", "?"),
                   ", in %s s" % a.seconds if a.seconds else ""))
        new = begin + "\n" + head + "\n".join(md) + "\n" + end
        text = text[:text.index(begin)] + new + text[text.index(end) + len(end):]
        with open(a.readme, "w") as f:
            f.write(text)
    return 0 if all(st == "MET" for st, _ in tg) else 1


if __name__ == "__main__":
    sys.exit(main())
