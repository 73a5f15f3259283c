"""check_budget.py - memory budgets: --ram-limit / --flash-limit and `target:`.

The reference numbers are computed here from the README's model and the JSON report
(param_bytes, workspace_bytes, input/output sizes), and the compiler is the judge of
sizeof: a small C program prints the header's <P>_RAM_BYTES, which must equal both.

usage: check_budget.py CNNGEN WORKDIR
"""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SPECS = os.path.join(ROOT, "specs")
RT = os.path.join(ROOT, "runtime")
nfail = 0


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def result(name, why):
    global nfail
    if why:
        nfail += 1
        print("FAIL budget/%s: %s" % (name, why), flush=True)
    else:
        print("PASS budget/%s" % name, flush=True)


def model_ram(rep, trains, const_weights):
    """README "Memory budgets": RAM = params (unless const) + gradients (if training code)
    + workspace + input/output arrays."""
    rb = 8 if rep["dtype"] == "float64" else 4
    params = max(rep["total_params"], 1) * rb
    ws = rep["workspace_bytes"] if trains else rep["inference_workspace_bytes"]
    n_in = rep["input"][0] * rep["input"][1] * rep["input"][2]
    n_out = 1
    for v in rep["output"]:
        n_out *= v
    grad = rep["grad_bytes"] if trains else 0      # what learns (all of it but in a partial net)
    return (0 if const_weights else params) + grad + ws + (n_in + n_out) * rb


def ram_running(rep, trains, scratch):
    """Running RAM after each layer in spec order (README): the input array first; each
    layer adds its params and gradients, its saved output (none for a flatten that is
    not the last layer: it is its input's storage) and argmax (training), the
    growth of the two ping-pong buffers and the growth of the workspace's shared scratch
    (scratch: each layer's scratch bytes, from the budget's layers); the last total is
    the whole."""
    rb = 8 if rep["dtype"] == "float64" else 4
    ram = rep["input"][0] * rep["input"][1] * rep["input"][2] * rb
    maxt = ram // rb
    maxs = 0
    out = []
    last = len(rep["layers"]) - 1
    lays = rep["layers"]
    partial = any(l.get("trainable", True) is not True for l in lays)
    learns = [l["params"] and l.get("trainable", True) is not False for l in lays]
    lowest = learns.index(True) if partial and True in learns else (len(lays) if partial else 0)
    for i, (l, s) in enumerate(zip(lays, scratch)):
        ram += max(0, s - maxs)
        maxs = max(maxs, s)
        p = l["params"] * rb
        tr = l.get("trainable", True)
        g = p if tr is True else l["biases"] * rb if tr == "bias" else 0
        ram += p + (g if trains else 0)
        n = 1
        for v in l["output"]:
            n *= v
        grow = max(0, n - maxt)
        maxt += grow
        ram += 2 * grow * rb
        if trains:   # a flatten but the last aliases its input: no saved output
            saved = 0 if l["type"] == "flatten" and i != last else n * rb
            n_in = l["input"][0] * l["input"][1] * l["input"][2] if len(l["input"]) == 3 else l["input"][0]
            am = 2 if n_in <= 65536 else 4      # argmax entries: uint16_t or int32_t
            ram += saved + (n * am if l["type"] in ("maxpool", "global_maxpool") and i >= lowest else 0)
        out.append(ram)
    return out


