#!/bin/sh
# fuzz/run.sh SECONDS - runs the libFuzzer target build/fuzz_cnngen for a bounded
# time. Seeds: specs/, tests/bad/, fuzz/corpus/ (the kept, minimized corpus) and
# fuzz/regressions/. The working corpus grows in build/fuzz-corpus/; crashes, leaks,
# timeouts and OOMs land in build/fuzz-artifacts/ (copy them to fuzz/regressions/
# once fixed). One line per run is appended to build/fuzz-runs.log (copy to RUNS.md).
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
mkdir -p build/fuzz-corpus build/fuzz-artifacts
log=build/fuzz-$(date -u +%Y%m%dT%H%M%S)-$$.log
start=$(date -u '+%Y-%m-%d %H:%M')
bin=build/fuzz_cnngen.run-$$      # a copy: make may rebuild the target meanwhile
cp build/fuzz_cnngen "$bin"
set +e
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -dict=fuzz/cnngen.dict -artifact_prefix=build/fuzz-artifacts/ -print_final_stats=1 \
    build/fuzz-corpus specs tests/bad fuzz/corpus fuzz/regressions >"$log" 2>&1
rc=$?
set -e
rm -f "$bin"
execs=$(grep -h 'stat::number_of_executed_units' "$log" | awk '{s+=$2} END {print s+0}')
echo "$start UTC  ${secs}s  rc=$rc  execs=$execs  log=$log" | tee -a build/fuzz-runs.log
tail -5 "$log"
exit $rc
