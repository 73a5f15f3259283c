"""randspec.py - seeded random cnngen specs that mix every feature of SPEC.md section 2.

gen(seed) -> (spec dict, yaml text, cnngen options list). Every spec is valid by
construction: shapes are tracked with torchnet's rules (resolve_pads, out_dim), and a
choice that would make a window not fit is redrawn. Pooling pads go up to the window
less one on each side, as ONNX allows (beyond half the window PyTorch's pooling refuses
them and torchnet pads explicitly); a choice that leaves some window entirely in the
padding, where a max or an average is undefined, is redrawn. Sizes stay small (input up to
3x14x14, a few filters/units) so the generated C compiles in a moment.

Choices that SPEC.md leaves ambiguous are avoided on purpose (so a mismatch means a
bug, not a reading): softmax_cross_entropy follows a vector layer
(dense, flatten or an activation of one), never a global pool directly.

    python3 randspec.py SEED [OUTFILE]    prints / writes one spec
"""

import random
import sys

import yaml

from torchnet import out_dim, resolve_pads

WORDS = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota",
         "kappa", "lam", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau",
         "ups", "phi", "chi", "psi", "omega", "Conv", "Dense", "x", "y_", "head"]

FUSED_ACTS = ["none", "relu", "sigmoid", "tanh", "leaky_relu", "relu6"]


def _maybe_pair(r, a, b):
    """int when a == b (sometimes still as a pair), else the pair."""
    if a == b and r.random() < 0.7:
        return a
    return [a, b]


def _padding(r, k, for_pool):
    """A random padding form; pools keep each side < k (see module doc)."""
    form = r.choice(["omit", "valid", "same", "same_lower", "int", "pair", "four"])
    if form == "omit":
        return None
    if form in ("valid", "same", "same_lower"):
        return form
    lim_h = k[0] - 1 if for_pool else k[0] + 1
    lim_w = k[1] - 1 if for_pool else k[1] + 1
    if form == "int":
        return r.randint(0, max(0, min(lim_h, lim_w)))
    if form == "pair":
        return [r.randint(0, lim_h), r.randint(0, lim_w)]
    return [r.randint(0, lim_h), r.randint(0, lim_w), r.randint(0, lim_h), r.randint(0, lim_w)]


def _conv(r, shape):
    C, H, W = shape
    for _ in range(40):
        k = (r.randint(1, 4), r.randint(1, 4))
        s = (r.randint(1, 3), r.randint(1, 3)) if r.random() < 0.5 else (1, 1)
        dl = (r.randint(1, 2), r.randint(1, 2)) if r.random() < 0.3 else (1, 1)
        pad = _padding(r, k, False)
        pads = resolve_pads(pad, (H, W), k, s, dl)
        Ho = out_dim(H, pads[0], pads[2], k[0], s[0], dl[0])
        Wo = out_dim(W, pads[1], pads[3], k[1], s[1], dl[1])
        if not Ho or not Wo or Ho > 16 or Wo > 16:
            continue
        K = r.randint(1, 5)
        G = 1
        if C > 1 and r.random() < 0.25:     # grouped, or depthwise (groups = C = filters)
            common = [g for g in range(2, C + 1) if C % g == 0 and K % g == 0]
            if common and r.random() < 0.5:
                G = r.choice(common)
            else:
                K = G = C
        d = {"type": "conv2d", "filters": K, "kernel": _maybe_pair(r, *k)}
        if G > 1:
            d["groups"] = G
        if s != (1, 1) or r.random() < 0.2:
            d["stride"] = _maybe_pair(r, *s)
        if dl != (1, 1) or r.random() < 0.1:
            d["dilation"] = _maybe_pair(r, *dl)
        if pad is not None:
            d["padding"] = pad
        if r.random() < 0.25:
            d["bias"] = False
        elif r.random() < 0.1:
            d["bias"] = True
        act = r.choice(FUSED_ACTS + ["omit"])
        if act != "omit":
            d["activation"] = act
            if act == "leaky_relu" and r.random() < 0.6:
                d["alpha"] = r.choice([0.1, 0.2, 0.3, 0.05])
        return d, (K, Ho, Wo), K * Ho * Wo * C // G * k[0] * k[1]
    return {"type": "conv2d", "filters": 2, "kernel": 1}, (2, H, W), 2 * H * W * C


