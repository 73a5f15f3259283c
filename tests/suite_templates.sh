#!/usr/bin/env bash
# Template tests (issue 3: templates/ holds the C the generator fills, as real C with
# marked holes, built into the binary). One line per check: PASS/FAIL <name>.
#  - the filler itself (tests/templates/fill_test.c, linked with the generator in place
#    of the embedded templates): holes, PFX_, indentation of generated multi-line holes,
#    empty holes, doc comments not copied, and every error (unknown hole, unused hole,
#    unknown template, unterminated marker)
#  - every file in templates/ is used by the generator; every per-layer body template
#    (layer_*.c) documents each of its holes in its leading comment
#  - a cnngen built with a broken template fails cleanly: an error, a non-zero exit and
#    no output file (never a half-written net.c)
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
mkdir -p build
T=$(mktemp -d "$ROOT/build/templates.XXXXXX")
trap 'rm -rf "$T"' EXIT
CC=${CC:-cc}
YAML_CFLAGS=$(pkg-config --cflags yaml-0.1 2>/dev/null)
YAML_LIBS=$(pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)
GEN_SRC=$(ls generator/*.c generator/ops/*.c | grep -v '^generator/main.c$')
npass=0; nfail=0
pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1: $2"; nfail=$((nfail + 1)); }

# 1. the filler
if $CC -O0 -g -Wall -Wextra -Werror $YAML_CFLAGS -Igenerator -o "$T/fill_test" \
     tests/templates/fill_test.c $GEN_SRC runtime/safetensors.c $YAML_LIBS -lm 2>"$T/cc.err"; then
    "$T/fill_test" 2>"$T/fill.err" > "$T/fill.out"
    rc=$?
    cat "$T/fill.out"
    npass=$((npass + $(grep -c '^PASS' "$T/fill.out")))
    nfail=$((nfail + $(grep -c '^FAIL' "$T/fill.out")))
    [ $rc -eq 0 ] || [ "$(grep -c '^FAIL' "$T/fill.out")" -gt 0 ] ||
        fail "template fill_test" "exit $rc without a FAIL line: $(tail -2 "$T/fill.err")"
    n=$(grep -c 'cnngen: internal error' "$T/fill.err")
    [ "$n" -eq 6 ] && pass "template errors name the problem on stderr" ||
        fail "template errors name the problem on stderr" "$n of 6 messages"
else
    fail "template fill_test builds" "$(head -5 "$T/cc.err")"
fi

# 2. every template is used; layer body templates document their holes
for f in templates/*.c templates/*.h; do
    b=$(basename "$f")
    if grep -q "\"$b\"" generator/*.c generator/ops/*.c; then
        pass "template $b is used by the generator"
    else
        fail "template $b is used by the generator" "no \"$b\" in generator/"
    fi
done
for f in templates/layer_*.c; do
    b=$(basename "$f")
    if ! head -c 3 "$f" | grep -q '^/\*!'; then
        fail "template $b documents its holes" "no leading /*! comment"
        continue
    fi
    doc=$(sed -n '1,/\*\//p' "$f")
    missing=""
    for h in $(grep -o '/\*@[A-Za-z0-9_]*{\{0,1\}@\*/' "$f" | sed 's|/\*@\(.*\)@\*/|\1|; s|{$||' | sort -u); do
        printf '%s\n' "$doc" | grep -qw -- "$h" || missing="$missing $h"
    done
    [ -z "$missing" ] && pass "template $b documents its holes" ||
        fail "template $b documents its holes" "undocumented:$missing"
done

# 4. the layer templates compile on their own: every hole is a line hole
#    (sample code the generator replaces) or alone on its line, and the sizes are named
#    constants; each compiles as the body of a function taking every array a layer
#    function can take, with -std=c99 -Wall -Wextra -Wpedantic -Werror
cat > "$T/harness.c" <<'CEOF'
#include <math.h>
#include <stdint.h>
#include <string.h>
typedef float t_real;
/* the generated file's vector preamble (templates/net.c), for GNU C */
#define t_VECTORS 1
#define t_VBYTES 16
typedef t_real t_vec __attribute__((vector_size(t_VBYTES), aligned(sizeof(t_real)), may_alias));
#define t_VL ((int)(t_VBYTES / sizeof(t_real)))
#define t_VLD(p) (*(const t_vec *)(const void *)(p))
static inline void t_VST(t_real *p, t_vec v) { *(t_vec *)(void *)p = v; }
void body(const t_real *restrict in, t_real *restrict out, const t_real *restrict g,
          t_real *restrict gin, const t_real *restrict w, const t_real *restrict b,
          t_real *restrict gw, t_real *restrict gb, int32_t *restrict am,
          t_real *restrict scratch, t_real *restrict rm, t_real *restrict rv,
          t_real *restrict stat, int ns);
void body(const t_real *restrict in, t_real *restrict out, const t_real *restrict g,
          t_real *restrict gin, const t_real *restrict w, const t_real *restrict b,
          t_real *restrict gw, t_real *restrict gb, int32_t *restrict am,
          t_real *restrict scratch, t_real *restrict rm, t_real *restrict rv,
          t_real *restrict stat, int ns)
{
#include "tpl.c"
}
CEOF
# and again without vectors (the preamble's one-lane form, a Cortex-M4's): the scalar
# variants some templates hold under #if PFX_VECTORS
sed -e 's/^#define t_VECTORS 1$/#define t_VECTORS 0/' \
    -e 's/^typedef t_real t_vec __attribute__.*$/typedef t_real t_vec;/' \
    -e 's/^#define t_VL .*$/#define t_VL 1/' \
    -e 's/^#define t_VLD(p) .*$/#define t_VLD(p) (*(p))/' \
    -e 's/^static inline void t_VST(t_real \*p, t_vec v) .*$/static inline void t_VST(t_real *p, t_vec v) { *p = v; }/' \
    "$T/harness.c" > "$T/harness1.c"
grep -q '^typedef t_real t_vec;' "$T/harness1.c" || fail "scalar template harness" "the sed did not apply"
nc=0
for f in templates/layer_*.c; do
    b=$(basename "$f")
    sed 's/PFX_/t_/g' "$f" > "$T/tpl.c"
    for h in harness harness1; do
        w=vectors; [ $h = harness1 ] && w="one lane"
        if $CC -std=c99 -Wall -Wextra -Wpedantic -Werror -Wno-unused-parameter -c -I"$T" \
               -o "$T/tpl.o" "$T/$h.c" 2> "$T/tpl.err"; then
            pass "template $b compiles on its own ($w)"; nc=$((nc + 1))
        else
            fail "template $b compiles on its own ($w)" "$(head -3 "$T/tpl.err" | tr '\n' ' ')"
        fi
    done
done
[ $nc -gt 0 ] || fail "templates compile on their own" "none does"

# 3. a broken template: clean failure, nothing written
mkdir -p "$T/tpl"
cp templates/*.c templates/*.h "$T/tpl/"
sed -i 's|/\*@exp@\*/|/*@exrp@*/|' "$T/tpl/layer_softmax_fwd.c"
if tools/embed.sh "$T"/tpl/*.c "$T"/tpl/*.h > "$T/templates.c" &&
   $CC -O0 $YAML_CFLAGS -Igenerator -o "$T/cnngen_broken" $GEN_SRC generator/main.c \
       "$T/templates.c" runtime/safetensors.c $YAML_LIBS -lm 2>"$T/cc2.err"; then
    mkdir -p "$T/out"
    "$T/cnngen_broken" specs/lenet5.yaml -o "$T/out/net.c" > /dev/null 2>"$T/broken.err"
    rc=$?
    if [ $rc -ne 0 ] && [ ! -e "$T/out/net.c" ] && [ ! -e "$T/out/net.h" ] &&
       [ -z "$(ls -A "$T/out")" ] && grep -q "unknown hole 'exrp'" "$T/broken.err"; then
        pass "broken template: error, exit $rc, no output file"
    else
        fail "broken template: error, non-zero exit, no output file" \
             "exit $rc, files: $(ls "$T/out" | tr '\n' ' '), stderr: $(head -2 "$T/broken.err")"
    fi
else
    fail "broken-template cnngen builds" "$(head -5 "$T/cc2.err")"
fi

echo "templates: $npass passed, $nfail failed"
[ $nfail -eq 0 ]
