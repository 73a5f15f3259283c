#!/usr/bin/env python3
"""mcu.py - generated code on a Cortex-M4F: QEMU's mps2-an386 board (semihosting), with
exact instruction counts from the project's TCG plugin (tools/qemu/insn_count.c).

    mcu.py test  CNNGEN WORKDIR SPEC...   tests/suite_mcu.sh: every spec's inference and
                                          training builds at -Os and -O2 run on the M4 and
                                          agree with the host build of the same C
    mcu.py bench CNNGEN WORKDIR SPEC...   bench/mcu.sh (make bench-mcu): per spec and build,
                                          code, read-only data, RAM and instructions, and
                                          the issue's targets with MET / NOT MET

Each build is cnngen SPEC -o net.c --prefix net (--inference-only for inference builds;
training builds with --batch 2: one P_train_batch of 2 samples), compiled with
arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -std=c99
-Wall -Wextra -Wpedantic -Werror and linked with tests/mcu/mcu_driver.c,
examples/cortex-m4/startup.c and mps2_an386.ld, newlib-nano and rdimon (semihosting).
The driver prints its results as the bits of every value; the host build of the same
driver and net.c (cc -O2) prints the same lines, and the two must agree: the forward
output and the loss to 1e-5 relative (1e-12 for float64; libm's expf/logf differ between
newlib and glibc), the parameters after the step to 1e-5. A build that does not fit the
board's 4 MB of code or 4 MB of RAM is reported, not run.
"""
import os
import re
import json
import shutil
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
M4 = ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]
STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]
EX = os.path.join(ROOT, "examples", "cortex-m4")
DRIVER = os.path.join(ROOT, "tests", "mcu", "mcu_driver.c")
RT = os.path.join(ROOT, "runtime")
LEVELS = ["-Os", "-O2"]