def _pad_only_window(n, before, k, s, out):
    """Some window of the out windows along an axis of n cells covers no input cell."""
    return any(min(o * s - before + k, n) <= max(o * s - before, 0) for o in range(out))


def _pool(r, shape):
    C, H, W = shape
    kind = r.choice(["maxpool", "avgpool", "avgpool", "l2pool"])
    for _ in range(40):
        k = (r.randint(1, 3), r.randint(1, 3))
        s = (r.randint(1, 3), r.randint(1, 3)) if r.random() < 0.6 else k
        pad = _padding(r, k, True)
        if pad is None and r.random() < 0.5:
            pad = _padding(r, k, True)
        ceil = r.random() < 0.5
        pads = resolve_pads(pad, (H, W), k, s, (1, 1))
        Ho = out_dim(H, pads[0], pads[2], k[0], s[0], 1, ceil)
        Wo = out_dim(W, pads[1], pads[3], k[1], s[1], 1, ceil)
        if not Ho or not Wo:
            continue
        if _pad_only_window(H, pads[0], k[0], s[0], Ho) or _pad_only_window(W, pads[1], k[1], s[1], Wo):
            continue
        d = {"type": kind, "size": _maybe_pair(r, *k)}
        if s != k or r.random() < 0.2:
            d["stride"] = _maybe_pair(r, *s)
        if pad is not None:
            d["padding"] = pad
        if ceil or r.random() < 0.1:
            d["ceil_mode"] = ceil
        if kind == "avgpool" and r.random() < 0.6:
            d["count_include_pad"] = r.random() < 0.6
        return d, (C, Ho, Wo)
    return {"type": kind, "size": 1}, shape


def _act_layer(r):
    t = r.choice(["relu", "sigmoid", "tanh", "leaky_relu", "relu6"])
    d = {"type": t}
    if t == "leaky_relu" and r.random() < 0.6:
        d["alpha"] = r.choice([0.1, 0.2, 0.3, 0.02])
    return d


def _dense(r, n_in, units=None):
    U = units or r.randint(1, 8)
    d = {"type": "dense", "units": U}
    if r.random() < 0.25:
        d["bias"] = False
    act = r.choice(FUSED_ACTS + ["omit", "omit"])
    if act != "omit":
        d["activation"] = act
        if act == "leaky_relu" and r.random() < 0.6:
            d["alpha"] = r.choice([0.1, 0.2, 0.3])
    return d, U * n_in


