// Prints the e-mail the plugin sends for a run where one VM was skipped by chain protection and
// one failed with SR_BACKEND_FAILURE_44 (the example in the README; `readme.test.mjs` checks
// that the README shows exactly this). Usage: node tests/example-report.mjs [--compact]
import factory from '../index.js';
import { createFakeXo, addTransports } from './fake-xo.mjs';
import { scenario } from './fixtures.mjs';

export async function exampleReport({ detail = 'full' } = {}) {
  const s = scenario();
  const mixed = s.logs[s.runs.mixed];
  const keep = new Set([s.ids.web01, s.ids.db01, s.ids.web02]);
  const log = { ...mixed, tasks: mixed.tasks.filter((t) => keep.has(t.data.id)) };
  const xo = createFakeXo({ ...s, logs: { [log.id]: log } });
  addTransports(xo);
  const plugin = factory({ xo });
  plugin.configure({ toMails: ['ops@example.org'], delaySeconds: 0, detail });
  plugin.load();
  await plugin.reportRun(log.id);
  plugin.unload();
  return xo.sent.find((m) => m.transport === 'email');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mail = await exampleReport({ detail: process.argv.includes('--compact') ? 'compact' : 'full' });
  console.log(`Subject: ${mail.subject}\n\n${mail.markdown}`);
}
