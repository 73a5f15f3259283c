#!/usr/bin/env bash
# Installs the Debian packages cnngen needs, only those missing.
#   tools/deps.sh build   - to build cnngen and run the main job
#   tools/deps.sh test    - also everything the test suite and benchmarks use
set -eu
want="gcc make pkg-config libyaml-dev zlib1g-dev"
case "${1:-build}" in
  build) want="$want dataset-fashion-mnist" ;;
  test)  want="$want clang libclang-rt-14-dev valgrind cppcheck python3-torch python3-numpy python3-yaml python3-onnx dataset-fashion-mnist graphviz hyperfine gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm" ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
ort() { [ "${1:-build}" = test ] || return 0; "$(dirname "$0")/../bench/install_ort.sh"; }
[ -z "$missing" ] && { ort "${1:-build}"; exit 0; }
if [ "$(id -u)" -ne 0 ]; then
  echo "cnngen: missing Debian packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
  exit 1
fi
echo "cnngen: installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
ort "${1:-build}"
