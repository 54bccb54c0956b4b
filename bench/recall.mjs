#!/usr/bin/env node
// Scores the SMlog analysis against the generator's ground truth (gen_smlog.py --episodes-json):
// recall per episode kind, and false alarms (a failure — critical, error or warning — reported on
// a line that belongs to no injected episode, e.g. on benign noise).
//
//   node bench/recall.mjs LOG EPISODES.json
//
// An episode counts as found when the timeline has an entry of the expected kind (and XAPI code)
// whose first line lies within the episode's lines and whose pid is one of the episode's pids.
import { readFileSync } from 'node:fs';
import { openSync, readSync, closeSync } from 'node:fs';
import { SmlogScanner } from '../pkg/node.mjs';

// Generator kind -> [timeline kind, XAPI code or null]; the same table as tests/smlog_generator.rs.
const EXPECTED = {
  snapshot_chain_too_long: ['sm_error', 'SR_BACKEND_FAILURE_109'],
  snapshot_no_space: ['sm_error', 'SR_BACKEND_FAILURE_44'],
  clone_enospc_file: ['sm_error', 'SR_BACKEND_FAILURE_81'],
  snapshot_pause_failed: ['sm_error', 'SR_BACKEND_FAILURE_82'],
  gc_coalesce_failed: ['coalesce_failed', null],
  gc_coalesce_enospc: ['coalesce_out_of_space', null],
  gc_vhd_corrupted: ['vhd_corrupted', null],
  gc_leaf_coalesce_gave_up: ['leaf_coalesce_gave_up', null],
  gc_leaf_snapshot_failed: ['leaf_coalesce_failed', null],
  gc_live_leaf_timeout: ['live_leaf_coalesce_timeout', null],
  gc_no_space: ['coalesce_no_space', null],
  gc_no_space_leaf: ['leaf_coalesce_no_space', null],
  gc_sr_lock_timeout: ['gc_lock_timeout', null],
  gc_parent_not_found: ['parent_missing', null],
  vdi_lock_timeout: ['sm_error', 'SR_BACKEND_FAILURE_46'],
  nfs_mount_failed: ['sm_error', 'SR_BACKEND_FAILURE_73'],
  iscsi_login_failed: ['sm_error', 'SR_BACKEND_FAILURE_68'],
  lv_activate_failed: ['sm_error', 'SR_BACKEND_FAILURE_46'],
  lvm_provision_attach: ['sm_error', 'SR_BACKEND_FAILURE_180'],
  tapdisk_failed: ['sm_error', 'SR_BACKEND_FAILURE_453'],
  unpause_failed: ['unpause_failed', null],
  long_lvm_call: ['long_lvm_call', null],
  lvremove_retry: ['lv_busy_retry', null],
};

const [log, truthPath] = process.argv.slice(2);
if (!log || !truthPath) {
  console.error('usage: node bench/recall.mjs LOG EPISODES.json');
  process.exit(2);
}
const truth = JSON.parse(readFileSync(truthPath, 'utf8'));
const scanner = new SmlogScanner();
const buf = Buffer.allocUnsafe(1 << 20);
const fd = openSync(log, 'r');
let n;
while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) scanner.push(buf.subarray(0, n));
closeSync(fd);
const report = scanner.finish();

const within = (e, ep) => e.line >= ep.first_line && e.line <= ep.last_line && (e.pid === null || ep.pids.includes(e.pid));
const perKind = {};
for (const ep of truth.episodes) {
  const k = (perKind[ep.kind] ??= { episodes: 0, found: 0, missed: [] });
  k.episodes++;
  const [kind, code] = EXPECTED[ep.kind] ?? [];
  const hit = report.timeline.some((e) => e.kind === kind && e.code === code && within(e, ep));
  if (hit) k.found++;
  else k.missed.push(ep.first_line);
}
const failure = (e) => e.severity === 'critical' || e.severity === 'error' || e.severity === 'warning';
const falseAlarms = report.timeline.filter((e) => failure(e) && !truth.episodes.some((ep) => within(e, ep)));
const benignFindings = report.findings.filter((f) => f.category === 'benign').map((f) => `${f.rule} x${f.params.occurrences}`);

const rows = Object.entries(perKind).sort();
const total = rows.reduce((a, [, k]) => [a[0] + k.episodes, a[1] + k.found], [0, 0]);
console.log(`file: ${log} (${truth.lines} lines, ${truth.episodes.length} episodes, timeline entries dropped: ${report.stats.timelineDropped})`);
console.log('kind'.padEnd(26), 'episodes'.padStart(8), 'found'.padStart(6), '  missed at lines');
for (const [kind, k] of rows) console.log(kind.padEnd(26), String(k.episodes).padStart(8), String(k.found).padStart(6), ' ', k.missed.slice(0, 5).join(' '));
console.log(`recall: ${total[1]}/${total[0]} episodes, ${rows.filter(([, k]) => k.found > 0).length}/${rows.length} kinds present in the file found`);
console.log(`false alarms (failures outside every episode): ${falseAlarms.length}`);
for (const e of falseAlarms.slice(0, 10)) console.log(`  line ${e.line} pid ${e.pid} ${e.kind}: ${e.text}`);
console.log(`benign noise in the file: ${JSON.stringify(truth.benign_noise)}`);
console.log(`benign findings (information only): ${benignFindings.join(', ') || 'none'}`);
if (total[1] !== total[0] || falseAlarms.length) process.exitCode = 1;
