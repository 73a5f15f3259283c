#!/usr/bin/env bash
# Front end: golden reports, the slides' numbers, the bad-spec corpus, options and
# exit codes, atomic output, --cflags/--libs in the build tree and installed.
#   UPDATE_GOLDEN=1 tests/suite_frontend.sh   rewrites tests/golden (review the diff!)
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
CN=$ROOT/cnngen
PY=/usr/bin/python3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

pass() { echo "PASS frontend/$1"; }
fail() { echo "FAIL frontend/$1: $2"; }
ok()   { if [ "$2" = 0 ]; then pass "$1"; else fail "$1" "$3"; fi; }

if [ ! -x "$CN" ]; then fail build "./cnngen is missing (run make)"; exit 1; fi
have_py=1; [ -x "$PY" ] || have_py=0

# ---- golden reports (text, markdown, json) for every spec
mkdir -p "$T/json"
for spec in specs/*.yaml; do
    n=$(basename "$spec" .yaml)
    for fmt in text markdown json; do
        ext=$fmt; [ $fmt = markdown ] && ext=md; [ $fmt = text ] && ext=txt
        out="$T/$n.$ext"
        "$CN" --report --format $fmt "$spec" > "$out" 2>"$T/stderr"; rc=$?
        [ $fmt = json ] && cp "$out" "$T/json/$n.json"
        if [ "${UPDATE_GOLDEN:-}" = 1 ]; then cp "$out" "tests/golden/$n.$ext"; fi
        if [ $rc -ne 0 ]; then fail "golden/$n.$ext" "exit $rc: $(head -1 "$T/stderr")"
        elif ! diff -u "tests/golden/$n.$ext" "$out" > "$T/diff" 2>&1; then
            fail "golden/$n.$ext" "differs from tests/golden/$n.$ext: $(head -12 "$T/diff" | tr '\n' '|')"
        else pass "golden/$n.$ext"; fi
    done
    if [ $have_py = 1 ]; then
        "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/json/$n.json" 2>"$T/err"
        ok "json_valid/$n" $? "$(tail -1 "$T/err")"
    fi
done

# ---- the slides' numbers, explicitly
if [ $have_py = 1 ]; then
    "$PY" tests/frontend/slides.py "$T/json" | sed 's/^\(PASS\|FAIL\) /\1 frontend\//'
else
    echo "SKIP frontend/slides: /usr/bin/python3 missing"
fi
grep -q '^Total params: 412,778 ' tests/golden/keras_summary.txt; ok text_412778 $? "no 'Total params: 412,778'"
"$CN" --report specs/lenet5.yaml > "$T/l.txt" 2>&1
grep -q '^Total params: 61,706 ' "$T/l.txt" && grep -q '^Forward MACs per sample: 416,520$' "$T/l.txt"
ok text_lenet5 $? "61,706 / 416,520 missing"
"$CN" --report specs/conv_32x32x3.yaml 2>&1 | grep -q 'height, width: (32 + 2 + 2 - 5)/1 + 1 = 32$'
ok text_formula_760 $? "formula missing"
"$CN" --report specs/conv_32x32x3.yaml 2>&1 | grep -q 'params: (5\*5\*3 + 1)\*10 = 760$'
ok text_params_760 $? "params formula missing"
"$CN" --report specs/stride3.yaml 2>"$T/e" >/dev/null; rc=$?
[ $rc = 0 ] && grep -q '^specs/stride3.yaml:5:40: warning: conv1: (7 - 3)/3 + 1 = 2.33: input row 7 is never read$' "$T/e"
ok warning_2_33 $? "rc=$rc, $(head -1 "$T/e")"

"$CN" --check tests/frontend/unread.yaml 2>"$T/e"; rc=$?
[ $rc = 0 ] && [ "$(grep -c warning: "$T/e")" = 2 ] &&
grep -q 'warning: conv1: (9 - 1)/3 + 1 = 3.67: input rows 2-3, 5-6, 8-9 are never read$' "$T/e" &&
grep -q 'warning: conv1: input columns 1, 3, 5, 7, 9, 11, 13 are never read (stride 2, kernel 3 dilated)$' "$T/e"
ok warning_holes $? "rc=$rc: $(grep warning: "$T/e" | tr '\n' '|')"

# ---- --strict turns the warning into an error
"$CN" --check --strict specs/stride3.yaml 2>"$T/e"; rc=$?
[ $rc = 1 ] && grep -q 'error: conv1: (7 - 3)/3 + 1 = 2.33: input row 7 is never read \[--strict\]' "$T/e"
ok strict $? "rc=$rc, $(head -1 "$T/e")"
"$CN" --check --strict specs/lenet5.yaml 2>"$T/e"; ok strict_clean $? "$(head -1 "$T/e")"

# ---- a graph branch nobody reads: a warning at the layer, an error under --strict
"$CN" --check tests/frontend/graph_unread.yaml 2>"$T/e"; rc=$?
[ $rc = 0 ] && [ "$(grep -c warning: "$T/e")" = 1 ] &&
grep -q '^tests/frontend/graph_unread.yaml:4:26: warning: side: its output is never read (no later layer takes it as input, and it is not the last layer)$' "$T/e"
ok graph_unread_warning $? "rc=$rc: $(head -1 "$T/e")"
"$CN" --check --strict tests/frontend/graph_unread.yaml 2>"$T/e"; rc=$?
[ $rc = 1 ] && grep -q 'error: side: its output is never read .* \[--strict\]$' "$T/e"
ok graph_unread_strict $? "rc=$rc: $(head -1 "$T/e")"

# ---- bad specs: exit 1, the exact first error line, no output file
n=0
for y in tests/bad/*.yaml; do
    b=$(basename "$y" .yaml); n=$((n + 1))
    (cd tests/bad && "$CN" --check "$b.yaml") > "$T/out" 2> "$T/err"; rc=$?
    want=$(cat "tests/bad/$b.err"); got=$(head -1 "$T/err")
    if [ $rc != 1 ]; then fail "bad/$b" "exit $rc, want 1"
    elif [ "$got" != "$want" ]; then fail "bad/$b" "first line '$got', want '$want'"
    elif [ -s "$T/out" ]; then fail "bad/$b" "wrote to stdout"
    else pass "bad/$b"; fi
    mkdir -p "$T/o_$b"
    (cd tests/bad && "$CN" "$b.yaml" -o "$T/o_$b/net.c") >/dev/null 2>&1; rc=$?
    left=$(ls -A "$T/o_$b")
    if [ $rc != 1 ] || [ -n "$left" ]; then fail "bad_o/$b" "exit $rc, left: $left"; else pass "bad_o/$b"; fi
done
[ $n -ge 45 ]; ok bad_corpus_size $? "only $n bad specs"

# ---- relu6 (a layer and an activation: value): default names relu6_<n>, same shape,
# no parameters, the fused activation named in the report
if [ $have_py = 1 ]; then
    "$CN" --report --format json tests/codegen/specs/relu6.yaml > "$T/r6.json" 2>"$T/e"
    "$PY" - "$T/r6.json" > "$T/r6.out" 2>&1 <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
L = {l["name"]: l for l in r["layers"]}
assert [n for n in L if n.startswith("relu6")] == ["relu6_1", "relu6_2"], list(L)
for n in ("relu6_1", "relu6_2"):
    l = L[n]
    assert l["type"] == "relu6" and l["params"] == 0 and l["macs"] == 0, l
    assert l["input"] == l["output"], l
assert L["conv1"]["activation"] == "relu6" and L["fc1"]["activation"] == "relu6"
assert "alpha" not in L["conv1"], L["conv1"]
# conv1 (3*3*2 + 1)*4, conv2 (2*2*4 + 1)*3, fc1 (12 + 1)*5, fc2 (5 + 1)*3
assert r["total_params"] == 76 + 51 + 65 + 18, r["total_params"]
PYEOF
    ok relu6_report $? "$(tail -n 2 "$T/r6.out" "$T/e" | tr '\n' ' ')"
fi

# ---- many errors in one run; the MAX_ERRORS cut-off
"$CN" --check tests/frontend/multi_errors.yaml 2>"$T/e"; rc=$?
ne=$(grep -c ': error: ' "$T/e")
[ $rc = 1 ] && [ "$ne" = 14 ] && tail -1 "$T/e" | grep -q '^14 errors$'
ok multiple_errors $? "rc=$rc, $ne errors"
"$CN" --check tests/frontend/shape_errors.yaml 2>"$T/e"; rc=$?
[ $rc = 1 ] && grep -q '^tests/frontend/shape_errors.yaml:6:5: error: fc1: dense needs a vector input, but its input is 2x6x6; add {type: flatten} before it$' "$T/e" \
  && grep -q '^tests/frontend/shape_errors.yaml:8:14: error: cross_entropy needs a softmax' "$T/e"
ok multiple_shape_errors $? "rc=$rc: $(tr '\n' '|' < "$T/e")"
{ echo 'input: {channels: 1, height: 8, width: 8}'; echo 'layers:'
  for i in $(seq 30); do echo "  - {type: relu, bogus$i: 1}"; done; } > "$T/many.yaml"
"$CN" --check "$T/many.yaml" 2>"$T/e"; rc=$?
ne=$(grep -c ': error: ' "$T/e")
[ $rc = 1 ] && [ "$ne" = 20 ] && grep -q 'note: too many errors (20)' "$T/e"
ok max_errors $? "rc=$rc, $ne errors shown"

# ---- source line and caret
"$CN" --check tests/bad/unknown_key.yaml 2>"$T/e"
[ "$(sed -n 2p "$T/e")" = "    3 |   - {type: conv2d, filters: 6, kernel: 5, strides: 2}" ] &&
[ "$(sed -n 3p "$T/e")" = "      |                                           ^" ]
ok caret $? "$(tr '\n' '|' < "$T/e")"

# ---- default names
if [ $have_py = 1 ]; then
    names=$("$CN" --report --format json tests/frontend/default_names.yaml | "$PY" -c 'import json,sys; print(" ".join(l["name"] for l in json.load(sys.stdin)["layers"]))')
    [ "$names" = "conv2 conv2_2 relu1 pool1 conv3 pool2 pool3 fc1_2 leaky_relu1 fc1 softmax1" ]
    ok default_names $? "$names"
    b=$("$CN" --report --format json --dtype float64 specs/lenet5.yaml | "$PY" -c 'import json,sys; r=json.load(sys.stdin); print(r["dtype"], r["param_bytes"])')
    [ "$b" = "float64 493648" ]; ok dtype_override $? "$b"
fi

# ---- options and exit codes
"$CN" --version | grep -q '^cnngen [0-9]'; ok version $? "no version"
"$CN" --help | grep -q -- '--report'; ok help $? "no help"
"$CN" --check specs/lenet5.yaml > "$T/o" 2>&1; rc=$?
[ $rc = 0 ] && [ ! -s "$T/o" ]; ok check_quiet $? "rc=$rc, output: $(head -1 "$T/o")"
"$CN" --dump-ir --check specs/lenet5.yaml | grep -q '^Layer 1 conv1 kind=conv2d @5:5'; ok dump_ir $? "no IR"
exit_is() { local want=$1 name=$2; shift 2; "$@" >/dev/null 2>"$T/e"; local rc=$?; [ $rc = "$want" ]; ok "$name" $? "exit $rc, want $want: $(head -1 "$T/e")"; }
exit_is 2 exit_no_args "$CN"
exit_is 2 exit_unknown_option "$CN" --reprot specs/lenet5.yaml
grep -q "did you mean '--report'" "$T/e"; ok option_did_you_mean $? "$(cat "$T/e")"
exit_is 2 exit_missing_file "$CN" --check "$T/nope.yaml"
exit_is 2 exit_spec_is_dir "$CN" --check specs
exit_is 2 exit_bad_format "$CN" --report --format xml specs/lenet5.yaml
exit_is 2 exit_bad_prefix "$CN" --prefix 9net specs/lenet5.yaml -o "$T/p.c"
exit_is 2 exit_bad_dtype "$CN" --dtype float16 --check specs/lenet5.yaml
exit_is 2 exit_bad_unroll "$CN" --unroll some --check specs/lenet5.yaml
exit_is 2 exit_nothing_to_do "$CN" specs/lenet5.yaml
head -c 5000000 /dev/zero | tr '\0' '#' > "$T/big.yaml"
exit_is 2 exit_huge_file "$CN" --check "$T/big.yaml"
exit_is 1 exit_invalid "$CN" --check tests/bad/unknown_key.yaml
exit_is 0 exit_ok "$CN" --report specs/lenet5.yaml

# ---- -o: refused targets leave everything as it was
cp specs/lenet5.yaml "$T/spec.yaml"
exit_is 2 o_is_spec "$CN" "$T/spec.yaml" -o "$T/spec.yaml"
cmp -s specs/lenet5.yaml "$T/spec.yaml"; ok o_is_spec_intact $? "spec changed"
cp specs/lenet5.yaml "$T/net.h"
exit_is 2 o_header_is_spec "$CN" "$T/net.h" -o "$T/net.c"
[ ! -e "$T/net.c" ]; ok o_header_is_spec_nothing $? "net.c written"
mkdir -p "$T/adir"
exit_is 2 o_is_dir "$CN" specs/lenet5.yaml -o "$T/adir"
exit_is 2 o_no_dir "$CN" specs/lenet5.yaml -o "$T/no/such/dir/net.c"
exit_is 2 o_unwritable "$CN" specs/lenet5.yaml -o /proc/cnngen_test.c
[ ! -e /proc/cnngen_test.c ] && [ ! -e /proc/cnngen_test.h ]; ok o_unwritable_nothing $? "file left"
mkdir -p "$T/keep"; echo old > "$T/keep/net.c"
"$CN" tests/bad/window_too_large.yaml -o "$T/keep/net.c" 2>/dev/null; rc=$?
[ $rc = 1 ] && [ "$(cat "$T/keep/net.c")" = old ] && [ "$(ls -A "$T/keep")" = net.c ]
ok o_invalid_keeps_old $? "rc=$rc, $(ls -A "$T/keep" | tr '\n' ' ')"

# ---- -o success: both files, nothing else (needs the code generator)
mkdir -p "$T/gen"
"$CN" specs/lenet5.yaml -o "$T/gen/lenet5.c" 2>"$T/e"; rc=$?
left=$(ls -A "$T/gen" | tr '\n' ' ')
if [ $rc = 0 ]; then
    [ "$left" = "lenet5.c lenet5.h " ]; ok o_writes_c_and_h $? "left: $left"
    grep -q '#include "lenet5.h"' "$T/gen/lenet5.c"; ok o_includes_header $? "lenet5.c does not include lenet5.h"
else
    fail o_writes_c_and_h "code generation failed (exit $rc): $(head -1 "$T/e")"
    [ -z "$left" ]; ok o_failed_leaves_nothing $? "left: $left"
fi

# ---- the report names the unroll mode each layer gets
"$CN" --report --unroll none specs/lenet5.yaml > "$T/u" 2>&1
[ "$(grep -c 'code: unroll none' "$T/u")" = 8 ] && ! grep -q 'code: unroll [^n]' "$T/u"
ok report_unroll_forced $? "$(grep 'code:' "$T/u" | sort | uniq -c | tr '\n' '|')"
"$CN" --report --format json specs/perceptron.yaml > "$T/u" 2>&1
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if all(l["unroll"] in ("full","kernel","none") for l in d["layers"]) and d["layers"][0]["unroll"] == "full" else 1)' "$T/u"
ok report_unroll_json $? "$(head -c 300 "$T/u")"

# ---- --cflags / --libs: build tree, then installed
cf=$("$CN" --cflags); lf=$("$CN" --libs); both=$("$CN" --cflags --libs)
[ "$cf" = "-I$ROOT/runtime" ] && [ "$lf" = "$ROOT/runtime/libcnngen.a -lm" ] && [ "$both" = "$cf $lf" ]
ok cflags_build_tree $? "'$cf' '$lf'"
cc -o "$T/lt" tests/frontend/link_test.c $cf $lf 2>"$T/e" && "$T/lt" >/dev/null
ok link_build_tree $? "$(head -3 "$T/e" | tr '\n' '|')"
inst=$T/inst
make -s install PREFIX="$inst" >"$T/e" 2>&1; rc=$?
if [ $rc != 0 ]; then fail install "make install failed: $(tail -3 "$T/e" | tr '\n' '|')"; else
    cf=$("$inst/bin/cnngen" --cflags); lf=$("$inst/bin/cnngen" --libs)
    [ "$cf" = "-I$inst/include" ] && [ "$lf" = "-L$inst/lib -lcnngen -lm" ]
    ok cflags_installed $? "'$cf' '$lf'"
    cc -o "$T/lt2" tests/frontend/link_test.c $cf $lf 2>"$T/e" && "$T/lt2" >/dev/null
    ok link_installed $? "$(head -3 "$T/e" | tr '\n' '|')"
    "$inst/bin/cnngen" --report specs/lenet5.yaml | grep -q '^Total params: 61,706 '
    ok installed_report $? "installed cnngen cannot report"
    # the templates are inside the binary: it generates C from any directory
    mkdir -p "$T/elsewhere"
    (here=$(pwd); cd / && "$inst/bin/cnngen" "$here/specs/lenet5.yaml" -o "$T/elsewhere/net.c") 2>"$T/e" &&
        cc -std=c99 -c -o "$T/elsewhere/net.o" "$T/elsewhere/net.c" $cf 2>>"$T/e"
    ok installed_generates_anywhere $? "$(head -3 "$T/e" | tr '\n' '|')"
fi
# a header named like a system header (features.h shadows glibc's on -I): a warning
mkdir -p "$T/shadow"
./cnngen specs/features.yaml -o "$T/shadow/features.c" 2>"$T/e"; rc=$?
[ $rc = 0 ] && grep -q "warning: '.*features.h' has the name of a C library header" "$T/e" &&
    [ -s "$T/shadow/features.h" ]
ok header_shadow_warning $? "exit $rc, stderr: $(head -2 "$T/e" | tr '\n' '|')"
mkdir -p "$T/shadow_strict"
./cnngen specs/features.yaml --strict -o "$T/shadow_strict/features.c" 2>"$T/e"; rc=$?
[ $rc = 2 ] && grep -q "error: '.*features.h' has the name of a C library header" "$T/e" &&
    [ -z "$(ls -A "$T/shadow_strict")" ]
ok header_shadow_strict_error $? "exit $rc, files: $(ls "$T/shadow_strict" | tr '\n' ' '), stderr: $(head -2 "$T/e" | tr '\n' '|')"
./cnngen specs/features.yaml -o "$T/shadow/feat.c" 2>"$T/e"
! grep -q "C library header" "$T/e"
ok header_no_shadow_no_warning $? "$(head -2 "$T/e" | tr '\n' '|')"
exit 0
