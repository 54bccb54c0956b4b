// Reads an SMlog file as a stream in a Web Worker and analyses it with SmlogScanner, posting
// progress as it goes; the page's main thread only draws. Messages:
//   in:  { type: 'scan', file: File }
//   out: { type: 'progress', bytes, total } … then { type: 'done', report, ms } or { type: 'error', message, code }
import init, * as doctor from '../xapi-doctor/web.js';

const PROGRESS_EVERY_MS = 60;

async function scan(file) {
  await init();
  const t0 = performance.now();
  const total = file.size;
  let bytes = 0;
  let last = 0;
  let next = 0; // the next whole percent to report
  const step = Math.max(1, Math.floor(total / 100));
  const progress = (force) => {
    const now = performance.now();
    if (force || now - last >= PROGRESS_EVERY_MS || bytes >= next) {
      last = now;
      next = (Math.floor(bytes / step) + 1) * step;
      postMessage({ type: 'progress', bytes, total });
    }
  };
  progress(true);
  const reader = file.stream().getReader();

  const scanner = new doctor.SmlogScanner();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      scanner.push(value);
      bytes += value.byteLength;
      progress(false);
    }
    progress(true);
    postMessage({ type: 'stage', text: 'Assembling the report…' });
    const report = scanner.finish();
    postMessage({ type: 'done', report, ms: performance.now() - t0 });
  } finally {
    try {
      scanner.free?.();
    } catch {
      // already released by finish()
    }
  }
}

self.onmessage = async (event) => {
  const { type, file } = event.data ?? {};
  if (type !== 'scan') return;
  try {
    await scan(file);
  } catch (error) {
    postMessage({ type: 'error', message: String(error?.message ?? error), code: error?.code ?? null });
  }
};
