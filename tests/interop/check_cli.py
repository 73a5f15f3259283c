"""check_cli.py - the command line of --emit pytorch and the budget options: values,
refusals (exit 2), and the atomic write of the .py (a failure leaves nothing behind,
no temporary files either; an existing file is replaced only when complete).

usage: check_cli.py CNNGEN WORKDIR
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LENET = os.path.join(ROOT, "specs", "lenet5.yaml")


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def main():
    cnngen, work = os.path.abspath(sys.argv[1]), sys.argv[2]
    os.makedirs(work, exist_ok=True)
    nfail = 0

    def res(name, why):
        nonlocal nfail
        if why:
            nfail += 1
            print("FAIL cli/%s: %s" % (name, why))
        else:
            print("PASS cli/%s" % name)

    py = os.path.join(work, "net.py")
    p = run([cnngen, "--emit", "pytorch", LENET, "-o", py])
    ok = p.returncode == 0 and os.path.exists(py) and not os.path.exists(py[:-3] + ".h") \
        and not os.path.exists(py + ".h")
    left = [f for f in os.listdir(work) if f.startswith(".")]
    res("emit-pytorch-one-file", None if ok and not left else
        "exit %d, files %s" % (p.returncode, sorted(os.listdir(work))))
    c = subprocess.run([sys.executable, "-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", py],
                       capture_output=True, text=True)
    res("emit-pytorch-parses", None if c.returncode == 0 else c.stderr[-300:])
    # a spec file name with a newline and quotes stays inside the comment / string
    odd = os.path.join(work, 'a\nb"\\.yaml')
    with open(LENET) as f, open(odd, "w") as g:
        g.write(f.read())
    p = run([cnngen, "--emit", "pytorch", odd, "-o", os.path.join(work, "odd.py")])
    c = subprocess.run([sys.executable, "-c", "import runpy,sys; m = runpy.run_path(sys.argv[1]); "
                        "assert m['SPEC'] == sys.argv[2], m['SPEC']", os.path.join(work, "odd.py"), odd],
                       capture_output=True, text=True)
    res("emit-pytorch-odd-file-name", None if p.returncode == 0 and c.returncode == 0 else
        "exit %d: %s %s" % (p.returncode, p.stderr[:200], c.stderr[-300:]))
    p = run([cnngen, "--emit=c", LENET, "-o", os.path.join(work, "n.c")])
    res("emit-c-explicit", None if p.returncode == 0 and os.path.exists(os.path.join(work, "n.h"))
        else "exit %d" % p.returncode)

    for args, what in (
            (["--emit", "java", LENET, "-o", py], "unknown value 'java'"),
            (["--emit", "pytorch", "--weights", "w.safetensors", LENET, "-o", py], "--weights applies to --emit c"),
            (["--emit", "pytorch", LENET, "-o", os.path.join(work, "nodir", "x.py")], "does not exist"),
            (["--emit", "pytorch", LENET, "-o", work + "/"], "directory"),
            (["--ram-limit", "1X", LENET, "--check"], "not a size in bytes"),
            (["--batch", "0", LENET, "--check"], "not a batch size"),
            (["--batch", "8x", LENET, "--check"], "not a batch size"),
            (["--batch", "5000", LENET, "--check"], "not a batch size"),
            (["--flash-limit", LENET, "--check"], ""),
            (["--format", "png", "--report", LENET], "unknown value 'png'")):
        p = run([cnngen] + args)
        res("refuse " + " ".join(a for a in args if a not in (LENET, py)),
            None if p.returncode == 2 and what in p.stderr else "exit %d: %s" % (p.returncode, p.stderr[:200]))

    # --batch N overrides the spec's batch: the report and the header say it
    p = run([cnngen, "--batch", "16", "--report", "--format", "json", LENET])
    res("batch-option-report", None if p.returncode == 0 and '"batch": 16' in p.stdout
        else "exit %d: %s" % (p.returncode, p.stderr[:200]))
    p = run([cnngen, "--batch", "16", LENET, "-o", os.path.join(work, "b.c")])
    hdr = open(os.path.join(work, "b.h")).read() if p.returncode == 0 else ""
    res("batch-option-header", None if "_MAX_BATCH 16" in hdr else "exit %d, no P_MAX_BATCH 16" % p.returncode)

    # an existing file is replaced only by a complete one: a write that fails half-way
    # (file size limit of 1000 bytes, SIGXFSZ ignored so write() fails with EFBIG)
    # leaves the old file as it was and no temporary file
    import resource
    import signal

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    d = os.path.join(work, "fsize")
    os.makedirs(d, exist_ok=True)
    old = os.path.join(d, "net.py")
    with open(old, "w") as f:
        f.write("old\n")
    p = subprocess.run([cnngen, "--emit", "pytorch", LENET, "-o", old], capture_output=True, text=True,
                       preexec_fn=small_files, restore_signals=False)
    same = open(old).read() == "old\n"
    res("emit-pytorch-atomic-short-write",
        None if p.returncode == 2 and same and os.listdir(d) == ["net.py"] else
        "exit %d, old file kept: %s, files %s" % (p.returncode, same, os.listdir(d)))

    # an unwritable directory leaves the old file as it was (not as root)
    ro = os.path.join(work, "ro")
    os.makedirs(ro, exist_ok=True)
    old = os.path.join(ro, "net.py")
    with open(old, "w") as f:
        f.write("old\n")
    os.chmod(ro, 0o555)
    try:
        p = run([cnngen, "--emit", "pytorch", LENET, "-o", old])
        same = open(old).read() == "old\n"
        if os.geteuid() == 0:
            why = None if p.returncode == 0 and not same else "exit %d" % p.returncode  # root writes anyway
        else:
            why = None if p.returncode == 2 and same and os.listdir(ro) == ["net.py"] else \
                "exit %d, old file kept: %s, files %s" % (p.returncode, same, os.listdir(ro))
    finally:
        os.chmod(ro, 0o755)
    res("emit-pytorch-atomic", why)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
