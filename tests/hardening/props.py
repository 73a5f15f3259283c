"""props.py - property test: random valid specs always give C that compiles under
strict flags and passes a float64 finite-difference gradient check.

    props.py CNNGEN WORKDIR N FIRST_SEED     (run with /usr/bin/python3)

Specs come from tests/torchref/randspec.py (every layer kind, padding form, loss,
unroll mode, naming); each is generated with --dtype float64 (plus its random
--unroll/--prefix), compiled together with tests/codegen/check.c by gcc and by clang
with -std=c99 -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes
-Wmissing-prototypes, and run: `check grad` (central differences of every parameter
and input gradient) when the net has a loss, `check run` otherwise. Prints one
PASS/FAIL line per spec.
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "torchref"))
import randspec  # noqa: E402

STRICT = ["-std=c99", "-Wall", "-Wextra", "-Wpedantic", "-Werror", "-Wshadow",
          "-Wstrict-prototypes", "-Wmissing-prototypes"]
CHECK = os.path.join(ROOT, "tests", "codegen", "check.c")


def main():
    cn, work, n, first = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    compilers = [c for c in ("gcc", "clang") if shutil.which(c)]
    rt = ["-I" + os.path.join(ROOT, "runtime")]
    lib = [os.path.join(ROOT, "runtime", "libcnngen.a"), "-lm"]
    fails = 0
    for seed in range(first, first + n):
        spec, text, opts = randspec.gen(seed)
        o = []
        i = 0
        while i < len(opts):
            if opts[i] == "--dtype":
                i += 2
                continue
            if opts[i] != "--inference-only":
                o.append(opts[i])
            i += 1
        d = os.path.join(work, "r%d" % seed)
        os.makedirs(d, exist_ok=True)
        y = os.path.join(d, "spec.yaml")
        with open(y, "w") as f:
            f.write(text)
        name = "hardening/prop_seed%d" % seed
        p = subprocess.run([cn, y, "-o", os.path.join(d, "net.c"), "--dtype", "float64"] + o,
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            print("FAIL %s: cnngen exit %d: %s" % (name, p.returncode, p.stderr.strip()[:300]))
            fails += 1
            continue
        m = re.search(r"^extern const cnngen_model (\w+);", open(os.path.join(d, "net.h")).read(), re.M)
        bad = None
        for cc in compilers:
            exe = os.path.join(d, "check_" + cc)
            c = subprocess.run([cc, "-O1"] + STRICT + rt + ["-I" + d, "-DMODEL=" + m.group(1),
                               "-include", os.path.join(d, "net.h"), "-o", exe, CHECK,
                               os.path.join(d, "net.c")] + lib,
                               capture_output=True, text=True, timeout=300)
            if c.returncode != 0:
                bad = "%s: %s" % (cc, c.stderr.strip()[:400])
                break
            mode = "grad" if "loss" in spec else "run"
            r = subprocess.run([exe, mode, str(seed)], capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                bad = "check %s (%s): %s" % (mode, cc, (r.stdout + r.stderr).strip()[:400])
                break
        if bad:
            print("FAIL %s: %s (spec kept in %s) options %s" % (name, bad, d, " ".join(o)))
            fails += 1
        else:
            print("PASS %s (%s %s)" % (name, "grad" if "loss" in spec else "run", " ".join(o)))
            shutil.rmtree(d)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
