#!/usr/bin/env node
// Where the time of `node bench/smlog.mjs FILE` goes, phase by phase (bench/README.md, "Where
// the time goes"): loading the package (the .wasm compiled and instantiated), reading the file
// alone, the scan (push of every chunk), the waits for reads still under way, finish()
// (findings rendered, the report's JSON text and JSON.parse). Same reads as the runner.
// sinceProcessStartMs is Node's own start (performance.now() counts from the process start).
//
//   node bench/phases.mjs FILE [--chunk BYTES]      the scan, phase by phase
//   node bench/phases.mjs FILE --reads-only          the same reads, no scanner
import { open } from 'node:fs/promises';

const file = process.argv[2];
const i = process.argv.indexOf('--chunk');
const chunkSize = i === -1 ? 1 << 20 : Number(process.argv[i + 1]);
const tStart = performance.now();
const { SmlogScanner } = await import('../pkg/node.mjs');
const tLoaded = performance.now();

let awaitMs = 0;
async function stream(onChunk) {
  const buffers = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
  const fh = await open(file, 'r');
  let which = 0;
  let pending = fh.read(buffers[which], 0, chunkSize, null);
  let pushMs = 0;
  for (;;) {
    const tw = performance.now();
    const { bytesRead } = await pending;
    awaitMs += performance.now() - tw;
    if (bytesRead === 0) break;
    const chunk = buffers[which].subarray(0, bytesRead);
    which ^= 1;
    pending = fh.read(buffers[which], 0, chunkSize, null);
    const t = performance.now();
    onChunk(chunk);
    pushMs += performance.now() - t;
  }
  await fh.close();
  return pushMs;
}

const mode = process.argv.includes('--reads-only') ? 'reads' : 'scan';
const t1 = performance.now();
let pushMs = 0;
let finishMs = 0;
if (mode === 'reads') {
  await stream(() => {});
} else {
  const scanner = new SmlogScanner();
  pushMs = await stream((c) => scanner.push(c));
  const t = performance.now();
  scanner.finish();
  finishMs = performance.now() - t;
}
const t2 = performance.now();
console.log(JSON.stringify({
  mode,
  sinceProcessStartMs: Math.round(tStart - 0), // performance.now() counts from the process start
  loadMs: +(tLoaded - tStart).toFixed(1),
  streamMs: Math.round(t2 - t1),
  pushMs: Math.round(pushMs),
  awaitMs: Math.round(awaitMs),
  finishMs: +finishMs.toFixed(1),
}));
process.exit(0);
