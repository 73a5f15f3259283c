/* emit_pytorch.c - `cnngen --emit pytorch NET.yaml -o net.py`: a self-contained PyTorch
 * module (one .py file, needs only torch) computing the same function as the C that
 * `cnngen NET.yaml -o net.c` writes, with the same parameter names ("<layer>.weight",
 * "<layer>.bias", the C tensors table), so a state_dict saved as safetensors loads into
 * the generated C and the C's weights load into the module.
 *
 * Everything is resolved here from the checked IR: the module holds no spec logic, only
 * the numbers (pads actually applied, output sizes with ceil_mode folded in), so it
 * cannot drift from the C. What the generated forward returns is what P_forward
 * returns (after the loss's output transform, flattened to [N, OUTPUT_SIZE]); loss()
 * is P_backward's loss (per sample a sum over the output) averaged over the batch, as
 * P_train_batch does. See the README section "PyTorch export".
 */
#include <stdlib.h>
#include <string.h>
#include "cnngen.h"

/* A Python string literal for s (file names may hold anything). */
static void pystr(Buf *b, const char *s)
{
    buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            buf_printf(b, "\\x%02x", *p);
        else
            buf_putc(b, (char)*p);
    }
    buf_putc(b, '"');
}

/* a tensor's shape as a Python tuple: "(6, 1, 5, 5)", "(10,)" */
static const char *py_dims(const TensorDesc *t, char *buf, size_t n)
{
    size_t k = 0;
    buf[k++] = '(';
    for (int j = 0; j < t->ndim; j++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", j ? ", " : "", t->dim[j]);
    snprintf(buf + k, n - k, t->ndim == 1 ? ",)" : ")");
    return buf;
}



/* How the loss sees the end of the network (mirrors emit.c's net plan):
 *   z_kind 0: no logits (mse, or no loss)
 *   z_kind 1: z = the last layer's output, y = softmax(z)        (softmax_cross_entropy)
 *   z_kind 2: z = the input of the last (softmax) layer           (cross_entropy)
 *   z_kind 3: z = the input of the last (sigmoid) layer           (binary_cross_entropy)
 *   z_kind 4: z = the last layer before its fused sigmoid         (binary_cross_entropy) */
static int z_kind(const Net *net)
{
    if (!net->nlayers)
        return 0;
    const Layer *last = &net->layers[net->nlayers - 1];
    switch (net->loss) {
    case LOSS_SOFTMAX_CE: return 1;
    case LOSS_CE: return last->op->softmax ? 2 : 0;
    case LOSS_BCE:
        if (last->op->act == ACT_SIGMOID)
            return 3;
        if (layer_fused_act(last) && last->act == ACT_SIGMOID)
            return 4;
        return 0;
    default: return 0;
    }
}

static void emit_layer(Buf *b, const Layer *l, int drop_act)
{
    char in_s[64], out_s[64];
    shape_text(l->in, in_s, sizeof in_s);
    shape_text(l->out, out_s, sizeof out_s);
    pl(b, 2, "# %s (%s): %s -> %s", l->name, l->op->name, in_s, out_s);
    l->op->pytorch(b, l, drop_act);
}

static const char *helpers =
    "def _safe_sqrt(s):\n"
    "    \"\"\"sqrt with value and gradient 0 where s == 0 (the C's l2pool: a window of zeros\n"
    "    has gradient 0, not NaN); sqrt is only evaluated where s > 0.\"\"\"\n"
    "    pos = s > 0\n"
    "    return torch.where(pos, torch.sqrt(torch.where(pos, s, torch.ones_like(s))),\n"
    "                       torch.zeros_like(s))\n"
    "\n"
    "\n"
    "def _pool(x, kind, k, s, pads, out, count_include_pad):\n"
    "    \"\"\"max/avg/l2 pooling with pads (top, left, bottom, right) PyTorch's pooling does\n"
    "    not take (asymmetric): pad explicitly (-inf for max, 0 otherwise) plus the extra\n"
    "    rows/columns a ceil_mode window overhangs, pool without padding, crop to out.\n"
    "    An average divides by the count of real cells in the window, or with\n"
    "    count_include_pad of real and padded cells (never the ceil_mode overhang).\"\"\"\n"
    "    t, l, b, r = pads\n"
    "    H, W = x.shape[2], x.shape[3]\n"
    "    eb = max(0, (out[0] - 1) * s[0] + k[0] - (H + t + b))\n"
    "    er = max(0, (out[1] - 1) * s[1] + k[1] - (W + l + r))\n"
    "    pad = (l, r + er, t, b + eb)\n"
    "    if kind == \"max\":\n"
    "        return F.max_pool2d(F.pad(x, pad, value=float(\"-inf\")), k, s)[:, :, :out[0], :out[1]]\n"
    "    if kind == \"l2\":\n"
    "        sq = F.avg_pool2d(F.pad(x * x, pad), k, s, divisor_override=1)\n"
    "        return _safe_sqrt(sq[:, :, :out[0], :out[1]])\n"
    "    sums = F.avg_pool2d(F.pad(x, pad), k, s, divisor_override=1)[:, :, :out[0], :out[1]]\n"
    "    ones = x.new_ones((1, 1, H, W))\n"
    "    if count_include_pad:\n"
    "        mask = F.pad(F.pad(ones, (l, r, t, b), value=1.0), (0, er, 0, eb))\n"
    "    else:\n"
    "        mask = F.pad(ones, pad)\n"
    "    count = F.avg_pool2d(mask, k, s, divisor_override=1)[:, :, :out[0], :out[1]]\n"
    "    return sums / count\n"
    "\n"
    "\n"
    "class _Params(nn.Module):\n"
    "    \"\"\"The parameters of one layer: weight (and bias unless bias: false).\"\"\"\n"
    "\n"
    "    def __init__(self, wshape, nbias, dtype):\n"
    "        super().__init__()\n"
    "        self.weight = nn.Parameter(torch.zeros(wshape, dtype=dtype))\n"
    "        if nbias:\n"
    "            self.bias = nn.Parameter(torch.zeros((nbias,), dtype=dtype))\n"
    "        else:\n"
    "            self.register_parameter(\"bias\", None)\n"
    "\n"
    "\n"
    "_ST_DTYPES = {torch.float32: \"F32\", torch.float64: \"F64\", torch.int64: \"I64\"}\n"
    "\n"
    "\n";

static const char *st_methods =
    "    # ---- safetensors without the safetensors package (same format as the C runtime)\n"
    "    def save_safetensors(self, path):\n"
    "        \"\"\"Writes the parameters (C tensors table order) to path via path.tmp + rename.\"\"\"\n"
    "        header, blobs, off = {}, [], 0\n"
    "        sd = self.state_dict()\n"
    "        # then each batchnorm's num_batches_tracked (int64), as the C writes them\n"
    "        extra = [n for n in sd if n.endswith(\".num_batches_tracked\")]\n"
    "        for name in [n for n, _ in TENSORS] + extra:\n"
    "            t = sd[name].detach().cpu().contiguous()\n"
    "            raw = t.numpy().astype(t.numpy().dtype.newbyteorder(\"<\")).tobytes()\n"
    "            header[name] = {\"dtype\": _ST_DTYPES[t.dtype], \"shape\": list(t.shape),\n"
    "                            \"data_offsets\": [off, off + len(raw)]}\n"
    "            blobs.append(raw)\n"
    "            off += len(raw)\n"
    "        header[\"__metadata__\"] = {\"format\": \"pt\", \"generator\": \"cnngen\", \"model\": NAME}\n"
    "        h = json.dumps(header, separators=(\",\", \":\")).encode()\n"
    "        h += b\" \" * ((8 - len(h) % 8) % 8)\n"
    "        with open(path + \".tmp\", \"wb\") as f:\n"
    "            f.write(struct.pack(\"<Q\", len(h)) + h + b\"\".join(blobs))\n"
    "        os.replace(path + \".tmp\", path)\n"
    "\n"
    "    def load_safetensors(self, path):\n"
    "        \"\"\"Reads a safetensors file (the C's cnngen_save_safetensors, or a state_dict saved\n"
    "        as safetensors) into the module; strict: exactly this network's tensors.\"\"\"\n"
    "        with open(path, \"rb\") as f:\n"
    "            data = f.read()\n"
    "        (n,) = struct.unpack(\"<Q\", data[:8])\n"
    "        header = json.loads(data[8:8 + n].decode(\"utf-8\"))\n"
    "        header.pop(\"__metadata__\", None)\n"
    "        body = data[8 + n:]\n"
    "        codes = {\"F32\": \"<f4\", \"F64\": \"<f8\", \"I64\": \"<i8\"}\n"
    "        sd = {}\n"
    "        for name, info in header.items():\n"
    "            if info[\"dtype\"] not in codes:\n"
    "                raise ValueError(\"%s: tensor %s has dtype %s\" % (path, name, info[\"dtype\"]))\n"
    "            b, e = info[\"data_offsets\"]\n"
    "            a = numpy.frombuffer(body[b:e], dtype=codes[info[\"dtype\"]]).reshape(info[\"shape\"])\n"
    "            sd[name] = torch.from_numpy(a.astype(a.dtype.newbyteorder(\"=\")))\n"
    "        self.load_state_dict(sd, strict=True)\n"
    "\n";

int emit_pytorch(const Net *net, const Options *opt, Buf *py)
{
    Buf *b = py;
    const char *P = opt->prefix ? opt->prefix : net->name;
    Shape in = net->input, o = net_output(net);
    int zk = z_kind(net);
    int graph = !net_is_chain(net);   /* values other than x are kept as h_<name> */

    buf_printf(b, "# Generated by cnngen %s from ", CNNGEN_VERSION);
    pystr(b, net->file ? net->file : "");      /* escaped: a file name may hold a newline */
    buf_puts(b, ": do not edit.\n");
    pl(b, 0, "\"\"\"%s as a PyTorch module: the same function as the C of `cnngen -o %s.c`.", P, P);
    pl(b, 0, "%s", "");
    pl(b, 0, "    model = Net()                   # %s, parameters named as the C tensors table",
       net->dtype == DT_F64 ? "float64" : "float32");
    pl(b, 0, "    y = model(x)                    # x: [N, %d, %d, %d] (or [N, %lld]); y: [N, %lld]",
       in.c, in.h, in.w, shape_size(in), shape_size(o));
    if (net->loss != LOSS_NONE)
        pl(b, 0, "    L = model.loss(y, target)       # %s, mean over the batch", loss_name(net->loss));
    pl(b, 0, "%s", "");
    pl(b, 0, "forward(x) returns what %s_forward returns for each sample (after the loss's output", P);
    pl(b, 0, "transform: softmax for softmax_cross_entropy), flattened to [N, OUTPUT_SIZE].");
    pl(b, 0, "loss(output, target, reduction=\"mean\") is %s_backward's loss per sample (a sum over the", P);
    pl(b, 0, "output), averaged over the batch as %s_train_batch does (\"sum\", \"none\" also); it uses", P);
    pl(b, 0, "the logits forward() attached to its output, as the C does, so pass forward's");
    pl(b, 0, "output itself. state_dict() keys are \"<layer>.weight\" / \"<layer>.bias\": saved as");
    pl(b, 0, "safetensors (save_safetensors() here, or any writer) they load into the C with");
    pl(b, 0, "cnngen_load_safetensors, and the C's files load with load_safetensors().");
    pl(b, 0, "\"\"\"");
    pl(b, 0, "import json");
    pl(b, 0, "import os");
    pl(b, 0, "import struct");
    pl(b, 0, "%s", "");
    pl(b, 0, "import numpy");
    pl(b, 0, "import torch");
    pl(b, 0, "import torch.nn as nn");
    pl(b, 0, "import torch.nn.functional as F");
    pl(b, 0, "%s", "");
    buf_puts(b, "NAME = ");
    pystr(b, P);
    buf_puts(b, "\nSPEC = ");
    pystr(b, net->file ? net->file : "");
    buf_puts(b, "\n");
    pl(b, 0, "DTYPE = torch.%s", net->dtype == DT_F64 ? "float64" : "float32");
    pl(b, 0, "INPUT_SHAPE = (%d, %d, %d)", in.c, in.h, in.w);
    pl(b, 0, "OUTPUT_SIZE = %lld", shape_size(o));
    if (o.vec)
        pl(b, 0, "OUTPUT_SHAPE = None  # a vector");
    else
        pl(b, 0, "OUTPUT_SHAPE = (%d, %d, %d)  # y.reshape(N, *OUTPUT_SHAPE) for the tensor", o.c, o.h, o.w);
    if (net->loss == LOSS_NONE)
        pl(b, 0, "LOSS = None");
    else
        pl(b, 0, "LOSS = \"%s\"", loss_name(net->loss));
    pl(b, 0, "NUM_PARAMS = %lld", net->total_params);
    pl(b, 0, "# The C tensors table: name and shape, in the order of the flat %s_params.", P);
    pl(b, 0, "TENSORS = [");
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        TensorDesc t[MAX_LAYER_TENSORS];
        int nt = layer_tensors(l, t);
        for (int k = 0; k < nt; k++) {
            char dims[96];
            pl(b, 1, "(\"%s.%s\", %s),", l->name, t[k].what, py_dims(&t[k], dims, sizeof dims));
        }
    }
    pl(b, 0, "]");
    pl(b, 0, "%s", "");
    pl(b, 0, "%s", "");
    buf_puts(b, helpers);

    pl(b, 0, "class Net(nn.Module):");
    pl(b, 1, "\"\"\"%s: %d layers, %lld parameters, loss %s.\"\"\"", P, net->nlayers, net->total_params,
       loss_name(net->loss));
    pl(b, 0, "%s", "");
    pl(b, 1, "def __init__(self, dtype=DTYPE):");
    pl(b, 2, "super().__init__()");
    pl(b, 2, "# layers are entered in _modules directly: a layer may be called like a");
    pl(b, 2, "# Module attribute (\"loss\", \"training\"), which add_module refuses");
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        if (l->op->py_module) {   /* a torch module of its own (batchnorm) */
            Buf mb = {0};
            l->op->py_module(&mb, l);
            pl(b, 2, "self._modules[\"%s\"] = %s", l->name, buf_text(&mb));
            buf_free(&mb);
            continue;
        }
        if (!layer_has_params(l))
            continue;
        TensorDesc t[MAX_LAYER_TENSORS];
        char dims[96];
        layer_tensors(l, t);   /* the weight first */
        pl(b, 2, "self._modules[\"%s\"] = _Params(%s, %lld, dtype)", l->name,
           py_dims(&t[0], dims, sizeof dims), l->nbias);
    }
    for (int i = 0; i < net->nlayers; i++) {   /* trainable: false | bias */
        const Layer *l = &net->layers[i];
        if (!layer_has_params(l) || l->trainable == TR_TRUE)
            continue;
        if (l->nweight)
            pl(b, 2, "self._modules[\"%s\"].weight.requires_grad_(False)  # trainable: %s", l->name,
               l->trainable == TR_FALSE ? "false" : "bias");
        if (l->nbias && l->trainable == TR_FALSE)
            pl(b, 2, "self._modules[\"%s\"].bias.requires_grad_(False)  # trainable: false", l->name);
    }
    pl(b, 2, "self.reset_parameters()");
    pl(b, 0, "%s", "");

    /* initialization: the C's rule (P_init), with torch's RNG */
    pl(b, 1, "def reset_parameters(self, generator=None):");
    pl(b, 2, "\"\"\"The C's P_init rule with torch's RNG: He-uniform weights before relu-like");
    pl(b, 2, "activations, Glorot-uniform otherwise, biases 0.\"\"\"");
    pl(b, 2, "m = self._modules");
    pl(b, 2, "with torch.no_grad():");
    int any = 0;
    for (int i = 0; i < net->nlayers; i++) {
        const Layer *l = &net->layers[i];
        if (l->op->py_module) {   /* its module's own rule (batchnorm: PyTorch's = the C's) */
            pl(b, 3, "m[\"%s\"].reset_parameters()", l->name);
            any = 1;
            continue;
        }
        if (!layer_has_params(l))
            continue;
        InitRule r = init_rule(net, i);
        pl(b, 3, "lim = (6.0 / %lld) ** 0.5  # %s", r.he ? r.fan_in : r.fan_in + r.fan_out,
           r.he ? "He-uniform" : "Glorot-uniform");
        pl(b, 3, "m[\"%s\"].weight.uniform_(-lim, lim, generator=generator)", l->name);
        if (l->nbias)
            pl(b, 3, "m[\"%s\"].bias.zero_()", l->name);
        any = 1;
    }
    if (!any)
        pl(b, 3, "pass");
    pl(b, 0, "%s", "");

    /* forward */
    /* train()/eval(): nn.Module's assigns self.training, which a layer named "training"
     * (in _modules) would refuse */
    pl(b, 1, "def train(self, mode=True):");
    pl(b, 2, "\"\"\"nn.Module.train (batchnorm, dropout: train mode), also with a layer named training.\"\"\"");
    pl(b, 2, "object.__setattr__(self, \"training\", mode)");
    pl(b, 2, "for m in self._modules.values():");
    pl(b, 3, "m.train(mode)");
    pl(b, 2, "return self");
    pl(b, 0, "%s", "");
    pl(b, 1, "def forward(self, x):");
    pl(b, 2, "\"\"\"x: [N, %d, %d, %d] or [N, %lld] -> [N, %lld], as %s_forward per sample.\"\"\"",
       in.c, in.h, in.w, shape_size(in), shape_size(o), P);
    pl(b, 2, "m = self._modules");
    pl(b, 2, "x = x.reshape(x.shape[0], %d, %d, %d)", in.c, in.h, in.w);
    if (graph)
        pl(b, 2, "%s = x", py_value("input"));
    int n = net->nlayers;
    for (int i = 0; i < n; i++) {
        const Layer *l = &net->layers[i];
        if (graph && !(l->op->flags & OPF_MULTI) && l->inputs[0] != i - 1)
            pl(b, 2, "x = %s", py_value(value_name(net, l->inputs[0])));
        if (i == n - 1 && (zk == 2 || zk == 3)) {
            pl(b, 2, "z = x.reshape(x.shape[0], -1)  # the logits the loss uses");
            pl(b, 2, "# %s (%s)", l->name, l->op->name);
            pl(b, 2, "y = %s", zk == 2 ? "F.softmax(z, dim=1)" : "torch.sigmoid(z)");
            break;
        }
        emit_layer(b, l, i == n - 1 && zk == 4);
        if (graph && l->nreaders)
            pl(b, 2, "%s = x", py_value(l->name));
        if (i == n - 1 && zk == 4) {
            pl(b, 2, "z = x.reshape(x.shape[0], -1)  # the logits the loss uses");
            pl(b, 2, "y = torch.sigmoid(z)  # %s's activation", l->name);
        }
    }
    if (zk == 1) {
        pl(b, 2, "z = x.reshape(x.shape[0], -1)  # the logits the loss uses");
        pl(b, 2, "y = F.softmax(z, dim=1)  # the loss's output transform");
    } else if (zk == 0) {
        pl(b, 2, "y = x.reshape(x.shape[0], -1)");
    }
    if (zk)
        pl(b, 2, "y._cnngen_logits = z");
    pl(b, 2, "return y");
    pl(b, 0, "%s", "");

    /* loss */
    pl(b, 1, "def loss(self, output, target, reduction=\"mean\"):");
    pl(b, 2, "\"\"\"%s_backward's loss of each sample, averaged over the batch (reduction \"mean\",", P);
    pl(b, 2, "as %s_train_batch), summed (\"sum\") or per sample (\"none\").", P);
    switch (net->loss) {
    case LOSS_SOFTMAX_CE: case LOSS_CE:
        pl(b, 2, "L = sum t (logsumexp(z) - z) on the logits z; without them (output not");
        pl(b, 2, "straight from forward) -sum t log y, the log clamped at -100.\"\"\"");
        break;
    case LOSS_BCE:
        pl(b, 2, "L = sum max(z, 0) - z t + log1p(exp(-|z|)) on the logits z; without them");
        pl(b, 2, "-sum t log y + (1 - t) log(1 - y), the logs clamped at -100.\"\"\"");
        break;
    case LOSS_MSE:
        pl(b, 2, "L = 1/2 sum (y - t)^2.\"\"\"");
        break;
    case LOSS_NONE:
        pl(b, 2, "This network has no loss.\"\"\"");
        break;
    }
    if (net->loss == LOSS_NONE) {
        pl(b, 2, "raise ValueError(\"%s has no loss (the spec has no loss:)\")", P);
    } else {
        pl(b, 2, "y = output.reshape(output.shape[0], -1)");
        pl(b, 2, "t = target.reshape(y.shape).to(y.dtype)");
        if (zk)
            pl(b, 2, "z = getattr(output, \"_cnngen_logits\", None)");
        switch (net->loss) {
        case LOSS_SOFTMAX_CE: case LOSS_CE:
            pl(b, 2, "if z is not None:");
            pl(b, 3, "per = -(t * F.log_softmax(z, dim=1)).sum(1)");
            pl(b, 2, "else:");
            pl(b, 3, "per = -(t * torch.log(y).clamp(min=-100)).sum(1)");
            break;
        case LOSS_BCE:
            pl(b, 2, "if z is not None:");
            pl(b, 3, "per = F.binary_cross_entropy_with_logits(z, t, reduction=\"none\").sum(1)");
            pl(b, 2, "else:");
            pl(b, 3, "per = F.binary_cross_entropy(y, t, reduction=\"none\").sum(1)");
            break;
        default:
            pl(b, 2, "per = 0.5 * ((y - t) ** 2).sum(1)");
            break;
        }
        pl(b, 2, "if reduction == \"mean\":");
        pl(b, 3, "return per.mean()");
        pl(b, 2, "if reduction == \"sum\":");
        pl(b, 3, "return per.sum()");
        pl(b, 2, "if reduction == \"none\":");
        pl(b, 3, "return per");
        pl(b, 2, "raise ValueError(\"reduction must be mean, sum or none, not %%r\" %% (reduction,))");
    }
    pl(b, 0, "%s", "");

    pl(b, 1, "def flat_parameters(self):");
    pl(b, 2, "\"\"\"All parameters as one vector in the order of the flat %s_params.\"\"\"", P);
    pl(b, 2, "sd = self.state_dict()");
    pl(b, 2, "return torch.cat([sd[n].reshape(-1) for n, _ in TENSORS]) if TENSORS else torch.zeros(0, dtype=DTYPE)");
    pl(b, 0, "%s", "");
    pl(b, 1, "def set_flat_parameters(self, flat):");
    pl(b, 2, "\"\"\"The inverse of flat_parameters (e.g. a raw dump of %s_params).\"\"\"", P);
    pl(b, 2, "flat = torch.as_tensor(flat).reshape(-1)");
    pl(b, 2, "if flat.numel() != NUM_PARAMS:");
    pl(b, 3, "raise ValueError(\"%%d values for %%d parameters\" %% (flat.numel(), NUM_PARAMS))");
    pl(b, 2, "sd, off = {}, 0");
    pl(b, 2, "for name, shape in TENSORS:");
    pl(b, 3, "k = 1");
    pl(b, 3, "for d in shape:");
    pl(b, 4, "k *= d");
    pl(b, 3, "sd[name] = flat[off:off + k].reshape(shape)");
    pl(b, 3, "off += k");
    pl(b, 2, "for name, t in self.state_dict().items():  # batchnorm's step counts stay");
    pl(b, 3, "if name.endswith(\".num_batches_tracked\"):");
    pl(b, 4, "sd[name] = t");
    pl(b, 2, "self.load_state_dict(sd, strict=True)");
    pl(b, 0, "%s", "");
    buf_puts(b, st_methods);
    return 0;
}
