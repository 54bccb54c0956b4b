#!/usr/bin/env node
// End-to-end SMlog benchmark runner through the built package (pkg/node.mjs): reads FILE in
// chunks (1 MiB by default) into two reused buffers (the next chunk is read while the scanner
// works on the current one), streams them through SmlogScanner (bytes in, no transcoding), and
// prints a one-line JSON summary of the report.
//
//   node bench/smlog.mjs FILE [--chunk BYTES] [--repeat N] [--whole] [--report OUT.json]
//
// --repeat N streams the file N times in a row through one scanner (a longer stream, e.g. a
// 1 GB stream from a 100 MB file); --whole reads the file at once and calls analyzeSmlog.
// The summary's wasmMemoryBytes is the WebAssembly linear memory at the end (it never shrinks,
// so it is the peak).
import { readFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { SmlogScanner, analyzeSmlog } from '../pkg/node.mjs';

const glue = createRequire(import.meta.url)('../pkg/dist/xapi_doctor.node.cjs');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : args[i + 1];
};
const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && args[i - 1] !== '--whole'));
if (!file) {
  console.error('usage: node bench/smlog.mjs FILE [--chunk BYTES] [--repeat N] [--whole] [--report OUT.json]');
  process.exit(2);
}
const chunkSize = Number(opt('--chunk', 1 << 20));
const repeat = Number(opt('--repeat', 1));
const reportPath = opt('--report', null);

const t0 = performance.now();
let report;
if (args.includes('--whole')) {
  report = analyzeSmlog(readFileSync(file));
} else {
  // Two buffers: while the scanner reads one chunk, the next is read from disk in libuv's thread
  // pool (what fs.createReadStream does too, without allocating a new buffer per chunk).
  const scanner = new SmlogScanner();
  const buffers = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
  for (let r = 0; r < repeat; r++) {
    const fh = await open(file, 'r');
    let which = 0;
    let pending = fh.read(buffers[which], 0, chunkSize, null);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const chunk = buffers[which].subarray(0, bytesRead);
      which ^= 1;
      pending = fh.read(buffers[which], 0, chunkSize, null);
      scanner.push(chunk);
    }
    await fh.close();
  }
  report = scanner.finish();
  scanner.free();
}
const ms = performance.now() - t0;
if (reportPath) writeFileSync(reportPath, JSON.stringify(report));
const byRule = {};
for (const f of report.findings) byRule[f.rule] = (byRule[f.rule] || 0) + 1;
process.stdout.write(JSON.stringify({
  file,
  bytes: report.stats.bytes,
  lines: report.stats.lines,
  findings: report.findings.length,
  timeline: report.timeline.length,
  coalesce: report.coalesce.status,
  ms: Math.round(ms),
  mbPerS: Math.round(report.stats.bytes / 1e3 / ms),
  wasmMemoryBytes: glue.wasmMemoryBytes(),
  findingsByRule: byRule,
}) + '\n');
// The report is out. Exit now rather than let the engine finish optimising functions it will
// never run again (its background compiler jobs delay a natural exit by 0.1-0.3 s on this
// machine; a web page or a server would not notice them).
process.exit(0);