def run(cmd, timeout=600, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def first_line(s):
    for line in [l for l in s.splitlines() if "error" in l.lower()] + s.splitlines():
        if line.strip():
            return line.strip()[:300]
    return "(no message)"


def tools_missing():
    """What is missing to run the M4 (None: nothing)."""
    for t in ("arm-none-eabi-gcc", "arm-none-eabi-size", "arm-none-eabi-nm", "qemu-system-arm"):
        if not shutil.which(t):
            return t + " (Debian: gcc-arm-none-eabi, qemu-system-arm)"
    p = run(["arm-none-eabi-gcc"] + M4 + ["--specs=nano.specs", "-print-file-name=librdimon_nano.a"])
    if p.returncode or not os.path.isabs(p.stdout.strip()):
        return "newlib's librdimon (Debian: libnewlib-arm-none-eabi)"
    return None


def build_plugin(workdir):
    so = os.path.join(workdir, "insn_count.so")
    p = run([os.environ.get("CC", "cc"), "-O2", "-shared", "-fPIC", "-fvisibility=hidden",
             "-Wall", "-Wextra", "-o", so, os.path.join(ROOT, "tools", "qemu", "insn_count.c")])
    if p.returncode:
        raise RuntimeError("building the QEMU plugin: " + first_line(p.stderr))
    return so


class Build:
    """One spec's build: generation, M4 ELF, host executable, results."""

    def __init__(self, cnngen, workdir, spec, train, level, gen_opts=(), finetune=False):
        self.spec, self.train, self.level, self.gen_opts = spec, train, level, list(gen_opts)
        # finetune: on-device fine-tuning as an embedded user builds it: --weights (the
        # frozen parameters const, in flash), one sample per step, grad == NULL
        self.finetune = finetune
        name = os.path.splitext(os.path.basename(spec))[0]
        tag = "".join("-" + o.lstrip("-") for o in self.gen_opts)
        kind = "finetune" if finetune else "train" if train else "infer"
        self.label = "%s/%s%s%s" % (name, kind, level, tag)
        self.dir = os.path.join(workdir, "%s-%s%s%s" % (name, kind, level, tag))
        os.makedirs(self.dir, exist_ok=True)
        self.cnngen = cnngen
        self.fits = True
        self.why = ""

    def f(self, name):
        return os.path.join(self.dir, name)

    def weights(self):
        """P_init(1)'s parameters as a safetensors file (from a host build of the spec)."""
        wd = self.f("w")
        os.makedirs(wd, exist_ok=True)
        p = run([self.cnngen, self.spec, "-o", os.path.join(wd, "net.c"), "--prefix", "net"])
        if p.returncode:
            raise RuntimeError("cnngen: " + first_line(p.stderr))
        with open(os.path.join(wd, "save.c"), "w") as fh:
            fh.write('#include "cnngen_rt.h"\n#include "net.h"\nstatic net_params p;\n'
                     'int main(int c, char **v) { (void)c; net_init(&p, 1);\n'
                     '    return cnngen_save_safetensors(&net_model, &p, v[1]) ? 1 : 0; }\n')
        exe, wfile = os.path.join(wd, "save"), os.path.join(wd, "init.safetensors")
        p = run([os.environ.get("CC", "cc"), "-O1", "-I", RT, "-I", wd, os.path.join(wd, "save.c"),
                 os.path.join(wd, "net.c"), os.path.join(RT, "rng.c"),
                 os.path.join(RT, "safetensors.c"), "-lm", "-o", exe])
        if p.returncode or run([exe, wfile]).returncode:
            raise RuntimeError("writing the weights file: " + first_line(p.stderr))
        return wfile

    def defs(self):
        return ["-DPFX=net"] + (["-DTRAIN"] if self.train else []) + (
            ["-DNOGRAD", "-DWEIGHTS"] if self.finetune else [])

    def gen_opts_all(self):
        opts = (["--batch", "2"] if self.train else ["--inference-only"]) + self.gen_opts
        if self.finetune:
            opts = ["--batch", "1", "--weights", self.weights()] + self.gen_opts
        return opts

    def estimates(self):
        """cnngen's own figures for this build as generated (--arch cortex-m4: the header's
        net_CODE_BYTES_ESTIMATE and net_STACK_FORWARD_BYTES / net_STACK_TRAIN_BYTES):
        (code + read-only data bytes, stack bytes of net_forward or net_train_batch)"""
        with open(self.f("net.h")) as fh:
            h = fh.read()
        code = re.search(r"#define net_CODE_BYTES_ESTIMATE (\d+)", h)
        st = re.search(r"#define net_STACK_%s_BYTES (\d+)" % ("TRAIN" if self.train else "FORWARD"), h)
        return (int(code.group(1)) if code else None, int(st.group(1)) if st else None)

    def stack_cc(self):
        """cnngen --stack-cc's figure for this build (arm-none-eabi-gcc's own call graph and
        frames at -Os and -O2): the most net_forward or net_train_batch uses"""
        if getattr(self, "_stack_cc", None) is None:
            p = run([self.cnngen, self.spec, "-o", self.f("cc.c"), "--prefix", "net", "--arch",
                     "cortex-m4", "--stack-cc", " ".join(["arm-none-eabi-gcc"] + M4 + ["-std=c99"])] + self.gen_opts_all())
            if p.returncode:
                raise RuntimeError("cnngen --stack-cc: " + first_line(p.stderr))
            with open(self.f("cc.h")) as fh:
                h = fh.read()
            st = [int(m) for m in re.findall(r"#define net_STACK_(?:FORWARD|TRAIN)_BYTES (\d+)", h)]
            if not st:
                raise RuntimeError("cnngen --stack-cc: the header has no net_STACK_*_BYTES")
            self._stack_cc = max(st)
        return self._stack_cc

    def generate(self):
        # the header carries cnngen's code-size and stack figures for this target
        opts = self.gen_opts_all() + ["--arch", "cortex-m4", "--flash-limit", "1G", "--stack"]
        p = run([self.cnngen, self.spec, "-o", self.f("net.c"), "--prefix", "net"] + opts)
        if p.returncode:
            raise RuntimeError("cnngen: " + first_line(p.stderr))
        with open(self.f("net.c")) as fh:
            self.f64 = "#define net_F64 1" in fh.read()
        with open(self.f("net.h")) as fh:
            self.trains = "net_real net_train_batch(" in fh.read()

    def compile_m4(self):
        defs = self.defs()
        common = M4 + [self.level] + STRICT + ["-ffunction-sections", "-fdata-sections",
                                               "-I", RT, "-I", self.dir]
        p = run(["arm-none-eabi-gcc"] + common + ["-c", self.f("net.c"), "-o", self.f("net.o")])
        if p.returncode:
            raise RuntimeError("arm-none-eabi-gcc net.c: " + first_line(p.stderr))
        # the generated code's own size: .text and .rodata of net.o
        p = run(["arm-none-eabi-size", "-A", self.f("net.o")])
        self.text = self.rodata = self.rodata_weights = 0
        for line in p.stdout.splitlines():
            w = line.split()
            if len(w) >= 2 and w[1].isdigit():
                if w[0].startswith(".text"):
                    self.text += int(w[1])
                elif w[0].startswith(".rodata"):
                    self.rodata += int(w[1])
                    if "_weights" in w[0] or "_frozen" in w[0]:
                        self.rodata_weights += int(w[1])    # --weights: the const params
        p = run(["arm-none-eabi-gcc"] + common + defs +
                ["--specs=nano.specs", "--specs=rdimon.specs", "-nostartfiles",
                 "-T", os.path.join(EX, "mps2_an386.ld"), "-Wl,--gc-sections",
                 os.path.join(EX, "startup.c"), DRIVER, self.f("net.o"),
                 os.path.join(RT, "rng.c"), "-lm", "-o", self.f("m4.elf")])
        if p.returncode:
            if "overflowed" in p.stderr or "RAM overflow" in p.stderr or "will not fit" in p.stderr:
                self.fits = False
                lines = [l for l in p.stderr.splitlines() if "overflow" in l or "fit" in l]
                self.why = re.sub(r"^.*?ld: ", "", (lines or [first_line(p.stderr)])[0])[:200]
                return
            raise RuntimeError("linking for the M4: " + first_line(p.stderr))

    def prepare(self):
        """Generates and compiles the build: None when it is ready to run on the M4, else
        why it is not (a training build of a net without a loss; too big for the board)."""
        self.generate()
        if self.train and not self.trains:
            return "no loss, no training build"
        self.compile_m4()
        return None if self.fits else "does not fit the board (%s)" % self.why

    def run_m4(self, plugin):
        p = run(["arm-none-eabi-nm", self.f("m4.elf")])
        mark = [l.split()[0] for l in p.stdout.splitlines() if l.split()[-1:] == ["cnngen_mark"]]
        if not mark:
            raise RuntimeError("cnngen_mark not in the ELF")
        addr = int(mark[0], 16) & ~1
        log = self.f("plugin.log")
        p = run(["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-monitor", "none",
                 "-semihosting-config", "enable=on,target=native", "-kernel", self.f("m4.elf"),
                 "-plugin", "%s,mark=%#x" % (plugin, addr), "-d", "plugin", "-D", log],
                timeout=900)
        if p.returncode != 0:
            raise RuntimeError("the M4 program stopped with status %d: %s"
                               % (p.returncode, first_line(p.stdout + p.stderr)))
        self.m4 = parse(p.stdout)
        marks = {}
        with open(log) as fh:
            for line in fh:
                w = line.split()
                if w[:2] == ["insn_count", "mark"]:
                    marks[int(w[2])] = int(w[3])
        cal = marks[1] - marks[0]
        self.insn_fwd = marks[3] - marks[2] - cal
        self.insn_train = marks[7] - marks[6] - cal if self.train else None
        k = max(marks)          # P_init between the last two
        self.insn_init = marks[k] - marks[k - 1] - cal

    def run_host(self):
        cc = os.environ.get("CC", "cc")
        exe = self.f("host")
        defs = self.defs()
        p = run([cc, "-O2"] + STRICT + ["-I", RT, "-I", self.dir] + defs +
                [DRIVER, self.f("net.c"), os.path.join(RT, "rng.c"), "-lm", "-o", exe])
        if p.returncode:
            raise RuntimeError("host build: " + first_line(p.stderr))
        p = run([exe])
        if p.returncode:
            raise RuntimeError("host run: " + first_line(p.stderr))
        self.host = parse(p.stdout)


def parse(text):
    """The driver's lines -> {"out": [...], "p": [...], "loss": float, "ram": {...}, "stack": {...}}"""
    r = {"out": [], "p": [], "loss": None, "ram": {}, "stack": {}, "bits": {"out": [], "p": []}}
    for line in text.splitlines():
        w = line.split()
        if not w:
            continue
        if w[0] in ("out", "p"):
            r[w[0]].append(hexreal(w[2]))
            r["bits"][w[0]].append(w[2])
        elif w[0] == "loss":
            r["loss"] = hexreal(w[1])
        elif w[0] in ("ram", "stack"):
            r[w[0]] = {w[i]: int(w[i + 1]) for i in range(1, len(w) - 1, 2)}
    return r


def hexreal(h):
    if len(h) == 16:
        return struct.unpack(">d", bytes.fromhex(h))[0]
    return struct.unpack(">f", bytes.fromhex(h))[0]


def close(a, b, tol):
    if len(a) != len(b):
        return "%d values, the host has %d" % (len(a), len(b))
    for i, (x, y) in enumerate(zip(a, b)):
        if not abs(x - y) <= tol * max(1.0, abs(y)):
            return "value %d: %.9g on the M4, %.9g on the host" % (i, x, y)
    return None


def compare(b):
    tol = 1e-12 if b.f64 else 1e-5
    why = close(b.m4["out"], b.host["out"], tol)
    if why:
        return "forward output: " + why
    if b.train:
        why = close([b.m4["loss"]], [b.host["loss"]], tol)
        if why:
            return "train_batch loss: " + why
        why = close(b.m4["p"], b.host["p"], tol)
        if why:
            return "parameters after the step: " + why
    return None


def code_measured(b):
    """what the code estimate models: .text and .rodata of net.o, less const weights"""
    return b.text + b.rodata - b.rodata_weights


def stack_measured(b):
    st = b.m4["stack"]
    return max(st.get("train", 0) if b.train else 0, st.get("fwd", 0))


def check_figures(b):
    """cnngen --arch cortex-m4's figures against the compiler and the board: the code
    estimate within 15% of arm-none-eabi-size at -Os; the stack figures (the model's
    and --stack-cc's) at least the stack painted on the board (the 25% closeness is
    bench-mcu's target)"""
    code, stack = b.estimates()
    if code is None or stack is None:
        return "net.h lacks net_CODE_BYTES_ESTIMATE or net_STACK_*_BYTES"
    if b.level == "-Os":
        q = code / code_measured(b)
        if not 0.85 <= q <= 1.15:
            return "code estimate %d bytes, arm-none-eabi-gcc -Os %d (%.2f, outside 0.85..1.15)" % (
                code, code_measured(b), q)
    if stack < stack_measured(b):
        return "stack figure %d bytes, below the %d bytes measured on the M4" % (stack, stack_measured(b))
    if b.stack_cc() < stack_measured(b):
        return "--stack-cc figure %d bytes, below the %d bytes measured on the M4" % (
            b.stack_cc(), stack_measured(b))
    return None


FINETUNE = ("lenet5_finetune.yaml", "lenet5_bias.yaml")


def builds(cnngen, workdir, specs):
    for spec in specs:
        for train in (False, True):
            for level in LEVELS:
                yield Build(cnngen, workdir, spec, train, level)
        if os.path.basename(spec) in FINETUNE:
            yield Build(cnngen, workdir, spec, True, "-Os", finetune=True)


def do_test(cnngen, workdir, specs):
    miss = tools_missing()
    if miss:
        print("SKIP mcu: %s is missing; `make deps-test` installs it" % miss)
        return 0
    plugin = build_plugin(workdir)
    nfail = 0
    for b in builds(cnngen, workdir, specs):
        try:
            skip = b.prepare()
            if skip:
                print("NOTE mcu/%s: %s" % (b.label, skip))
                continue
            b.run_m4(plugin)
            b.run_host()
            why = compare(b) or check_figures(b)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            why = str(e)
        if why:
            print("FAIL mcu/%s: %s" % (b.label, why))
            nfail += 1
        else:
            same = b.m4["bits"] == b.host["bits"]
            code, stack = b.estimates()
            print("PASS mcu/%s: M4 = host%s; %d instructions per forward%s; code estimate %d "
                  "of %d bytes, stack figure %d (--stack-cc %d) >= %d measured" % (
                      b.label, " bit for bit" if same else " within tolerance", b.insn_fwd,
                      ", %d per training step" % b.insn_train if b.train else "", code,
                      code_measured(b), stack, b.stack_cc(), stack_measured(b)), flush=True)
    return 1 if nfail else 0


# ---- the bench

def report_json(cnngen, spec):
    p = run([cnngen, "--report", "--format", "json", spec])
    return json.loads(p.stdout) if p.returncode == 0 else None


def do_bench(cnngen, workdir, specs, cpu_note):
    miss = tools_missing()
    if miss:
        print("bench-mcu: %s is missing; `make deps-test` installs it" % miss)
        return 1
    plugin = build_plugin(workdir)
    print("Cortex-M4F: QEMU %s mps2-an386, exact instruction counts (tools/qemu/insn_count.c); "
          "arm-none-eabi-gcc %s, newlib-nano" % (version(["qemu-system-arm", "--version"]),
                                                  version(["arm-none-eabi-gcc", "-dumpversion"])))
    print("host: %s" % cpu_note)
    print("code, rodata: the generated net.o; stack: measured (painted) during the forward "
          "(inference) or the training step")
    hdr = "%-34s %8s %7s %9s %9s %9s %6s %12s %12s %10s" % (
        "spec/build", "code", "rodata", "params", "workspace", "grad", "stack", "insn/forward",
        "insn/train", "insn/init")
    print(hdr)
    print("-" * len(hdr))
    res = {}
    todo = list(builds(cnngen, workdir, specs))
    for spec in specs:
        if os.path.basename(spec) == "lenet5.yaml":
            todo.append(Build(cnngen, workdir, spec, False, "-Os", ["--unroll", "none"]))
    for b in todo:
        try:
            skip = b.prepare()
            if skip:
                if b.trains or not b.train:     # a net without a loss has no training row
                    print("%-34s %s" % (b.label, skip))
                continue
            b.run_m4(plugin)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print("%-34s FAILED: %s" % (b.label, e))
            continue
        ram, st = b.m4["ram"], b.m4["stack"]
        stack = st.get("train", 0) if b.train else st.get("fwd", 0)
        print("%-34s %8d %7d %9d %9d %9d %6d %12d %12s %10d" % (
            b.label, b.text, b.rodata, ram.get("params", 0), ram.get("workspace", 0),
            ram.get("grad", 0), max(stack, st.get("fwd", 0)), b.insn_fwd,
            "%d" % b.insn_train if b.insn_train is not None else "-", b.insn_init), flush=True)
        res[b.label] = {"insn_fwd": b.insn_fwd, "code": b.text + b.rodata, "ws": ram.get("workspace", 0),
                        "code_noweights": code_measured(b),
                        "stack": max(stack, st.get("fwd", 0)), "ram": sum(ram.values()) + stack,
                        "est": b.estimates(), "cc": b.stack_cc(), "level": b.level,
                        "key": (b.spec, b.train, tuple(b.gen_opts))}

    def target(what, v, limit, unit="", note=""):
        if v is None:
            print("  %-58s %14s  target <= %-12s NOT MET %s" % (what, "not measured", "{:,}".format(int(limit)), note))
            return
        print("  %-58s %14s  target <= %-12s %s %s" % (what, "{:,}".format(v) + unit, "{:,}".format(int(limit)) + unit,
                                                    "MET" if v <= limit else "NOT MET", note))

    def get(label, key):
        r = res.get(label)
        return r[key] if r else None

    print()
    print("Targets (issue 12; onnx2c on the same LeNet-5, weights and target: 4.50M instructions, "
          "37,632 bytes of RAM, 1 KB of code):")
    target("LeNet-5 inference -Os: instructions", get("lenet5/infer-Os", "insn_fwd"), 1.0e6)
    target("LeNet-5 inference -Os: generated code (bytes)", get("lenet5/infer-Os", "code"), 24 * 1024)
    target("LeNet-5 inference -Os: workspace (bytes)", get("lenet5/infer-Os", "ws"), 25 * 1024)
    target("LeNet-5 inference -Os: stack (bytes)", get("lenet5/infer-Os", "stack"), 1024)
    target("LeNet-5 --unroll none -Os: generated code (bytes)", get("lenet5/infer-Os-unroll-none", "code"), 4096)
    worst, wname, tworst, tname, unplanned = 0.0, "", 0.0, "", []
    for spec in specs:
        r = report_json(cnngen, spec)
        if not r:
            continue
        if r.get("inference_lower_bound_bytes"):
            q = r["inference_workspace_bytes_scalar"] / r["inference_lower_bound_bytes"]
            if q > worst:
                worst, wname = q, os.path.basename(spec)
        if r.get("loss", "none") == "none":   # no training build
            continue
        if not r.get("workspace_lower_bound_bytes"):
            unplanned.append(os.path.basename(spec))
            continue
        q = r["workspace_bytes_scalar"] / r["workspace_lower_bound_bytes"]
        if q > tworst:
            tworst, tname = q, os.path.basename(spec)
    print("  %-58s %14s  target <= %-12s %s" % ("inference workspace / its lower bound, worst spec",
                                                "%.3f (%s)" % (worst, wname), "1.1",
                                                "MET" if worst <= 1.1 else "NOT MET"))
    print("  %-58s %14s  target <= %-12s %s" % ("training workspace / its lower bound, worst spec",
                                                "%.3f (%s)" % (tworst, tname), "1.25",
                                                "MET" if tworst <= 1.25 else "NOT MET"))
    if unplanned:
        print("  %-58s %14s  target <= %-12s NOT MET (no liveness plan for graphs and batched "
              "training yet: %s)" % ("training workspace of graphs / batched nets", "-", "1.25",
                                     ", ".join(unplanned)))
    # honest numbers: cnngen --arch cortex-m4's code estimate against arm-none-eabi -Os
    # (text + rodata, less const weights), its stack figure against the worst measured at
    # -Os and -O2 (at or above it and within 25%, or 16 bytes for stacks of a few words)
    cw, cname = None, ""
    worst_stack, worst_cc = {}, {}
    for lab, r in res.items():
        k = r["key"]
        if r["est"] and r["est"][1] is not None:
            worst_stack[k] = (max(worst_stack.get(k, (0, 0, ""))[0], r["stack"]), r["est"][1], lab)
        worst_cc[k] = (max(worst_cc.get(k, (0, 0, ""))[0], r["stack"]), r["cc"], lab)
        if r["level"] == "-Os" and r["est"] and r["est"][0]:
            q = r["est"][0] / r["code_noweights"]
            if cw is None or abs(q - 1) > abs(cw - 1):
                cw, cname = q, lab
    def stack_fit(worst):
        sw, sname, sbad, sover = None, "", 0, 0
        for k, (meas, est, lab) in worst.items():
            sbad += not meas <= est <= max(1.25 * meas, meas + 16)
            sover += est < meas
            if meas >= 64 and (sw is None or est / meas > sw):   # the ratio of real frames
                sw, sname = est / meas, lab
        return sw, sname, sbad, sover
    sw, sname, sbad, sover = stack_fit(worst_cc)
    print("  %-58s %14s  target %-14s %s" % ("code estimate / arm-none-eabi -Os code, worst build",
                                             "%.2f (%s)" % (cw, cname) if cw else "-", "0.85..1.15",
                                             "MET" if cw and 0.85 <= cw <= 1.15 else "NOT MET"))
    print("  %-58s %14s  target %-14s %s" % ("--stack-cc figure / measured worst (-Os, -O2), worst build",
                                             "%.2f (%s)" % (sw, sname) if sw else "-", "1.0..1.25",
                                             "MET" if sw and not sbad else
                                             "NOT MET (%d of %d builds outside; %d below the "
                                             "measured)" % (sbad, len(worst_cc), sover)))
    sw, sname, sbad, sover = stack_fit(worst_stack)
    print("  %-58s %14s  (the model without a compiler: %d of %d builds above 1.25, %d below)" % (
        "--stack figure (model) / measured worst, worst build", "%.2f (%s)" % (sw, sname) if sw else "-",
        sbad - sover, len(worst_stack), sover))
    target("LeNet-5 fine-tuning fc2+fc3 at batch 1: total RAM", get("lenet5_finetune/finetune-Os", "ram"),
           96 * 1024, note="(params that learn + workspace + stack; grad == NULL; the rest const in flash)")
    target("LeNet-5 bias-only fine-tuning: total RAM", get("lenet5_bias/finetune-Os", "ram"), 48 * 1024,
           note="(biases + workspace + stack; grad == NULL; the weights const in flash)")
    return 0


def version(cmd):
    p = run(cmd)
    m = re.search(r"(\d+\.\d+(\.\d+)?)", p.stdout)
    return m.group(1) if m else "?"


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("test", "bench"):
        print(__doc__)
        return 2
    mode, cnngen, workdir, specs = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3], sys.argv[4:]
    os.makedirs(workdir, exist_ok=True)
    if mode == "test":
        return do_test(cnngen, workdir, specs)
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return do_bench(cnngen, workdir, specs, cpu)


if __name__ == "__main__":
    sys.exit(main())