def gen(seed):
    r = random.Random(seed)
    C, H, W = r.randint(1, 3), r.randint(3, 14), r.randint(3, 14)
    layers = []
    shape = (C, H, W)
    macs = 0
    for _ in range(r.randint(0, 4)):
        x = r.random()
        if x < 0.45:
            d, shape, m = _conv(r, shape)
            macs += m
        elif x < 0.8:
            d, shape = _pool(r, shape)
        else:
            d = _act_layer(r)
        layers.append(d)

    # head: stay spatial, flatten + dense, or global pool (+ dense)
    head = r.choice(["spatial", "flatten", "flatten", "global", "global_dense"])
    vec = False
    if head == "spatial" and not layers:
        head = "flatten"
    if head in ("flatten", "global", "global_dense"):
        if head == "flatten":
            layers.append({"type": "flatten"})
            n = shape[0] * shape[1] * shape[2]
        else:
            layers.append({"type": r.choice(["global_avgpool", "global_maxpool"])})
            n = shape[0]
        vec = head != "global"
        if head != "global":
            for _ in range(r.randint(1 if head == "global_dense" else 0, 3)):
                d, m = _dense(r, n)
                macs += m
                layers.append(d)
                n = d["units"]
                if r.random() < 0.2:
                    layers.append(_act_layer(r))
        shape = (n,) if head != "global" else (shape[0], 1, 1)

    # loss
    choices = ["none", "mse", "binary_cross_entropy", "cross_entropy"]
    if vec:
        choices += ["softmax_cross_entropy", "softmax_cross_entropy"]
    loss = r.choice(choices)
    if loss == "cross_entropy" and len(shape) == 3 and (shape[1], shape[2]) != (1, 1):
        loss = "mse"            # softmax applies to vectors and C x 1 x 1 only
    if loss == "cross_entropy":
        layers.append({"type": "softmax"})
    elif loss == "binary_cross_entropy":
        last = layers[-1] if layers else None
        if last and last["type"] in ("dense", "conv2d") and r.random() < 0.5:
            last["activation"] = "sigmoid"
            last.pop("alpha", None)
        else:
            layers.append({"type": "sigmoid"})
    elif loss == "none" and vec and r.random() < 0.3:
        layers.append({"type": "softmax"})

    # names: given (random identifiers) or default, mixed
    naming = r.choice(["none", "all", "some"])
    used = set()
    for i, d in enumerate(layers):
        if naming == "all" or (naming == "some" and r.random() < 0.5):
            while True:
                if r.random() < 0.15:   # a name in the default-name space: exercises
                    nm = r.choice(["conv1", "conv2", "fc1", "fc2", "pool1", "pool2",
                                   "relu1", "flatten1", "sigmoid1", "softmax1"])
                else:                   # the _2 suffix rule of the default names
                    nm = "%s%d" % (r.choice(WORDS), r.randint(0, 99))
                if nm not in used:
                    break
            used.add(nm)
            d["name"] = nm

    spec = {"name": "rnd%d" % seed} if r.random() < 0.9 else {}   # else: the file's stem
    spec["input"] = {"channels": C, "height": H, "width": W}
    dt = r.choice(["float32", "float64", "float64", "omit"])
    if dt != "omit":
        spec["dtype"] = dt
    spec["layers"] = [_ordered(d) for d in _freeze(seed, layers)]
    if loss != "none":
        spec["loss"] = {"type": loss}

    opts = []
    unroll = r.choice(["auto", "auto", "none", "kernel", "full", "default"])
    if unroll == "full" and macs > 1500:
        unroll = "kernel"
    if unroll != "default":
        opts += ["--unroll", unroll]
    if r.random() < 0.1:
        opts += ["--dtype", r.choice(["float32", "float64"])]
    if r.random() < 0.1:
        opts += ["--prefix", "pfx%d_" % seed]
    if r.random() < 0.08:
        opts += ["--inference-only"]

    style = r.choice([False, None, True])
    text = yaml.safe_dump(spec, sort_keys=False, default_flow_style=style, width=100)
    text = "# random spec, seed %d (tests/torchref/randspec.py)\n" % seed + text
    return spec, text, opts


def _same_conv(r, C, K, name, src=None, act=True, k=None):
    """A stride-1 `same` conv2d (the shape's height and width kept)."""
    d = {"type": "conv2d", "name": name, "filters": K, "kernel": k or r.choice([1, 3]),
         "padding": "same"}
    if src is not None:
        d["input"] = src
    if act:
        d["activation"] = r.choice(FUSED_ACTS)
        if d["activation"] == "leaky_relu":
            d["alpha"] = r.choice([0.1, 0.2])
    if r.random() < 0.2:
        d["bias"] = False
    return d


def _bn(r, name, src=None):
    """A batchnorm with random settings (momentum, eps, affine)."""
    d = {"type": "batchnorm", "name": name}
    if src is not None:
        d["input"] = src
    if r.random() < 0.3:
        d["momentum"] = r.choice([0.01, 0.3, 1.0, 0.0])
    if r.random() < 0.3:
        d["eps"] = r.choice([1e-3, 0.1])
    if r.random() < 0.2:
        d["affine"] = False
    return d


def _dropout(r, name):
    return {"type": "dropout", "name": name, "rate": r.choice([0.0, 0.1, 0.5, 0.8])}


