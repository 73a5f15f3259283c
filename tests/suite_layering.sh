#!/usr/bin/env bash
# The generator's stages call only stages below them (cnngen.h, "Stages"), read from
# the symbols of the built objects (nm): for every object, each symbol it uses must be
# defined by an object of the same or a lower stage. The layer-kind units (ops/) sit
# beside the stages: a stage reaches them only through the tables (ops/table.o:
# op_table, op_find, op_allows, kind_name, act_table); a unit may use the stages up to
# shape.c and the emitter, never the schedule, the plan, the outputs or the driver.
# Also: no code outside ops/ names a layer kind (the "one unit per kind" rule), and
# ops/TEMPLATE.c compiles as the whole unit it shows.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
need_cnngen layering
B=build/gen
[ -f "$B/main.o" ] || { echo "FAIL layering: $B/main.o missing (run make)"; exit 1; }

# stage of an object (its path under build/gen without .o)
stage() {
    case $1 in
        templates|rt_safetensors|util|diag) echo 0 ;;
        emitter|geometry|template|dispatch|csource) echo 1 ;;
        spec) echo 2 ;;
        shape) echo 3 ;;
        fold) echo 3.7 ;;
        ops/table|ops/common) echo 0 ;;   # the ops interface: every stage may use it
        ops/*) echo 3.5 ;;
        schedule) echo 4 ;;
        plan) echo 5 ;;
        report|budget|stack|stack_cc|emit|emit_pytorch|weights|dot|limits) echo 6 ;;
        main) echo 7 ;;
        *) echo "?" ;;
    esac
}

T=$(scratch_dir layering) || exit 1
trap 'rm -rf "$T"' EXIT
# the objects of today's sources (not stale ones of removed files)
objs=$( (cd generator && ls *.c ops/*.c) | sed 's|\.c$||' | grep -v '^ops/TEMPLATE$'; echo templates; echo rt_safetensors)
for o in $objs; do
    [ -f "$B/$o.o" ] || { echo "FAIL layering: $B/$o.o missing (run make)"; exit 1; }
done
: > "$T/defs"
for o in $objs; do
    nm --defined-only -g "$B/$o.o" | awk -v o="$o" 'NF == 3 { print $3, o }' >> "$T/defs"
done
bad=0; unknown=0
for o in $objs; do
    so=$(stage "$o")
    if [ "$so" = "?" ]; then
        echo "FAIL layering $o: no stage for this object (add it to tests/suite_layering.sh and cnngen.h)"
        unknown=1; continue
    fi
    viol=""
    for sym in $(nm -u "$B/$o.o" | awk '{ print $2 }'); do
        def=$(awk -v s="$sym" '$1 == s { print $2; exit }' "$T/defs")
        [ -n "$def" ] || continue                       # libc, libyaml, libm
        [ "$def" = "$o" ] && continue
        sd=$(stage "$def")
        case $o in ops/table|ops/common) continue ;; esac   # the interface reaches the units
        # a stage reads the units only through the interface
        case $def in ops/table|ops/common) ;; ops/*) case $o in ops/*) ;; *) viol="$viol $sym($def)"; continue ;; esac ;; esac
        if awk -v a="$sd" -v b="$so" 'BEGIN { exit !(a > b) }'; then
            viol="$viol $sym($def)"
        fi
    done
    if [ -n "$viol" ]; then
        echo "FAIL layering $o (stage $so) uses a higher stage:$viol"; bad=1
    fi
done
[ $bad = 0 ] && [ $unknown = 0 ] && echo "PASS layering: $(echo $objs | wc -w) objects, every stage calls only stages below it"

# no layer kind named outside ops/ (the L_ values, or a unit's op_ definition)
hits=$(grep -nE '\bop_(conv2d|maxpool|avgpool|l2pool|global_[a-z]+|flatten|dense|relu6?|sigmoid|tanh|softmax|leaky_relu)\b|\bact_(relu6?|sigmoid|tanh|leaky)\b|ACT_RELU\b|->kind\b' \
        generator/*.c)
if [ -z "$hits" ]; then
    echo "PASS one unit per kind: no code outside generator/ops/ names a layer kind"
else
    echo "FAIL one unit per kind: kinds named outside ops/: $(echo "$hits" | head -5 | tr '\n' ' ')"
fi

# the unit template compiles as a whole unit
if cc -std=c99 -Wall -Wextra -Werror -DCNNGEN_OPS_TEMPLATE -Igenerator -c generator/ops/TEMPLATE.c \
      -o "$T/template.o" 2> "$T/cc.err"; then
    echo "PASS ops/TEMPLATE.c compiles as a whole unit"
else
    echo "FAIL ops/TEMPLATE.c: $(head -3 "$T/cc.err" | tr '\n' ' ')"
fi
