"""mutate.py - property test: random mutations of valid specs never crash cnngen.

    mutate.py CNNGEN N SEED SPEC...     (run with /usr/bin/python3)

For N mutants (byte flips, byte/line deletions and duplications, key deletions,
value swaps between keys, numbers replaced by extreme ones, truncation, random junk
inserted) of the given valid specs, `CNNGEN MUTANT -o OUT.c` must end within 20 s
with exit 0 (and then both OUT.c and OUT.h exist) or exit 1 with a positioned error
`FILE:LINE:COL: error:` on stderr (and then neither file exists), never with a
signal, a timeout or another status. Prints one PASS/FAIL line; failing mutants are
kept in the scratch directory named on the FAIL line.
"""
import os
import random
import re
import subprocess
import sys
import tempfile

EXTREME = ["0", "-1", "65536", "65537", "1000000000", "9223372036854775807",
           "9223372036854775808", "-9223372036854775809", "1e400", "-0", "0.5", ".nan",
           ".inf", "99999999999999999999999", "1e3", "0x10", "0o7", "~", "null", "true",
           "''", "[]", "{}", "[1, 2, 3, 4, 5]", "&a 3", "*a", "!!str 3", "!!binary AAAA",
           "\"\\u0000\"", "2147483648", "4294967296", "-2147483649"]
WORDS = ["type", "name", "filters", "units", "kernel", "size", "stride", "padding",
         "dilation", "bias", "activation", "alpha", "ceil_mode", "count_include_pad",
         "input", "layers", "loss", "dtype", "channels", "height", "width", "conv2d",
         "dense", "maxpool", "avgpool", "l2pool", "global_avgpool", "global_maxpool",
         "flatten", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "same", "valid",
         "same_lower", "mse", "cross_entropy", "softmax_cross_entropy",
         "binary_cross_entropy", "float32", "float64", "target", "ram_limit",
         "flash_limit"]
POSITIONED = re.compile(r"^[^\n:]+:\d+:\d+: error: ", re.M)


def mutate(r, text):
    b = bytearray(text.encode("utf-8", "surrogateescape"))
    kind = r.randrange(11)
    if kind == 0 and b:                                   # byte flips
        for _ in range(r.randint(1, 4)):
            i = r.randrange(len(b))
            b[i] ^= 1 << r.randrange(8)
    elif kind == 1 and b:                                 # delete a byte range
        i = r.randrange(len(b))
        del b[i:i + r.randint(1, 8)]
    elif kind == 2 and b:                                 # duplicate a range
        i = r.randrange(len(b))
        j = min(len(b), i + r.randint(1, 40))
        b[j:j] = b[i:j]
    elif kind == 3 and b:                                 # truncate
        del b[r.randrange(len(b)):]
    else:
        s = b.decode("utf-8", "replace")
        lines = s.split("\n")
        if kind == 4 and lines:                           # delete / duplicate a line
            i = r.randrange(len(lines))
            if r.random() < 0.5:
                del lines[i]
            else:
                lines.insert(i, lines[i])
            s = "\n".join(lines)
        elif kind == 5:                                   # delete a `key: value`
            ms = list(re.finditer(r"\b\w+: *[^,}\n]*,? *", s))
            if ms:
                m = r.choice(ms)
                s = s[:m.start()] + s[m.end():]
        elif kind == 6:                                   # swap two values
            ms = list(re.finditer(r"(?<=: )[^,}\n{\[]+", s))
            if len(ms) >= 2:
                a, c = sorted(r.sample(ms, 2), key=lambda m: m.start())
                s = s[:a.start()] + c.group() + s[a.end():c.start()] + a.group() + s[c.end():]
        elif kind == 7:                                   # extreme number
            ms = list(re.finditer(r"(?<=: )[^,}\n{\[]+", s)) + list(re.finditer(r"\d+", s))
            if ms:
                m = r.choice(ms)
                s = s[:m.start()] + r.choice(EXTREME) + s[m.end():]
        elif kind == 8:                                   # swap keys / words
            ms = list(re.finditer(r"[a-z_0-9]+", s))
            if ms:
                m = r.choice(ms)
                s = s[:m.start()] + r.choice(WORDS) + s[m.end():]
        elif kind == 9:                                   # junk
            i = r.randrange(len(s) + 1)
            junk = "".join(r.choice("{}[],:&*!|>-#'\"\t\n \\%@`?") for _ in range(r.randint(1, 6)))
            s = s[:i] + junk + s[i:]
        else:                                             # add a layer / key
            extra = r.choice(["\n  - {type: %s}" % r.choice(WORDS),
                              "\n%s: %s" % (r.choice(WORDS), r.choice(EXTREME)),
                              "\n  - {type: conv2d, filters: %s, kernel: %s}" %
                              (r.choice(EXTREME), r.choice(EXTREME))])
            i = s.find("\n", r.randrange(len(s) + 1))
            i = len(s) if i < 0 else i
            s = s[:i] + extra + s[i:]
        b = bytearray(s.encode("utf-8", "surrogateescape"))
    return bytes(b)


def main():
    cn, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    specs = [open(p, "rb").read().decode("utf-8") for p in sys.argv[4:]]
    r = random.Random(seed)
    work = tempfile.mkdtemp(prefix="cnngen-mutate.")
    bad = []
    counts = {0: 0, 1: 0}
    for k in range(n):
        text = r.choice(specs)
        for _ in range(r.choice([1, 1, 1, 2, 3])):
            text = mutate(r, text.decode("utf-8", "surrogateescape")
                          if isinstance(text, bytes) else text)
        path = os.path.join(work, "m%d.yaml" % k)
        with open(path, "wb") as f:
            f.write(text if isinstance(text, bytes) else text.encode())
        out = os.path.join(work, "m%d.c" % k)
        try:
            p = subprocess.run([cn, path, "-o", out], capture_output=True, timeout=20)
        except subprocess.TimeoutExpired:
            bad.append("m%d: timeout" % k)
            continue
        err = p.stderr.decode("utf-8", "replace")
        have = [os.path.exists(out), os.path.exists(out[:-1] + "h")]
        if p.returncode == 0 and all(have):
            counts[0] += 1
            os.remove(path), os.remove(out), os.remove(out[:-1] + "h")
            continue
        if p.returncode == 1 and POSITIONED.search(err) and not any(have):
            counts[1] += 1
            os.remove(path)
            continue
        why = "signal %d" % -p.returncode if p.returncode < 0 else "exit %d" % p.returncode
        bad.append("m%d: %s, files %s, stderr: %s" % (k, why, have, err.strip()[:200]))
    if bad:
        print("FAIL hardening/mutations: %d of %d mutants (kept in %s): %s"
              % (len(bad), n, work, " | ".join(bad[:5])))
        return 1
    os.rmdir(work) if not os.listdir(work) else None
    print("PASS hardening/mutations (%d mutants of %d specs: %d generated, %d refused "
          "with a positioned error)" % (n, len(specs), counts[0], counts[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
