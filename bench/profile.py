#!/usr/bin/python3
"""profile.py - where the generated code spends its instructions (bench/profile.sh).

  profile.py CALLGRIND.out BINARY NET.c CALLS [--top N]

Reads a callgrind profile taken with --dump-instr=yes (instruction-level positions)
of `bench_c --profile ...`, disassembles BINARY with objdump, and prints for the
generated source NET.c:
  - per C function of NET.c (instructions of inlined code are attributed to the
    function whose source lines they come from): instructions per call, share of all
    collected instructions, and the executed floating-point arithmetic split into
    scalar (ss/sd) and packed xmm/ymm/zmm, so a loop the compiler did not vectorize
    shows up as "scalar";
  - the N hottest source lines of NET.c with the same split and the line's text.
Callgrind counts instructions, not cycles: a vectorized line does more work per
instruction, so compare the FP split, not only the counts.
"""
import collections
import re
import subprocess
import sys

FP_RE = re.compile(r"^v?(?:fn?m(?:add|sub)(?:132|213|231)?|add|sub|mul|div|max|min|sqrt)([ps])([sd])$")


def parse_callgrind(path, binary):
    names = {"fl": {}, "fn": {}, "ob": {}}
    kind_of = {"fl": "fl", "fi": "fl", "fe": "fl", "cfl": "fl", "cfi": "fl",
               "fn": "fn", "cfn": "fn", "ob": "ob", "cob": "ob"}
    cur = {"ob": "", "fl": "", "fi": None, "fn": ""}
    pairs = collections.Counter()     # (file, line, addr) -> Ir, for code of `binary`
    by_fn = collections.Counter()     # symbol -> self Ir (all objects)
    last_addr, last_line = 0, 0
    skip = False
    total = 0

    def name(kind, rest):
        m = re.match(r"\((\d+)\)(?: (.*))?$", rest)
        if not m:
            return rest
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), "?")

    def num(tok, last):
        if tok == "*":
            return last
        if tok[0] in "+-":
            return last + int(tok, 0)
        return int(tok, 0)

    for raw in open(path):
        line = raw.rstrip("\n")
        if not line:
            continue
        c = line[0]
        if c.isdigit() or c in "+-*":
            parts = line.split()
            a = num(parts[0], last_addr)
            ln = num(parts[1], last_line) if len(parts) > 1 else last_line
            last_addr, last_line = a, ln
            if skip:
                skip = False
                continue
            ir = int(parts[2]) if len(parts) > 2 else 0
            total += ir
            by_fn[cur["fn"]] += ir
            if cur["ob"] == binary:
                pairs[(cur["fi"] or cur["fl"], ln, a)] += ir
            continue
        m = re.match(r"^(\w+)=(.*)$", line)
        if not m:
            continue
        key, rest = m.group(1), m.group(2)
        if key == "calls":
            skip = True
            continue
        if key in kind_of:
            n = name(kind_of[key], rest)
            if key == "fl":
                cur["fl"], cur["fi"] = n, None
            elif key in ("fi", "fe"):
                cur["fi"] = n
            elif key == "fn":
                cur["fn"] = n
            elif key == "ob":
                cur["ob"] = n
    return total, pairs, by_fn


def disassemble(binary):
    ins = {}
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", binary], capture_output=True,
                         text=True).stdout
    for l in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$", l)
        if m:
            ins[int(m.group(1), 16)] = (m.group(2), m.group(3))
    return ins


def fp_class(mn, ops):
    m = FP_RE.match(mn)
    if not m:
        return None
    if m.group(1) == "s":
        return "scalar"
    for w in ("zmm", "ymm", "xmm"):
        if w in ops:
            return w
    return "xmm"


def functions_of(src_lines):
    """line number (1-based) -> name of the C function whose body it is in"""
    owner, cur = {}, "(file scope)"
    for i, l in enumerate(src_lines, 1):
        if l and not l[0].isspace() and l[0] not in "#/*}" and "(" in l and not l.rstrip().endswith(";"):
            m = re.search(r"(\w+)\s*\(", l)
            if m:
                cur = m.group(1)
        owner[i] = cur
    return owner


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    cg, binary, src, calls = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 15
    total, pairs, by_fn = parse_callgrind(cg, binary)
    if total == 0:
        print("profile: callgrind collected nothing (did the binary run? AVX-512 code cannot run under valgrind)")
        return 1
    ins = disassemble(binary)
    srcbase = src.rsplit("/", 1)[-1]
    text = open(src).read().split("\n")
    owner = functions_of(text)

    def zero():
        return collections.Counter()
    fn_ir, fn_fp = collections.Counter(), collections.defaultdict(zero)
    ln_ir, ln_fp = collections.Counter(), collections.defaultdict(zero)
    in_net = 0
    for (f, ln, a), ir in pairs.items():
        if not f.endswith(srcbase):
            continue
        in_net += ir
        fn = owner.get(ln, "?")
        fn_ir[fn] += ir
        ln_ir[ln] += ir
        mn, ops = ins.get(a, ("", ""))
        k = fp_class(mn, ops)
        if k:
            # Ir counts executions of this instruction
            fn_fp[fn][k] += ir
            ln_fp[ln][k] += ir

    def split(cnt):
        t = sum(cnt.values())
        if not t:
            return "-"
        return " ".join("%s %2.0f%%" % (k, 100.0 * cnt[k] / t) for k in ("scalar", "xmm", "ymm", "zmm") if cnt[k])

    print("%s instructions per call collected (%.1f%% in %s; the rest: runtime, libc, libm)"
          % (format(total // max(calls, 1), ","), 100.0 * in_net / total, srcbase))
    others = [(n, v) for n, v in by_fn.most_common(8) if v > 0.01 * total]
    print("functions by self instructions (symbols; inlined layer code counts in its caller):")
    for n, v in others:
        print("  %6.1f%%  %s" % (100.0 * v / total, n))
    print("")
    print("by function of %s (source attribution, inlining undone):" % srcbase)
    print("  %12s  %6s  %s" % ("instr/call", "share", "function  [executed FP arithmetic: scalar/xmm/ymm/zmm]"))
    for fn, ir in fn_ir.most_common():
        if ir < 0.002 * total:
            continue
        print("  %12s  %5.1f%%  %s  [%s]" % (format(ir // max(calls, 1), ","), 100.0 * ir / total, fn, split(fn_fp[fn])))
    print("")
    print("hottest lines of %s:" % srcbase)
    for ln, ir in ln_ir.most_common(top):
        t = text[ln - 1].strip() if 0 < ln <= len(text) else ""
        if len(t) > 90:
            t = t[:87] + "..."
        print("  %5.1f%%  %s:%-6d %-34s %s" % (100.0 * ir / total, srcbase, ln, "(in %s)" % owner.get(ln, "?"), t))
        print("          %s" % split(ln_fp[ln]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
