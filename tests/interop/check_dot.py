"""check_dot.py - `cnngen --report --format dot|svg`.

For every spec given: the DOT text is parsed by Graphviz itself (`dot -Tplain`, whose
node/edge lines are counted: input + one node per layer + the loss node; one edge per
value a layer reads (its predecessor, or its `input:`/`inputs:`), from that value's
node, plus the loss edge), every edge label is the shape of the tensor it carries
(from the JSON report: the input's, then each layer's output), every layer node names
the layer, its type and output shape, `--format svg` gives well-formed SVG (parsed with
xml.etree) with a <g class="node"> per node, and `dot -Tsvg` accepts the DOT text.
Then: with no `dot` on PATH, --format svg exits 2 with a message naming Graphviz and
writes nothing on stdout.

usage: check_dot.py CNNGEN SPEC...
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


def shape_text(s):
    return "x".join(str(v) for v in s)


def plain_records(text):
    """dot -Tplain lines -> (nodes {name: label}, edges [(tail, head, label)])."""
    nodes, edges = {}, []
    for line in text.splitlines():
        w = shlex.split(line)
        if not w:
            continue
        if w[0] == "node":
            nodes[w[1]] = w[6]
        elif w[0] == "edge":
            n = int(w[3])
            rest = w[4 + 2 * n:]
            edges.append((w[1], w[2], rest[0] if len(rest) > 3 else ""))
    return nodes, edges


def check(cnngen, spec):
    rep = json.loads(run([cnngen, "--report", "--format", "json", spec]).stdout)
    p = run([cnngen, "--report", "--format", "dot", spec])
    if p.returncode:
        return "cnngen --format dot exit %d: %s" % (p.returncode, p.stderr.strip()[:200])
    dot_text = p.stdout
    q = run(["dot", "-Tsvg"], input=dot_text)
    if q.returncode:
        return "dot -Tsvg rejects the graph: %s" % q.stderr.strip()[:200]
    q = run(["dot", "-Tplain"], input=dot_text)
    if q.returncode:
        return "dot -Tplain rejects the graph: %s" % q.stderr.strip()[:200]
    nodes, edges = plain_records(q.stdout)
    layers = rep["layers"]
    has_loss = rep["loss"] not in (None, "none")
    if len(nodes) != len(layers) + 1 + has_loss:
        return "%d nodes, expected %d layers + input%s" % (len(nodes), len(layers),
                                                           " + loss" if has_loss else "")
    # one edge per value a layer reads (the report's "inputs"), from that value's node,
    # labelled with its shape; then the loss edge from the last layer
    index = {l["name"]: i + 1 for i, l in enumerate(layers)}
    shapes = {"input": rep["input"]}
    shapes.update({"L%d" % (i + 1): l["output"] for i, l in enumerate(layers)})
    want = []
    for i, l in enumerate(layers):
        for nm in l.get("inputs", [layers[i - 1]["name"] if i else "input"]):
            tail = "input" if nm == "input" else "L%d" % index[nm]
            want.append((tail, "L%d" % (i + 1), shape_text(shapes[tail])))
    if has_loss:
        want.append(("L%d" % len(layers), "loss", shape_text(layers[-1]["output"])))
    if len(edges) != len(want):
        return "%d edges, expected %d" % (len(edges), len(want))
    got = sorted(edges)
    if got != sorted(want):
        return "edges %s, expected %s" % (got, sorted(want))
    for i, l in enumerate(layers):
        lab = nodes.get("L%d" % (i + 1), "")
        first = lab.split("\\n")[0] if "\\n" in lab else lab.split("\n")[0]
        if not first.startswith("%s (%s" % (l["name"], l["type"])) or \
                shape_text(l["output"]) not in lab or \
                (l["params"] and "{:,} params".format(l["params"]) not in lab):
            return "node L%d label %r lacks name/type/shape/params of %s" % (i + 1, lab, l["name"])
    p = run([cnngen, "--report", "--format", "svg", spec])
    if p.returncode:
        return "--format svg exit %d: %s" % (p.returncode, p.stderr.strip()[:200])
    try:
        root = ET.fromstring(p.stdout.encode())
    except ET.ParseError as e:
        return "--format svg is not well-formed XML: %s" % e
    ns = "{http://www.w3.org/2000/svg}"
    gnodes = [g for g in root.iter(ns + "g") if g.get("class") == "node"]
    if root.tag != ns + "svg" or len(gnodes) != len(nodes):
        return "--format svg: root %s with %d node groups, expected svg with %d" % (
            root.tag, len(gnodes), len(nodes))
    return None


def main():
    cnngen = os.path.abspath(sys.argv[1])
    nfail = 0
    for spec in sys.argv[2:]:
        label = os.path.splitext(os.path.basename(spec))[0]
        why = check(cnngen, spec)
        if why:
            nfail += 1
            print("FAIL dot/%s: %s" % (label, why))
        else:
            print("PASS dot/%s" % label)
    # the README's diagram (docs/lenet5.svg) shows what cnngen draws today: same texts
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    doc = os.path.join(root, "docs", "lenet5.svg")
    p = run([cnngen, "--report", "--format", "svg", os.path.join(root, "specs", "lenet5.yaml")])
    ns = "{http://www.w3.org/2000/svg}"
    try:
        texts = lambda r: [t.text for t in r.iter(ns + "text")]  # noqa: E731
        want = texts(ET.fromstring(p.stdout.encode()))
        got = texts(ET.parse(doc).getroot())
        why = None if got == want and want else "docs/lenet5.svg is stale: %s vs %s" % (got[:4], want[:4])
    except (OSError, ET.ParseError) as e:
        why = "docs/lenet5.svg: %s" % e
    if why:
        nfail += 1
        print("FAIL dot/readme-diagram: %s (regenerate: cnngen --report --format svg "
              "specs/lenet5.yaml > docs/lenet5.svg)" % why)
    else:
        print("PASS dot/readme-diagram")
    # no Graphviz: a clear error, exit 2, nothing on stdout
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, PATH=d)
        p = subprocess.run([cnngen, "--report", "--format", "svg", sys.argv[2]], env=env,
                           capture_output=True, text=True)
        if p.returncode == 2 and "Graphviz" in p.stderr and not p.stdout:
            print("PASS dot/svg-without-graphviz")
        else:
            nfail += 1
            print("FAIL dot/svg-without-graphviz: exit %d, stderr %r, %d bytes on stdout"
                  % (p.returncode, p.stderr[:200], len(p.stdout)))
        p = subprocess.run([cnngen, "--report", "--format", "dot", sys.argv[2]], env=env,
                           capture_output=True, text=True)
        if p.returncode == 0 and p.stdout.startswith("digraph"):
            print("PASS dot/dot-without-graphviz")
        else:
            nfail += 1
            print("FAIL dot/dot-without-graphviz: --format dot needs no Graphviz, exit %d" % p.returncode)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
