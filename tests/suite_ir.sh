#!/usr/bin/env bash
# The graph IR (tests/ir/graph_test.c): layers name the values they read; shape
# inference, receptive fields, readers, the IR dump and the diagram follow the edges.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
need_cnngen ir
T=$(scratch_dir ir) || exit 1
trap 'rm -rf "$T"' EXIT
# the objects of today's sources (not stale ones), but the driver
objs=$( (cd generator && ls *.c ops/*.c) | grep -v '^main\.c$' | sed 's|^|build/gen/|; s|\.c$|.o|')
objs="$objs build/gen/templates.o build/gen/rt_safetensors.o"
if cc -O0 -g -Wall -Wextra -Werror -Igenerator -o "$T/graph_test" tests/ir/graph_test.c $objs \
      $(pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml) -lm 2> "$T/cc.err"; then
    "$T/graph_test" 2> "$T/err"; rc=$?
    [ $rc -eq 0 ] || grep -q '^FAIL' "$T/err" || echo "FAIL ir graph_test: exit $rc $(tail -2 "$T/err")"
else
    echo "FAIL ir graph_test builds: $(head -5 "$T/cc.err" | tr '\n' ' ')"
fi
