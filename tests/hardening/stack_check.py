"""stack_check.py - the report's stack figures (cnngen --report --stack) bound what the
compilers really use.

    stack_check.py CNNGEN WORKDIR SPEC...     (run with /usr/bin/python3)

For each spec: generate NET.c, read "stack" from `--report --stack --format json`, and
compile NET.c with gcc -fstack-usage at -O0, -O2, -O3, -O2 -mavx2 -mfma and
-O2 -mavx512f (and clang -O2 when it supports -fstack-usage). Every function gcc lists
must be in the report, with max_bytes (its own and its callees': gcc inlines them)
>= its static frame; no frame may be dynamic (no VLAs or alloca). Prints one PASS/FAIL line per spec.
"""
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIGS = [["gcc", "-O0"], ["gcc", "-O2"], ["gcc", "-O3"], ["gcc", "-O2", "-mavx2", "-mfma"],
           ["gcc", "-O2", "-mavx512f"], ["clang", "-O2"], ["clang", "-O2", "-mavx512f"]]


def main():
    cn, work = sys.argv[1], sys.argv[2]
    fails = 0
    for spec in sys.argv[3:]:
        base = os.path.splitext(os.path.basename(spec))[0]
        d = os.path.join(work, "stack_" + base)
        os.makedirs(d, exist_ok=True)
        name = "hardening/stack_bound_%s" % base
        c = os.path.join(d, "net.c")
        p = subprocess.run([cn, spec, "-o", c], capture_output=True, text=True)
        r = subprocess.run([cn, "--report", "--stack", "--format", "json", spec],
                           capture_output=True, text=True)
        if p.returncode or r.returncode:
            print("FAIL %s: cnngen exit %d/%d: %s" % (name, p.returncode, r.returncode,
                                                       (p.stderr + r.stderr).strip()[:300]))
            fails += 1
            continue
        own = {f["function"]: f["max_bytes"] for f in json.loads(r.stdout)["stack"]}
        bad = []
        ran = 0
        for cfg in CONFIGS:
            if not shutil.which(cfg[0]):
                continue
            o = os.path.join(d, "net.o")
            su = os.path.join(d, "net.su")
            if os.path.exists(su):
                os.remove(su)
            k = subprocess.run(cfg + ["-std=c99", "-fstack-usage", "-I" + os.path.join(ROOT, "runtime"),
                                      "-c", c, "-o", o], capture_output=True, text=True)
            if k.returncode or not os.path.exists(su):
                if cfg[0] == "clang":
                    continue        # an older clang without -fstack-usage
                bad.append("%s failed: %s" % (" ".join(cfg), k.stderr.strip()[:200]))
                continue
            ran += 1
            for line in open(su):
                m = re.match(r".*:([A-Za-z_]\w*)\t(\d+)\t(\S+)", line)
                if not m:
                    continue
                fn, n, kind = m.group(1), int(m.group(2)), m.group(3)
                # the portable build's passes (generator/dispatch.c): NAME_avx512 is NAME
                base = re.sub(r"_(avx512|avx2|sse2)$", "", fn)
                if fn not in own and base in own:
                    fn = base
                if "dynamic" in kind and "bounded" not in kind:
                    bad.append("%s %s: dynamic frame" % (" ".join(cfg), fn))
                elif fn not in own:
                    bad.append("%s: %s not in the report" % (" ".join(cfg), fn))
                elif n > own[fn]:
                    bad.append("%s %s: %d bytes > reported %d" % (" ".join(cfg), fn, n, own[fn]))
        if bad:
            fails += 1
            print("FAIL %s: %s" % (name, "; ".join(bad[:6])))
        else:
            print("PASS %s (%d functions, %d compilers/flag sets)" % (name, len(own), ran))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
