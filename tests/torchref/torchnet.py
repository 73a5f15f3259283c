"""torchnet.py - an independent PyTorch reference for cnngen network specs.

Reads a spec (SPEC.md section 2) with PyYAML and builds the same network as a
torch nn.Module made of torch's own operators (F.conv2d, F.max_pool2d,
F.avg_pool2d, F.linear, F.softmax, ...). Nothing here is taken from cnngen's C code;
the rules below are read from SPEC.md (and PyTorch's documented behaviour where the
spec says "as in PyTorch").

Padding
  valid / same / same_lower / p / [ph, pw] / [top, left, bottom, right] are turned into
  four pads (top, left, bottom, right) by resolve_pads(). SAME: out = ceil(in / stride),
  total = max((out - 1) * stride + dilation * (k - 1) + 1 - in, 0); `same` puts the odd
  extra at the bottom/right, `same_lower` at the top/left.

Output size (out_dim)
  floor((in + before + after - dilation * (k - 1) - 1) / stride) + 1, or for pooling
  with ceil_mode PyTorch's rule: ceil instead of floor, then drop the last window if it
  would start in the bottom/right padding ((out - 1) * stride >= in + before).

Convolution
  symmetric pads: F.conv2d(padding=...); asymmetric: F.pad with zeros, then F.conv2d.

Pooling (pool2d)
  Direct path, used when the pads are symmetric and at most half the window (what
  PyTorch's pooling functions accept): F.max_pool2d / F.avg_pool2d with padding,
  ceil_mode and count_include_pad as given; l2pool is
  sqrt(F.avg_pool2d(x*x, ..., divisor_override=1)) (a windowed sum of squares).
  Generic path, for every other case (asymmetric pads, pads larger than half the
  window): F.pad the input explicitly (-inf for max so padded cells never win,
  0 for avg and l2), plus `extra` rows/columns at the bottom/right when ceil_mode keeps
  a window that overhangs the padded input; pool with no padding and crop to the
  output size above. An average divides the windowed sum by a windowed count of a
  0/1 mask: the real cells (count_include_pad false), or the real cells plus the
  declared padding but not the ceil_mode overhang (count_include_pad true; this is
  exactly PyTorch's divisor for the symmetric case, hend = min(hstart + k, in + pad)).
  selftest() checks the generic path against the direct one wherever both apply.

l2pool gradient at 0
  d sqrt(s)/dx = x / sqrt(s) is 0/0 when a whole window is zero. cnngen defines the
  gradient there as 0; safe_sqrt() gives the same convention with the double
  torch.where trick (sqrt is only ever evaluated at s > 0, and the zero branch has
  zero gradient).

Global pools
  global_avgpool: mean over H, W; global_maxpool: F.max_pool2d over the whole plane
  (routes the gradient to one argmax, as max-pooling does; torch.amax would split it
  between ties). Output C x 1 x 1.

Batchnorm, dropout (SPEC.md section 5)
  batchnorm is F.batch_norm with the layer's running_mean / running_var buffers,
  momentum, eps, and weight / bias when affine: train mode (module.train()) normalizes
  with the batch's statistics and updates the buffers as PyTorch does, eval mode uses
  them. dropout is F.dropout (inverted) in train mode, or x * mask when the test forces
  a mask (TorchNet.dropout_masks[name], the kept factors 0 or 1/(1 - rate)); the identity
  in eval mode.

Losses (per sample, summed over the output vector), output transform:
  softmax_cross_entropy  y = softmax(z)   L = -sum t * log_softmax(z)
  cross_entropy          y = z (softmax)  L = -sum t * log(y)
  mse                    y = z            L = 1/2 sum (y - t)^2
  binary_cross_entropy   y = z (sigmoid)  L = -sum t log y + (1 - t) log(1 - y)
"""

import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml

POOLS = ("maxpool", "avgpool", "l2pool")
GLOBAL_POOLS = ("global_avgpool", "global_maxpool")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "relu6", "softmax")
LOSSES = ("softmax_cross_entropy", "cross_entropy", "mse", "binary_cross_entropy")
# enum cnngen_loss in runtime/cnngen_rt.h
LOSS_ENUM = {None: 0, "softmax_cross_entropy": 1, "cross_entropy": 2, "mse": 3,
             "binary_cross_entropy": 4}


class SpecError(Exception):
    pass


def pair(v):
    if isinstance(v, bool):
        raise SpecError("boolean where an int or pair is expected")
    if isinstance(v, int):
        return (v, v)
    if isinstance(v, (list, tuple)) and len(v) == 2:
        return (int(v[0]), int(v[1]))
    raise SpecError("bad int-or-pair %r" % (v,))


