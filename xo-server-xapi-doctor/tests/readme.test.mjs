// The README's example report is exactly what the plugin sends for that run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { exampleReport } from './example-report.mjs';

process.env.XO_XAPI_DOCTOR_QUIET = '1';

test("the README's example report is the plugin's output", async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = readme.match(/<!-- example-report:start -->\n~~~~markdown\n([\s\S]*?)\n~~~~\n<!-- example-report:end -->/);
  assert.ok(block, 'the README has the example block');
  const mail = await exampleReport();
  assert.equal(block[1], `Subject: ${mail.subject}\n\n${mail.markdown}`, 'run `node xo-server-xapi-doctor/tests/example-report.mjs` and paste its output into the README');
});
