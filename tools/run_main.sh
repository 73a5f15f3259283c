#!/usr/bin/env bash
# The main job (README command 1). Grows as the project does.
set -e
cd "$(dirname "$0")/.."
./cnngen --report specs/lenet5.yaml