def gen_graph(seed):
    """A random graph spec (SPEC.md section 5): residual blocks with and without a
    projection, concat branches, branches from `input`, add/concat of vectors, then a
    head and a loss as gen() draws them. Every layer is named (g<k>) so that edges can
    name anything; shapes are tracked here."""
    r = random.Random(seed)
    C, H, W = r.randint(1, 3), r.randint(4, 10), r.randint(4, 10)
    layers, shapes = [], {"input": (C, H, W)}
    cur = "input"
    macs = 0

    def add(d, shape):
        layers.append(d)
        shapes[d["name"]] = shape
        return d["name"]

    def nm():
        return "g%d" % (len(layers) + 1)

    for _ in range(r.randint(1, 3)):
        c, h, w = shapes[cur]
        kind = r.choice(["res", "res_proj", "concat", "from_input", "plain", "dwsep", "bn"])
        if kind == "from_input" and (h, w) != (H, W):
            kind = "concat"
        if kind == "res":
            a = add(_same_conv(r, c, c, nm(), cur), (c, h, w))
            b = add(_same_conv(r, c, c, nm(), act=False), (c, h, w))
            d = {"type": "add", "name": nm(), "inputs": r.choice([[b, cur], [cur, b]])}
            if r.random() < 0.7:
                d["activation"] = r.choice(FUSED_ACTS)
                if d["activation"] == "leaky_relu" and r.random() < 0.5:
                    d["alpha"] = r.choice([0.1, -0.2])
            cur = add(d, (c, h, w))
            macs += 2 * c * c * h * w * 9
        elif kind == "res_proj":
            K = r.randint(1, 4)
            a = add(_same_conv(r, c, K, nm(), cur), (K, h, w))
            b = add(_same_conv(r, K, K, nm(), act=False), (K, h, w))
            p = add(_same_conv(r, c, K, nm(), cur, act=False, k=1), (K, h, w))
            ins = [b, p] if r.random() < 0.7 else [b, p, a]
            cur = add({"type": "add", "name": nm(), "inputs": ins, "activation": "relu"}, (K, h, w))
            macs += (c * K + K * K) * h * w * 9
        elif kind == "concat":
            K1, K2 = r.randint(1, 3), r.randint(1, 3)
            a = add(_same_conv(r, c, K1, nm(), cur), (K1, h, w))
            if r.random() < 0.5:
                b = add({"type": "maxpool", "name": nm(), "input": cur, "size": 3, "stride": 1,
                         "padding": 1}, (c, h, w))
                K2 = c
            else:
                b = add(_same_conv(r, c, K2, nm(), cur), (K2, h, w))
            cur = add({"type": "concat", "name": nm(), "inputs": [a, b]}, (K1 + K2, h, w))
            macs += (K1 + K2) * c * h * w * 9
        elif kind == "from_input":
            K = r.randint(1, 3)
            s = add(_same_conv(r, C, K, nm(), "input"), (K, H, W))
            cur = add({"type": "concat", "name": nm(), "inputs": r.choice([[cur, s], [s, cur]])},
                      (c + K, h, w))
            macs += K * C * H * W * 9
        elif kind == "dwsep":
            # MobileNet's depthwise-separable block: depthwise 3x3, batchnorm, relu6,
            # pointwise 1x1 (sometimes grouped), batchnorm
            d = {"type": "conv2d", "name": nm(), "input": cur, "filters": c, "kernel": 3,
                 "padding": "same", "groups": c, "bias": False}
            add(d, (c, h, w))
            add(_bn(r, nm()), (c, h, w))
            add({"type": "relu6", "name": nm()}, (c, h, w))
            K = r.randint(1, 4)
            G = r.choice([g for g in range(1, c + 1) if c % g == 0 and K % g == 0])
            d = {"type": "conv2d", "name": nm(), "filters": K, "kernel": 1}
            if G > 1:
                d["groups"] = G
            add(d, (K, h, w))
            cur = add(_bn(r, nm()), (K, h, w))
            macs += c * h * w * 9 + K * c * h * w
        elif kind == "bn":
            cur = add(_bn(r, nm(), cur), (c, h, w))
            if r.random() < 0.5:
                cur = add(_dropout(r, nm()), (c, h, w))
        else:
            d, shape, m = _conv(r, (c, h, w))
            d["name"] = nm()
            prev = layers[-1]["name"] if layers else "input"
            if cur != prev:
                d["input"] = cur
            cur = add(d, shape)
            macs += m
            if r.random() < 0.4:
                cur = add(_bn(r, nm()), shape)

    # head: flatten or a global pool, then dense layers, sometimes two dense branches
    # joined by add or concat
    c, h, w = shapes[cur]
    g = {"type": r.choice(["flatten", "global_avgpool", "global_maxpool"]), "name": nm()}
    if cur != layers[-1]["name"]:
        g["input"] = cur
    n = c * h * w if g["type"] == "flatten" else c
    if g["type"] == "flatten":
        cur = add(g, (n,))
    else:
        cur = add(g, (c, 1, 1))
        cur = add({"type": "flatten", "name": nm()}, (n,))
    if r.random() < 0.3:
        cur = add(_bn(r, nm()), (n,))           # BatchNorm1d
    if r.random() < 0.3:
        cur = add(_dropout(r, nm()), (n,))
    if r.random() < 0.5:
        U = r.randint(2, 5)
        a = add(dict(_dense(r, n, U)[0], name=nm()), (U,))
        b = add(dict(_dense(r, n, U)[0], name=nm(), input=cur), (U,))
        if r.random() < 0.5:
            cur = add({"type": "add", "name": nm(), "inputs": [a, b]}, (U,))
            n = U
        else:
            cur = add({"type": "concat", "name": nm(), "inputs": [a, b]}, (2 * U,))
            n = 2 * U
    d, m = _dense(r, n)
    d["name"] = nm()
    cur = add(d, (d["units"],))
    loss = r.choice(["mse", "binary_cross_entropy", "cross_entropy", "softmax_cross_entropy",
                     "softmax_cross_entropy"])
    if loss == "cross_entropy":
        layers.append({"type": "softmax", "name": nm()})
    elif loss == "binary_cross_entropy":
        layers[-1]["activation"] = "sigmoid"
        layers[-1].pop("alpha", None)
    spec = {"name": "grf%d" % seed, "input": {"channels": C, "height": H, "width": W}}
    spec["dtype"] = r.choice(["float32", "float64", "float64"])
    spec["layers"] = [_ordered(d) for d in _freeze(seed, layers)]
    spec["loss"] = {"type": loss}
    if any(d["type"] in ("batchnorm", "dropout") for d in layers):
        spec["batch"] = 8
    opts = []
    unroll = r.choice(["auto", "auto", "none", "kernel", "full"])
    if unroll == "full" and macs > 1500:
        unroll = "kernel"
    opts += ["--unroll", unroll]
    if r.random() < 0.1:
        opts += ["--inference-only"]
    text = yaml.safe_dump(spec, sort_keys=False, default_flow_style=None, width=100)
    text = "# random graph spec, seed %d (tests/torchref/randspec.py gen_graph)\n" % seed + text
    return spec, text, opts


def _freeze(seed, layers):
    """`trainable:` on some layers with parameters (a partial net: frozen layers, bias-only
    ones), from a stream of its own so that the rest of a seed's spec stays as it was."""
    r = random.Random(seed * 7919 + 13)
    if r.random() < 0.7:
        return layers
    for d in layers:
        has = d["type"] in ("conv2d", "dense") or (d["type"] == "batchnorm" and d.get("affine", True))
        if not has:
            continue
        x = r.random()
        if x < 0.3:
            d["trainable"] = False
        elif x < 0.5 and d.get("bias", True):
            d["trainable"] = "bias"
        elif x < 0.55:
            d["trainable"] = True
    return layers


def _ordered(d):
    """type first, name second, like the hand-written specs."""
    out = {"type": d["type"]}
    if "name" in d:
        out["name"] = d["name"]
    for k, v in d.items():
        if k not in out:
            out[k] = v
    return out


if __name__ == "__main__":
    graph = len(sys.argv) > 1 and sys.argv[1] == "--graph"
    if graph:
        del sys.argv[1]
    seed = int(sys.argv[1])
    spec, text, opts = (gen_graph if graph else gen)(seed)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
        sys.stdout.write("# options: %s\n" % " ".join(opts))