def main():
    cnngen = os.path.abspath(sys.argv[1])
    work = sys.argv[2]
    os.makedirs(work, exist_ok=True)
    cflags = shlex.split(run([cnngen, "--cflags"]).stdout)
    lenet = os.path.join(SPECS, "lenet5.yaml")
    rep = json.loads(run([cnngen, "--report", "--format", "json", lenet]).stdout)
    total = model_ram(rep, True, False)

    # ---- sizes with suffixes, bad sizes
    why = None
    for text, want in (("65536", 65536), ("64K", 65536), ("64k", 65536), ("64KiB", 65536),
                       ("2M", 2 << 20), ("1G", 1 << 30), ("3MB", 3 << 20)):
        p = run([cnngen, lenet, "--ram-limit", text, "--report", "--format", "json"])
        if p.returncode not in (0, 1):
            why = "--ram-limit %s: exit %d" % (text, p.returncode)
            break
        b = json.loads(p.stdout).get("budget", {})
        if b.get("ram_limit") != want:
            why = "--ram-limit %s read as %s, expected %d" % (text, b.get("ram_limit"), want)
            break
    for bad in ("0", "-5", "12Q", "1.5M", "", "K", "64 K", "99999999999999999999"):
        p = run([cnngen, lenet, "--check", "--ram-limit=" + bad])
        if p.returncode != 2 or "--ram-limit" not in p.stderr:
            why = "--ram-limit '%s': exit %d (%s), expected a usage error" % (bad, p.returncode, p.stderr.strip()[:100])
    result("size-suffixes", why)

    # ---- the totals: report = the documented model = sizeof in the compiled header
    why = None
    for spec in sorted(f for f in os.listdir(SPECS) if f.endswith(".yaml")):
        path = os.path.join(SPECS, spec)
        r = json.loads(run([cnngen, "--report", "--format", "json", path]).stdout)
        for inf in (False, True):
            trains = not inf and r["loss"] not in (None, "none")
            opts = ["--inference-only"] if inf else []
            p = run([cnngen, path, "--ram-limit", "1G", "--report", "--format", "json"] + opts)
            b = json.loads(p.stdout)["budget"]
            want = model_ram(r, trains, False)
            if b["ram_bytes"] != want:
                why = "%s%s: report RAM %d, the model %d" % (spec, " -i" if inf else "", b["ram_bytes"], want)
                break
            run_ = ram_running(r, trains, [l["scratch_bytes"] for l in b["layers"]])
            got = [l["ram_cumulative"] for l in b["layers"]]
            exp = [min(v, want) for v in run_[:-1]] + [want]
            if got != exp:
                why = "%s: running RAM %s, expected %s" % (spec, got, exp)
                break
            d = os.path.join(work, "tot")
            os.makedirs(d, exist_ok=True)
            c = os.path.join(d, "net.c")
            p = run([cnngen, path, "--ram-limit", "1G", "-o", c] + opts)
            pfx = r["name"]
            with open(os.path.join(d, "main.c"), "w") as f:
                f.write('#include <stdio.h>\n#include "net.h"\nint main(void) { '
                        'printf("%%llu\\n", (unsigned long long)(%s_RAM_BYTES)); return 0; }\n' % pfx)
            q = run(["cc", "-std=c99", "-I", d] + cflags + [os.path.join(d, "main.c"), "-o",
                                                           os.path.join(d, "m")])
            if q.returncode:
                why = "%s: the header does not compile: %s" % (spec, q.stderr[:200])
                break
            v = int(run([os.path.join(d, "m")]).stdout)
            # an --inference-only build that folds batchnorms or fuses activations
            # (fold.c; its --dump-ir has fewer layers) needs less than the report's
            # model of the spec as written; otherwise the two are equal
            folds = inf and sum(l.startswith("Layer ") for l in run(
                [cnngen, "--dump-ir", path, "--inference-only"]).stdout.splitlines()) < len(r["layers"])
            if (v > want) if folds else (v != want):
                why = "%s%s: compiled %s_RAM_BYTES = %d, the model %d" % (spec, " -i" if inf else "", pfx, v, want)
                break
        if why:
            break
    result("ram-model-report-header", why)

    # ---- generation fails: exit 1, positioned error naming the layer, nothing written
    why = None
    bl = json.loads(run([cnngen, lenet, "--ram-limit", "1G", "--report", "--format", "json"]).stdout)
    run_ = ram_running(rep, True, [l["scratch_bytes"] for l in bl["budget"]["layers"]])
    limit = 65536
    first = next(i for i, v in enumerate(run_) if v > limit)
    layer = rep["layers"][first]
    out = os.path.join(work, "over.c")
    for f in (out, out[:-2] + ".h"):
        if os.path.exists(f):
            os.unlink(f)
    p = run([cnngen, lenet, "--ram-limit", "64K", "-o", out])
    m = re.search(r"^(\S+):(\d+):(\d+): error: (\w+): .*ram_limit of 65,536", p.stderr, re.M)
    if p.returncode != 1:
        why = "exit %d, expected 1" % p.returncode
    elif not m or m.group(4) != layer["name"] or int(m.group(2)) != layer["line"]:
        why = "error %r does not name %s at line %d" % (p.stderr[:300], layer["name"], layer["line"])
    elif os.path.exists(out) or os.path.exists(out[:-2] + ".h"):
        why = "files were written"
    elif "{:,}".format(total) not in p.stderr:
        why = "the message lacks the total %d" % total
    result("too-large-refused", why)

    # input alone over the limit: the error points at input:
    p = run([cnngen, lenet, "--ram-limit", "1000", "--check"])
    why = None if p.returncode == 1 and re.search(r"lenet5.yaml:\d+:\d+: error: the network does not fit the ram_limit of 1,000", p.stderr) else \
        "exit %d: %s" % (p.returncode, p.stderr[:300])
    result("input-over-limit", why)

    # flash: code estimate over a small limit
    p = run([cnngen, lenet, "--flash-limit", "4K", "--check"])
    why = None if p.returncode == 1 and "flash_limit of 4,096" in p.stderr else "exit %d: %s" % (p.returncode, p.stderr[:300])
    result("flash-over-limit", why)

    # ---- target: in the spec, its positions, the options win
    why = None
    src = open(lenet).read()
    spec_t = os.path.join(work, "target.yaml")
    with open(spec_t, "w") as f:
        f.write(src + "target: {ram_limit: 64K, flash_limit: 1M}\n")
    tline = src.count("\n") + 1
    p = run([cnngen, spec_t, "--check"])
    if p.returncode != 1 or "(target: at line %d)" % tline not in p.stderr or \
            "error: %s:" % layer["name"] not in p.stderr:
        why = "target: ram_limit 64K: exit %d: %s" % (p.returncode, p.stderr[:300])
    p = run([cnngen, spec_t, "--check", "--ram-limit", "10M"])
    if p.returncode != 0:
        why = "--ram-limit 10M does not override target: (exit %d)" % p.returncode
    for bad, col_key in (("{ram_limit: 12Q}", "ram_limit"), ("{ram_limit: -1}", "ram_limit"),
                         ("{flash_limit: [1]}", "flash_limit"), ("{flash_limit: 1.5}", "flash_limit")):
        with open(spec_t, "w") as f:
            f.write(src + "target: %s\n" % bad)
        p = run([cnngen, spec_t, "--check"])
        col = len("target: ") + bad.index(":") + 3
        if p.returncode != 1 or ("target.yaml:%d:%d: error: '%s' must be a size in bytes" % (tline, col, col_key)) not in p.stderr:
            why = "target: %s: exit %d: %s" % (bad, p.returncode, p.stderr[:300])
    with open(spec_t, "w") as f:
        f.write(src + "target: {ram_limt: 1M}\n")
    p = run([cnngen, spec_t, "--check"])
    if p.returncode != 1 or "did you mean 'ram_limit'" not in p.stderr:
        why = "a misspelt target key: exit %d: %s" % (p.returncode, p.stderr[:300])
    result("spec-target", why)

    # ---- target: {arch} / --arch: the target the code and stack figures model
    why = None
    for bad in ("cortex-m0", "[1]"):
        with open(spec_t, "w") as f:
            f.write(src + "target: {arch: %s}\n" % bad)
        p = run([cnngen, spec_t, "--check"])
        col = len("target: {arch: ") + 1
        if p.returncode != 1 or ("target.yaml:%d:%d: error: 'arch' must be x86-64 or cortex-m4"
                                 % (tline, col)) not in p.stderr:
            why = "target: {arch: %s}: exit %d: %s" % (bad, p.returncode, p.stderr[:300])
    p = run([cnngen, lenet, "--check", "--arch", "arm"])
    if p.returncode != 2 or "--arch: 'arm' is not a target" not in p.stderr:
        why = "--arch arm: exit %d: %s" % (p.returncode, p.stderr[:300])
    figs = {}
    with open(spec_t, "w") as f:
        f.write(src + "target: {arch: cortex-m4, flash_limit: 1G}\n")
    for name, cmd in (("x86", [lenet, "--flash-limit", "1G"]), ("spec", [spec_t]),
                      ("m4", [lenet, "--flash-limit", "1G", "--arch", "cortex-m4"]),
                      ("override", [spec_t, "--arch", "x86-64"])):
        p = run([cnngen] + cmd + ["--report", "--format", "json", "--stack"])
        if p.returncode:
            why = "%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr[:300])
            continue
        j = json.loads(p.stdout)
        figs[name] = (j["budget"]["arch"], j["budget"]["code_bytes_estimate"],
                      [f["max_bytes"] for f in j["stack"] if f["function"] == "lenet5_forward"][0])
    if len(figs) == 4:
        if figs["spec"] != figs["m4"] or figs["override"] != figs["x86"] or figs["m4"][0] != "cortex-m4":
            why = "target: {arch} and --arch disagree: %s" % figs
        elif not figs["m4"][1] < figs["x86"][1] or not figs["m4"][2] < figs["x86"][2] / 4:
            why = "the Cortex-M4 figures are not the scalar build's: %s" % figs
    # with -o, --stack puts the figures in the header
    c = os.path.join(work, "stk.c")
    p = run([cnngen, lenet, "-o", c, "--stack", "--arch", "cortex-m4"])
    hdr = open(c[:-2] + ".h").read() if p.returncode == 0 else ""
    m = re.search(r"#define lenet5_STACK_FORWARD_BYTES (\d+)", hdr)
    if not m or "lenet5_STACK_TRAIN_BYTES" not in hdr or (figs.get("m4") and int(m.group(1)) != figs["m4"][2]):
        why = "-o --stack: exit %d, header figures %s (report %s)" % (p.returncode, m and m.group(1), figs.get("m4"))
    result("target-arch", why)

    # ---- --stack-cc CMD: the figures from the compiler's own frames and call graph (the
    # M4 suite checks them against the stack painted on the board); a command that fails
    # is an error with its message, no report, no file, no temporary directory left
    why = None
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, TMPDIR=tmp)
    c = os.path.join(work, "stkcc.c")
    for bad, says in (("false", "--stack-cc: 'false -Os -fcallgraph-info=su' failed (exit 1)"),
                      ("gcc -DP_NOT_C=1 -include /nonexistent.h", "--stack-cc: 'gcc -DP_NOT_C=1")):
        p = subprocess.run([cnngen, lenet, "-o", c, "--stack-cc", bad], capture_output=True, text=True, env=env)
        if p.returncode != 2 or says not in p.stderr or os.path.exists(c) or os.listdir(tmp):
            why = "--stack-cc %s: exit %d, %s, files %s %s" % (bad, p.returncode, p.stderr[:300],
                                                             os.path.exists(c), os.listdir(tmp))
        p = subprocess.run([cnngen, lenet, "--report", "--stack-cc", bad], capture_output=True, text=True, env=env)
        if p.returncode != 2 or p.stdout:
            why = "--report --stack-cc %s: exit %d, printed %d bytes" % (bad, p.returncode, len(p.stdout))
    p = run([cnngen, lenet, "--report", "--stack-cc", ""])
    if p.returncode != 2 or "--stack-cc needs a compiler command" not in p.stderr:
        why = "--stack-cc '': exit %d: %s" % (p.returncode, p.stderr[:300])
    if shutil.which("gcc"):
        p = subprocess.run([cnngen, lenet, "-o", c, "--stack-cc", "gcc -std=c99"], capture_output=True,
                           text=True, env=env)
        hdr = open(c[:-2] + ".h").read() if p.returncode == 0 else ""
        fig = {k: int(v) for k, v in re.findall(r"#define lenet5_STACK_(FORWARD|TRAIN)_BYTES (\d+)", hdr)}
        # gcc's own frames (-fstack-usage) of the same file: a chain holds the largest one
        # and no more than all of them with the C library's allowance on each call level
        su = []
        for lv in ("-Os", "-O2"):
            q = run(["gcc", "-std=c99", lv, "-fstack-usage", "-I", RT, "-c", c, "-o",
                     os.path.join(work, "stkcc.o")])
            if q.returncode == 0:
                su += [int(l.split("\t")[1]) for l in open(os.path.join(work, "stkcc.su"))]
        if p.returncode or set(fig) != {"FORWARD", "TRAIN"} or not su or "--stack-cc 'gcc -std=c99'" not in hdr:
            why = "--stack-cc gcc: exit %d %s, figures %s" % (p.returncode, p.stderr[:200], fig)
        elif not max(su) <= fig["FORWARD"] <= fig["TRAIN"] <= sum(su) + 48 * len(su) or os.listdir(tmp):
            why = "--stack-cc gcc: figures %s against frames of %d..%d bytes (sum %d), left %s" % (
                fig, min(su), max(su), sum(su), os.listdir(tmp))
    else:
        print("SKIP stack-cc with gcc: gcc missing")
    result("stack-cc", why)

    # ---- compile-time checks: fits -> compiles warning-free (gcc, clang); an edited or
    # -D lowered limit -> a compile error on the check typedef
    why = None
    d = os.path.join(work, "hdr")
    os.makedirs(d, exist_ok=True)
    c = os.path.join(d, "lenet5.c")
    p = run([cnngen, lenet, "--ram-limit", "1M", "--flash-limit", "256K", "-o", c])
    strict = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-c", "-o", os.devnull]
    for cc in ("gcc", "clang"):
        if not shutil.which(cc):
            continue
        q = run([cc] + strict + cflags + [c])
        if q.returncode:
            why = "%s rejects the header of a fitting network: %s" % (cc, q.stderr[:300])
    q = run(["gcc"] + strict + cflags + ["-Dlenet5_RAM_LIMIT=100000", c])
    if q.returncode == 0 or "lenet5_check_ram_limit" not in q.stderr:
        why = "-Dlenet5_RAM_LIMIT=100000 still compiles"
    h = c[:-2] + ".h"
    hdr = open(h).read()
    for macro, check in (("lenet5_RAM_LIMIT", "lenet5_check_ram_limit"),
                         ("lenet5_FLASH_LIMIT", "lenet5_check_flash_limit")):
        edited = re.sub(r"#define %s \d+" % macro, "#define %s 1000" % macro, hdr)
        if edited == hdr:
            why = "no #define %s in the header" % macro
            continue
        with open(h, "w") as f:
            f.write(edited)
        q = run(["gcc"] + strict + cflags + [c])
        if q.returncode == 0 or check not in q.stderr:
            why = "editing %s to 1000 still compiles" % macro
    with open(h, "w") as f:
        f.write(hdr)
    result("compile-time-checks", why)

    # ---- --weights: the params move from RAM to flash
    why = None
    st = os.path.join(work, "w.safetensors")
    py = os.path.join(work, "lenet5_export.py")
    run([cnngen, "--emit", "pytorch", lenet, "-o", py])
    q = run([sys.executable, "-c", "import importlib.util as u,sys; s=u.spec_from_file_location('m', %r); "
             "m=u.module_from_spec(s); s.loader.exec_module(m); m.Net().save_safetensors(%r)" % (py, st)])
    a = json.loads(run([cnngen, lenet, "--inference-only", "--ram-limit", "1M", "--flash-limit", "1M",
                        "--report", "--format", "json"]).stdout)["budget"]
    p = run([cnngen, lenet, "--inference-only", "--ram-limit", "1M", "--flash-limit", "1M",
             "--weights", st, "--report", "--format", "json", "-o", os.path.join(work, "w.c")])
    if q.returncode or p.returncode:
        why = "exit %d/%d: %s %s" % (q.returncode, p.returncode, q.stderr[-300:], p.stderr[:300])
    else:
        b = json.loads(p.stdout)["budget"]
        pb = rep["param_bytes"]
        if not (b["params_in_flash"] and b["ram_bytes"] == a["ram_bytes"] - pb and
                b["flash_bytes"] == a["flash_bytes"] + pb):
            why = "with --weights RAM %d flash %d, without %d %d (params %d)" % (
                b["ram_bytes"], b["flash_bytes"], a["ram_bytes"], a["flash_bytes"], pb)
        else:
            # not -Werror: this checks the budget lines of the header, not the emitter
            q = run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-c", "-o", os.devnull]
                    + cflags + [os.path.join(work, "w.c")])
            if q.returncode or "w.h" in q.stderr:
                why = "the --weights C with budget checks does not compile cleanly: %s" % q.stderr[:300]
    result("const-weights-in-flash", why)

    # ---- the code size estimate against gcc -Os object sizes, every spec
    why = None
    worst = 0.0
    for spec in sorted(f for f in os.listdir(SPECS) if f.endswith(".yaml")):
        path = os.path.join(SPECS, spec)
        for opts in ([], ["--inference-only"]):
            c = os.path.join(work, "size.c")
            p = run([cnngen, path, "--flash-limit", "1G", "--report", "--format", "json", "-o", c] + opts)
            est = json.loads(p.stdout)["budget"]["code_bytes_estimate"]
            o = os.path.join(work, "size.o")
            run(["gcc", "-Os", "-std=c99"] + cflags + ["-c", c, "-o", o])
            sz = run(["size", o]).stdout.splitlines()[1].split()
            real = int(sz[0]) + int(sz[1])          # text (with rodata) + data
            ratio = est / real
            worst = max(worst, ratio, 1 / ratio)
            if not (real / 2 - 1024 <= est <= real * 2 + 1024):
                why = "%s %s: estimate %d bytes, gcc -Os %d" % (spec, " ".join(opts), est, real)
    result("code-estimate-vs-gcc", why)
    print("# code size estimate: worst ratio to gcc -Os %.2f" % worst)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
