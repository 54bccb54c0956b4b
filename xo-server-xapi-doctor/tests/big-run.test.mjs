// A run of 200 VMs, as a large pool's nightly job: the time from `job:terminated` to the report,
// and the longest the plugin holds xo-server's event loop meanwhile (it yields between tasks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import factory from '../index.js';
import { createFakeXo, addTransports } from './fake-xo.mjs';
import { bigRun } from './fixtures.mjs';

process.env.XO_XAPI_DOCTOR_QUIET = '1';

test('a 200-VM run: every problem diagnosed, the report sent, the event loop never held long', async () => {
  const run = bigRun(200);
  const xo = createFakeXo(run);
  addTransports(xo);
  const plugin = factory({ xo });
  plugin.configure({ toMails: ['ops@example.org'], delaySeconds: 0 });
  plugin.load();
  // Warm-up on the same run (the first call compiles the library's code paths).
  await plugin.diagnoseRunById(run.runId);

  const histogram = monitorEventLoopDelay({ resolution: 2 });
  histogram.enable();
  const started = performance.now();
  xo.emit('job:terminated', run.runId, { type: 'backup' });
  while (!xo.sent.some((m) => m.transport === 'email')) await sleep(1);
  const elapsed = performance.now() - started;
  histogram.disable();
  const maxBlockMs = histogram.max / 1e6;

  const d = await plugin.diagnoseRunById(run.runId);
  assert.deepEqual(d.counts, { vms: 200, failed: run.expected.failed, skipped: run.expected.skipped, interrupted: run.expected.interrupted, succeeded: run.expected.succeeded });
  assert.equal(d.problems.length, run.expected.failed + run.expected.skipped + run.expected.interrupted);
  const skipped = d.problems.filter((p) => p.status === 'skipped');
  assert.ok(skipped.every((p) => p.chain?.wouldSkipNow === true && p.chain.trippedBy !== null), 'each skip explained by the live chain');
  assert.ok(d.problems.filter((p) => p.status === 'failure').every((p) => p.findings[0]?.rule === 'SR044'));
  const mail = xo.sent.find((m) => m.transport === 'email').markdown;
  assert.equal((mail.match(/Same cause and steps as above/g) ?? []).length > 0, true, 'repeated findings are shown once in full');
  console.log(`# 200-VM run: report sent ${elapsed.toFixed(0)} ms after job:terminated (diagnosis ${d.diagnosedInMs} ms), longest event-loop delay ${maxBlockMs.toFixed(1)} ms, e-mail ${(mail.length / 1024).toFixed(0)} KiB`);
  assert.ok(maxBlockMs < 250, `event loop held ${maxBlockMs} ms`);
  plugin.unload();
});
