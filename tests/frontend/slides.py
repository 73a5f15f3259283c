"""The course's worked numbers, asserted on cnngen's JSON reports.

Usage: slides.py DIR  (DIR holds <spec>.json from `cnngen --report --format json`)
Every expected value below comes from the slides or from SPEC.md, written out by
hand, not from cnngen's output. Prints PASS/FAIL lines.
"""
import json, os, sys

d = sys.argv[1]
def rep(name):
    with open(os.path.join(d, name + ".json")) as f:
        return json.load(f)

def check(name, got, want):
    if got == want:
        print("PASS slides/%s" % name)
    else:
        print("FAIL slides/%s: got %r, want %r" % (name, got, want))

# 32x32x3, 10 filters 5x5, stride 1, pad 2: (32 + 2*2 - 5)/1 + 1 = 32; 5*5*3 + 1 = 76, 76*10 = 760
r = rep("conv_32x32x3")
check("conv32_output", r["layers"][0]["output"], [10, 32, 32])
check("conv32_params", r["layers"][0]["params"], 760)
check("conv32_formula", r["layers"][0]["formula"][0], "(32 + 2 + 2 - 5)/1 + 1 = 32")
check("conv32_pads", r["layers"][0]["pads"], [2, 2, 2, 2])

# Keras model.summary(): 320, 0, 8224, 0, 0, 401664, 2570 = 412,778
r = rep("keras_summary")
check("keras_params", [l["params"] for l in r["layers"]], [320, 0, 8224, 0, 0, 401664, 2570])
check("keras_shapes", [l["output"] for l in r["layers"]],
      [[64, 28, 28], [64, 14, 14], [32, 14, 14], [32, 7, 7], [1568], [256], [10]])
check("keras_total", r["total_params"], 412778)

# LeNet-5 (SPEC.md): 61,706 params, 416,520 MACs, conv1 156 params / 117,600 MACs
r = rep("lenet5")
check("lenet5_total_params", r["total_params"], 61706)
check("lenet5_total_macs", r["total_macs"], 416520)
c1 = r["layers"][0]
check("lenet5_conv1", [c1["name"], c1["output"], c1["params"], c1["macs"], c1["receptive_field"]],
      ["conv1", [6, 28, 28], 156, 117600, [5, 5]])
check("lenet5_output", r["output"], [10])

# Padding=Valid / Padding=Same: 4x3 input, 2x2 filter, stride 2 -> 2x1 and 2x2
r = rep("padding_valid")
check("padding_valid_2x1", r["layers"][0]["output"][1:], [2, 1])
check("padding_valid_warns", len(r["layers"][0]["warnings"]) == 1 and
      "column 3 is never read" in r["layers"][0]["warnings"][0], True)
r = rep("padding_same")
check("padding_same_2x2", r["layers"][0]["output"][1:], [2, 2])
check("padding_same_pads", r["layers"][0]["pads"], [0, 0, 0, 1])

# 7x7 input, 3x3 filter: stride 1 -> 5, stride 2 -> 3, stride 3 -> 2.33 (warning)
for s, out in ((1, 5), (2, 3), (3, 2)):
    r = rep("stride%d" % s)
    check("stride%d_output" % s, r["layers"][0]["output"], [1, out, out])
    check("stride%d_warnings" % s, len(r["warnings"]), 2 if s == 3 else 0)
r = rep("stride3")
check("stride3_slide_text", r["layers"][0]["warnings"],
      ["(7 - 3)/3 + 1 = 2.33: input row 7 is never read",
       "(7 - 3)/3 + 1 = 2.33: input column 7 is never read"])

# one convolution (5x5 input, 3x3 filter, stride 2, no bias) and a perceptron:
# z1..z4 is 2x2; 9 weights w1..w9; the perceptron has 4 weights + 1 bias
r = rep("perceptron")
check("perceptron_conv", [r["layers"][0]["output"], r["layers"][0]["params"]], [[1, 2, 2], 9])
check("perceptron_dense", [r["layers"][2]["output"], r["layers"][2]["params"]], [[1], 5])
check("perceptron_total", r["total_params"], 14)

# the 2-conv / 2-pool / 2-FC sigmoid network: 3 sigmoids, softmax, cross-entropy
r = rep("sigmoid_cnn")
acts = [l.get("activation") for l in r["layers"] if l["type"] in ("conv2d", "dense")]
check("sigmoid_cnn_acts", acts, ["sigmoid", "sigmoid", "sigmoid", "none"])
check("sigmoid_cnn_loss", [r["loss"], r["layers"][-1]["type"]], ["cross_entropy", "softmax"])
# (5*5*1+1)*6 + (5*5*6+1)*16 + (16*4*4+1)*120 + (120+1)*10
check("sigmoid_cnn_params", r["total_params"], 156 + 2416 + 30840 + 1210)

# CIFAR-10: 3x32x32, three conv blocks, dense head; 100k-300k parameters
r = rep("cifar10")
check("cifar10_params", r["total_params"], 896 + 18496 + 73856 + 131136 + 650)
check("cifar10_blocks", [l["type"] for l in r["layers"]].count("conv2d"), 3)

# every-feature spec: shapes worked out by hand from SPEC.md's rules (see the
# comments in specs/features.yaml)
r = rep("features")
check("features_shapes", [l["output"] for l in r["layers"]],
      [[4, 20, 9], [4, 11, 5], [6, 6, 3], [6, 6, 3], [6, 4, 2], [6, 2, 2], [6, 2, 2], [6, 2, 2],
       [6, 2, 2], [6, 2, 2], [6, 1, 1], [8, 1, 1], [8, 1, 1], [8], [12], [5], [3], [3]])
check("features_same_pads", [r["layers"][0]["pads"], r["layers"][2]["pads"]],
      [[2, 1, 2, 2], [1, 2, 0, 1]])
check("features_ceil_drop", r["layers"][1]["output"][2], 5)
check("features_params", r["total_params"], (3*5*3 + 1)*4 + 2*4*4*6 + (6 + 1)*8 + 8*12 + 13*5 + 6*3)
check("features_dtype", [r["dtype"], r["param_bytes"]], ["float64", 8 * r["total_params"]])