def resolve_pads(padding, in_hw, k, stride, dilation):
    """-> (top, left, bottom, right)."""
    if padding is None or padding == "valid":
        return (0, 0, 0, 0)
    if padding in ("same", "same_lower"):
        before, after = [], []
        for d in range(2):
            out = -(-in_hw[d] // stride[d])
            total = max((out - 1) * stride[d] + dilation[d] * (k[d] - 1) + 1 - in_hw[d], 0)
            small, big = total // 2, total - total // 2
            if padding == "same":
                before.append(small); after.append(big)
            else:
                before.append(big); after.append(small)
        return (before[0], before[1], after[0], after[1])
    if isinstance(padding, bool):
        raise SpecError("bad padding")
    if isinstance(padding, int):
        return (padding,) * 4
    if isinstance(padding, (list, tuple)) and len(padding) == 2:
        return (padding[0], padding[1], padding[0], padding[1])
    if isinstance(padding, (list, tuple)) and len(padding) == 4:
        return tuple(int(p) for p in padding)
    raise SpecError("bad padding %r" % (padding,))


def out_dim(n, before, after, k, s, d=1, ceil=False):
    """Output size along one axis; None when the window does not fit."""
    num = n + before + after - d * (k - 1) - 1
    if num < 0:
        return None
    if not ceil:
        return num // s + 1
    o = -(-num // s) + 1
    if (o - 1) * s >= n + before:
        o -= 1
    return o


def safe_sqrt(s):
    """sqrt(s) with value and gradient 0 where s == 0 (cnngen's l2pool convention)."""
    pos = s > 0
    return torch.where(pos, torch.sqrt(torch.where(pos, s, torch.ones_like(s))),
                       torch.zeros_like(s))


def _sum_pool(x, k, s):
    return F.avg_pool2d(x, k, s, padding=0, divisor_override=1)


def pool2d(x, kind, k, s, pads, ceil=False, cip=False, force_generic=False):
    """maxpool / avgpool / l2pool over NCHW x with pads (top, left, bottom, right)."""
    t, l, b, r = pads
    H, W = x.shape[2], x.shape[3]
    Ho = out_dim(H, t, b, k[0], s[0], 1, ceil)
    Wo = out_dim(W, l, r, k[1], s[1], 1, ceil)
    if Ho is None or Wo is None or Ho < 1 or Wo < 1:
        raise SpecError("pool window does not fit")
    direct = (not force_generic and t == b and l == r
              and 2 * t <= k[0] and 2 * l <= k[1])
    if direct:
        if kind == "maxpool":
            y = F.max_pool2d(x, k, s, padding=(t, l), ceil_mode=ceil)
        elif kind == "avgpool":
            y = F.avg_pool2d(x, k, s, padding=(t, l), ceil_mode=ceil,
                             count_include_pad=cip)
        else:
            y = safe_sqrt(F.avg_pool2d(x * x, k, s, padding=(t, l), ceil_mode=ceil,
                                       divisor_override=1))
        assert tuple(y.shape[2:]) == (Ho, Wo), (y.shape, Ho, Wo)
        return y
    # generic path: explicit padding + overhang for ceil_mode, pool, crop
    eb = max(0, (Ho - 1) * s[0] + k[0] - (H + t + b))
    er = max(0, (Wo - 1) * s[1] + k[1] - (W + l + r))
    if kind == "maxpool":
        xp = F.pad(x, (l, r + er, t, b + eb), value=float("-inf"))
        return F.max_pool2d(xp, k, s)[:, :, :Ho, :Wo]
    if kind == "l2pool":
        xp = F.pad(x * x, (l, r + er, t, b + eb), value=0.0)
        return safe_sqrt(_sum_pool(xp, k, s)[:, :, :Ho, :Wo])
    xp = F.pad(x, (l, r + er, t, b + eb), value=0.0)
    sums = _sum_pool(xp, k, s)[:, :, :Ho, :Wo]
    ones = torch.ones((1, 1, H, W), dtype=x.dtype)
    if cip:
        mask = F.pad(F.pad(ones, (l, r, t, b), value=1.0), (0, er, 0, eb), value=0.0)
    else:
        mask = F.pad(ones, (l, r + er, t, b + eb), value=0.0)
    count = _sum_pool(mask, k, s)[:, :, :Ho, :Wo]
    return sums / count


def activate(x, act, alpha):
    if act in (None, "none"):
        return x
    if act == "relu":
        return F.relu(x)
    if act == "sigmoid":
        return torch.sigmoid(x)
    if act == "tanh":
        return torch.tanh(x)
    if act == "leaky_relu":
        return F.leaky_relu(x, alpha)
    if act == "relu6":
        return F.relu6(x)
    if act == "softmax":
        return F.softmax(x, dim=1)
    raise SpecError("unknown activation %r" % (act,))


def load_spec(path):
    with open(path) as f:
        return yaml.safe_load(f)


DEFAULT_STEMS = {"conv2d": "conv", "dense": "fc", "maxpool": "pool", "avgpool": "pool",
                 "l2pool": "pool", "global_avgpool": "pool", "global_maxpool": "pool",
                 "relu6": "relu6_", "batchnorm": "bn"}


def default_names(layers):
    """Every layer's name: the given one, or cnngen's documented default (README
    "Default layer names"): the n-th layer of a family (conv2d -> conv, dense -> fc,
    every pool -> pool, other types by their type name; named layers count too) is
    <stem><n>; when a given name, or an earlier layer's name, already uses it, _2, _3,
    ... is appended."""
    given = {l["name"] for l in layers if l.get("name")}
    count, names = {}, []
    for l in layers:
        stem = DEFAULT_STEMS.get(l["type"], l["type"])
        count[stem] = count.get(stem, 0) + 1
        if l.get("name"):
            names.append(l["name"])
            continue
        base = "%s%d" % (stem, count[stem])
        cand, s = base, 2
        while cand in given or cand in names:
            cand = "%s_%d" % (base, s)
            s += 1
        names.append(cand)
    return names


def default_name(layers, i):
    return default_names(layers)[i]


class Layer:
    """One spec layer with defaults filled in and shapes resolved."""

    def __init__(self, d, name):
        self.d = d
        self.type = d["type"]
        self.name = name
        self.act = d.get("activation", "none")
        self.alpha = float(d.get("alpha", 0.01))
        self.bias = bool(d.get("bias", True))
        self.in_shape = None
        self.out_shape = None
        self.pads = None
        self.weight = None
        self.bias_p = None
        self.rm = None      # batchnorm's buffers
        self.rv = None


class TorchNet(nn.Module):
    """The spec as a torch module. names: layer names (e.g. from cnngen's JSON report);
    None uses the spec's names and default_name() for the rest."""

    def __init__(self, spec, names=None, dtype=torch.float64):
        super().__init__()
        self.spec = spec
        self.dtype = dtype
        inp = spec["input"]
        self.input_shape = (int(inp["channels"]), int(inp["height"]), int(inp["width"]))
        raw = spec.get("layers") or []
        if names is None:
            names = default_names(raw)
        if len(names) != len(raw):
            raise SpecError("%d names for %d layers" % (len(names), len(raw)))
        loss = spec.get("loss")
        if isinstance(loss, str):         # `loss: mse` is `loss: {type: mse}`
            loss = {"type": loss}
        self.loss_type = loss["type"] if loss and loss["type"] != "none" else None
        self.layers = []
        shape = self.input_shape          # (C, H, W) or (N,) for vectors
        shapes = {-1: shape}              # value -> shape (-1: the network input)
        index = {}                        # name -> layer index
        for i, d in enumerate(raw):
            L = Layer(d, names[i])
            # the values it reads (SPEC.md section 5): `input: NAME`, `inputs: [...]`,
            # else its predecessor; NAME `input` is the network input
            want = d.get("inputs") or ([d["input"]] if "input" in d else None)
            if want is None:
                L.srcs = [i - 1]
            else:
                L.srcs = []
                for nm in want:
                    if nm == "input":
                        L.srcs.append(-1)
                    elif nm in index:
                        L.srcs.append(index[nm])
                    else:
                        raise SpecError("layer %s reads unknown or later %r" % (names[i], nm))
            shape = shapes[L.srcs[0]]
            index[names[i]] = i
            L.in_shape = shape
            t = L.type
            if t == "conv2d":
                C, H, W = shape
                K = int(d["filters"])
                k = pair(d["kernel"]); s = pair(d.get("stride", 1))
                dl = pair(d.get("dilation", 1))
                L.k, L.s, L.dil = k, s, dl
                L.pads = resolve_pads(d.get("padding", "valid"), (H, W), k, s, dl)
                Ho = out_dim(H, L.pads[0], L.pads[2], k[0], s[0], dl[0])
                Wo = out_dim(W, L.pads[1], L.pads[3], k[1], s[1], dl[1])
                if not Ho or not Wo:
                    raise SpecError("conv window does not fit")
                L.groups = G = int(d.get("groups", 1))
                if C % G or K % G:
                    raise SpecError("groups must divide channels and filters")
                L.weight = nn.Parameter(torch.zeros((K, C // G, k[0], k[1]), dtype=dtype))
                if L.bias:
                    L.bias_p = nn.Parameter(torch.zeros((K,), dtype=dtype))
                shape = (K, Ho, Wo)
            elif t in POOLS:
                C, H, W = shape
                k = pair(d["size"]); s = pair(d.get("stride", d["size"]))
                L.k, L.s = k, s
                L.ceil = bool(d.get("ceil_mode", False))
                L.cip = bool(d.get("count_include_pad", False))
                L.pads = resolve_pads(d.get("padding", "valid"), (H, W), k, s, (1, 1))
                Ho = out_dim(H, L.pads[0], L.pads[2], k[0], s[0], 1, L.ceil)
                Wo = out_dim(W, L.pads[1], L.pads[3], k[1], s[1], 1, L.ceil)
                if not Ho or not Wo:
                    raise SpecError("pool window does not fit")
                shape = (C, Ho, Wo)
            elif t in GLOBAL_POOLS:
                shape = (shape[0], 1, 1)
            elif t == "flatten":
                shape = (int(math.prod(shape)),)
            elif t == "dense":
                n_in = int(math.prod(shape))
                U = int(d["units"])
                L.weight = nn.Parameter(torch.zeros((U, n_in), dtype=dtype))
                if L.bias:
                    L.bias_p = nn.Parameter(torch.zeros((U,), dtype=dtype))
                shape = (U,)
            elif t in ACTIVATIONS:
                pass
            elif t == "batchnorm":
                C = shape[0]
                L.momentum = float(d.get("momentum", 0.1))
                L.eps = float(d.get("eps", 1e-5))
                if bool(d.get("affine", True)):
                    L.weight = nn.Parameter(torch.ones((C,), dtype=dtype))
                    L.bias_p = nn.Parameter(torch.zeros((C,), dtype=dtype))
                L.rm = torch.zeros((C,), dtype=dtype)
                L.rv = torch.ones((C,), dtype=dtype)
            elif t == "dropout":
                L.rate = float(d.get("rate", 0.5))
            elif t == "add":
                if any(shapes[v] != shape for v in L.srcs):
                    raise SpecError("add of unequal shapes")
            elif t == "concat":
                if any(len(shapes[v]) != len(shape) or shapes[v][1:] != shape[1:] for v in L.srcs):
                    raise SpecError("concat of incompatible shapes")
                shape = (sum(shapes[v][0] for v in L.srcs),) + tuple(shape[1:])
            else:
                raise SpecError("unknown layer type %r" % (t,))
            shapes[i] = shape
            L.out_shape = shape
            # `trainable: false | bias` (cnngen section 6): what does not learn is a
            # Parameter with requires_grad off, as in PyTorch fine-tuning
            tr = d.get("trainable", True)
            if tr is not True:
                if L.weight is not None:
                    L.weight.requires_grad_(False)
                if tr is False and L.bias_p is not None:
                    L.bias_p.requires_grad_(False)
            self.layers.append(L)
            # register under a safe attribute name (layer names may clash with Module's)
            if L.weight is not None:
                self.register_parameter("p%d_weight" % i, L.weight)
            if L.bias_p is not None:
                self.register_parameter("p%d_bias" % i, L.bias_p)
        self.output_shape = shape
        self.dropout_masks = {}

    # ---- parameters in cnngen's flat order: spec order, weight, bias, running_mean,
    # running_var (the buffers: plain tensors, not Parameters)
    def param_list(self):
        out = []
        for L in self.layers:
            for what, p in (("weight", L.weight), ("bias", L.bias_p), ("running_mean", L.rm),
                            ("running_var", L.rv)):
                if p is not None:
                    out.append((L.name + "." + what, p))
        return out

    def layer_params(self, L):
        return sum(p.numel() for p in (L.weight, L.bias_p, L.rm, L.rv) if p is not None)

    def num_params(self):
        return sum(p.numel() for _, p in self.param_list())

    def set_flat(self, flat):
        flat = torch.as_tensor(flat, dtype=self.dtype)
        off = 0
        with torch.no_grad():
            for _, p in self.param_list():
                n = p.numel()
                p.copy_(flat[off:off + n].reshape(p.shape))
                off += n
        assert off == flat.numel()

    # ---- forward
    def forward(self, x, return_all=False):
        outs = []
        vals = {-1: x}
        for i, L in enumerate(self.layers):
            x = vals[L.srcs[0]]
            t = L.type
            if t == "conv2d":
                tp, lf, bt, rt = L.pads
                if tp == bt and lf == rt:
                    x = F.conv2d(x, L.weight, L.bias_p, L.s, (tp, lf), L.dil, L.groups)
                else:
                    x = F.conv2d(F.pad(x, (lf, rt, tp, bt)), L.weight, L.bias_p, L.s,
                                 0, L.dil, L.groups)
                x = activate(x, L.act, L.alpha)
            elif t in POOLS:
                x = pool2d(x, t, L.k, L.s, L.pads, L.ceil, L.cip)
            elif t == "global_avgpool":
                x = x.mean(dim=(2, 3), keepdim=True)
            elif t == "global_maxpool":
                x = F.max_pool2d(x, (x.shape[2], x.shape[3]))
            elif t == "flatten":
                x = x.reshape(x.shape[0], -1)
            elif t == "dense":
                x = F.linear(x.reshape(x.shape[0], -1), L.weight, L.bias_p)
                x = activate(x, L.act, L.alpha)
            elif t in ACTIVATIONS:
                x = activate(x, t, L.alpha)
            elif t == "batchnorm":
                x = F.batch_norm(x, L.rm, L.rv, L.weight, L.bias_p, self.training, L.momentum,
                                 L.eps)
            elif t == "dropout":
                if not self.training:
                    pass
                elif L.name in self.dropout_masks:
                    x = x * self.dropout_masks[L.name].reshape(x.shape)
                else:
                    x = F.dropout(x, L.rate, True)
            elif t == "add":
                x = vals[L.srcs[0]]
                for v in L.srcs[1:]:
                    x = x + vals[v]
                x = activate(x, L.act, L.alpha)
            elif t == "concat":
                x = torch.cat([vals[v] for v in L.srcs], 1)
            vals[i] = x
            outs.append(x)
        return (x, outs) if return_all else x

    def loss_and_output(self, z, target):
        """z: network output (N, ...); target (N, M). -> (y (N, M), per-sample loss (N,))."""
        z = z.reshape(z.shape[0], -1)
        t = self.loss_type
        if t is None:
            return z, None
        if t == "softmax_cross_entropy":
            return F.softmax(z, dim=1), -(target * F.log_softmax(z, dim=1)).sum(1)
        if t == "cross_entropy":
            return z, -(target * torch.log(z)).sum(1)
        if t == "mse":
            return z, 0.5 * ((z - target) ** 2).sum(1)
        if t == "binary_cross_entropy":
            return z, -(target * torch.log(z) + (1 - target) * torch.log(1 - z)).sum(1)
        raise SpecError("unknown loss %r" % (t,))


def selftest(trials=300, seed=1):
    """Checks the generic pooling path (F.pad + mask) against torch's own pooling
    wherever torch can express the case. Returns a list of failure strings."""
    import random
    rng = random.Random(seed)
    fails = []
    for i in range(trials):
        kind = rng.choice(POOLS)
        k = (rng.randint(1, 4), rng.randint(1, 4))
        s = (rng.randint(1, 3), rng.randint(1, 3))
        ph, pw = rng.randint(0, k[0] // 2), rng.randint(0, k[1] // 2)
        H, W = rng.randint(k[0], 9), rng.randint(k[1], 9)
        ceil = rng.random() < 0.5
        cip = rng.random() < 0.5
        x = torch.randn(2, 2, H, W, dtype=torch.float64, requires_grad=True)
        pads = (ph, pw, ph, pw)
        try:
            a = pool2d(x, kind, k, s, pads, ceil, cip)
        except SpecError:
            continue
        b = pool2d(x, kind, k, s, pads, ceil, cip, force_generic=True)
        g = torch.randn_like(a)
        ga, = torch.autograd.grad(a, x, g)
        gb, = torch.autograd.grad(b, x, g)
        if a.shape != b.shape or not torch.allclose(a, b, rtol=1e-12, atol=1e-12) \
                or not torch.allclose(ga, gb, rtol=1e-12, atol=1e-12):
            fails.append("%s k=%s s=%s pad=%s H,W=%s ceil=%s cip=%s"
                         % (kind, k, s, (ph, pw), (H, W), ceil, cip))
    # l2pool gradient convention: a window of zeros has zero gradient, not NaN
    x = torch.zeros(1, 1, 4, 4, dtype=torch.float64, requires_grad=True)
    y = pool2d(x, "l2pool", (2, 2), (2, 2), (0, 0, 0, 0))
    y.sum().backward()
    if not torch.all(x.grad == 0):
        fails.append("l2pool gradient at 0 is not 0")
    return fails


if __name__ == "__main__":
    import sys
    f = selftest()
    for m in f:
        print("FAIL", m)
    print("selftest:", "ok" if not f else "%d failures" % len(f))
    sys.exit(1 if f else 0)
