#!/usr/bin/env bash
# Installs what the ONNX Runtime comparison needs, only when missing: Debian's nodejs
# and npm (as root), then npm's onnxruntime-node@1.17.0 into bench/node_modules with
# --ignore-scripts (the package ships its native library). Used by `make test`
# (tools/deps.sh test) and `make bench`. Exit 0 when ORT loads afterwards.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "install_ort: $*" >&2; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian nodejs and npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm >/dev/null \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm >/dev/null; } \
      || say "could not install nodejs/npm"
  fi
fi
ort_loads() { node -e "require('$ROOT/bench/node_modules/onnxruntime-node')" >/dev/null 2>&1; }
command -v node >/dev/null || { say "node missing"; exit 1; }
if ! ort_loads && command -v npm >/dev/null && [ "${BENCH_NO_INSTALL:-0}" != 1 ]; then
  say "installing onnxruntime-node@1.17.0 into bench/node_modules (npm install --ignore-scripts)"
  mkdir -p "$ROOT/build"
  (cd "$ROOT/bench" && npm install --ignore-scripts --no-audit --no-fund --no-package-lock >"$ROOT/build/npm.log" 2>&1) \
    || say "npm install failed: see build/npm.log"
fi
ort_loads || { say "onnxruntime-node does not load"; exit 1; }
