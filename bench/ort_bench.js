// ort_bench.js - the ONNX Runtime side of `make bench` (onnxruntime-node 1.17.0,
// installed into bench/node_modules by bench/run.sh).
//
//   node bench/ort_bench.js MODEL.onnx NET INPUT.bin REF.bin C H W BATCHES REPS MIN_TIME_S
//
// INPUT.bin holds float32 samples [n][C][H][W] (the same the generated C ran);
// REF.bin the generated C's outputs for them. The script first runs all n samples
// as one batch and checks ORT's output against REF (exit 1 if they disagree), then
// for each batch size B in BATCHES (e.g. "1,32") times session.run over a batch
// of B samples: warm-up, then REPS runs of a loop of about MIN_TIME_S seconds;
// the figure is the median run in microseconds per sample of process CPU time
// (wall clock alongside).
// One session thread: intraOpNumThreads 1, interOpNumThreads 1, sequential
// execution, all graph optimizations. MODEL.identity.onnx (a one-node Identity
// model) is timed the same way at batch 1 to show the cost of a run() call itself
// through the Node binding. Prints one JSON object per line.
'use strict';
const path = require('path');
const fs = require('fs');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

function readF32(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

function median(a) {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
}

// process CPU time in microseconds (user + system, all threads of node): time spent
// descheduled on a shared machine is not counted; the wall clock is reported too.
function cpuUs() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function timeRuns(session, feeds, perCall, reps, minTime) {
  // warm-up (>= 0.1 s and >= 3 calls) and calibration
  let calls = 0;
  const t0 = cpuUs();
  let el = 0;
  for (;;) {
    await session.run(feeds);
    calls++;
    el = (cpuUs() - t0) * 1e-6;
    if (el >= 0.1 && calls >= 3) break;
  }
  const iters = Math.max(1, Math.floor(minTime / (Math.max(el, 1e-6) / calls)));
  const runs = [], wall = [];
  for (let r = 0; r < reps; r++) {
    const w = process.hrtime.bigint();
    const t = cpuUs();
    for (let i = 0; i < iters; i++) await session.run(feeds);
    runs.push((cpuUs() - t) / (iters * perCall));
    wall.push(Number(process.hrtime.bigint() - w) * 1e-3 / (iters * perCall));
  }
  return { med: median(runs), runs, iters, wall };
}

async function main() {
  const [model, net, inFile, refFile, C, H, W, batches, reps, minTime] = process.argv.slice(2);
  const c = +C, h = +H, w = +W, ss = c * h * w;
  const opts = {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all', executionProviders: ['cpu'],
  };
  const out = (o) => console.log(JSON.stringify(Object.assign({ impl: 'ort', net }, o)));
  out({ kind: 'info', ort: ort.env.versions });
  const session = await ort.InferenceSession.create(model, opts);

  const x = readF32(inFile);
  const ref = readF32(refFile);
  const n = x.length / ss;
  const all = await session.run({ input: new ort.Tensor('float32', x, [n, c, h, w]) });
  const got = all.output.data;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs(got[i] - ref[i]) / (Math.abs(ref[i]) + 1e-3));
  }
  const ok = got.length === ref.length && err < 1e-3;
  out({ kind: 'check', samples: n, max_rel_err: err, ok });
  if (!ok) {
    console.error(`ort_bench: generated C and ONNX Runtime disagree on ${net} (max rel err ${err})`);
    process.exit(1);
  }

  for (const b of batches.split(',').map(Number)) {
    const xb = new Float32Array(b * ss);
    for (let i = 0; i < xb.length; i++) xb[i] = x[i % x.length];
    const feeds = { input: new ort.Tensor('float32', xb, [b, c, h, w]) };
    const r = await timeRuns(session, feeds, b, +reps, +minTime);
    out({ kind: 'time', what: 'infer', batch: b, us_per_sample: r.med, runs: r.runs, iters: r.iters, wall_runs: r.wall });
  }

  const idf = model + '.identity.onnx';
  if (fs.existsSync(idf)) {
    const s2 = await ort.InferenceSession.create(idf, opts);
    const feeds = { input: new ort.Tensor('float32', new Float32Array([1]), [1, 1]) };
    const r = await timeRuns(s2, feeds, 1, +reps, Math.min(+minTime, 0.1));
    out({ kind: 'time', what: 'call_overhead', batch: 1, us_per_sample: r.med, runs: r.runs, iters: r.iters, wall_runs: r.wall });
  }
}

main().catch((e) => { console.error('ort_bench: ' + (e && e.stack || e)); process.exit(1); });
