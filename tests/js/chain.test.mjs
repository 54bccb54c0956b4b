// The chain check and the space plan through the built package (pkg/node.mjs): Xen
// Orchestra's worked examples, both record shapes, a space plan, diagnose() routing, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkVdiChains, planSnapshotSpace, diagnose, listRules } from '../../pkg/node.mjs';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

// XAPI records: VDIs as [uuid, managed, isSnapshot, parent], one SR, one VM using `disks`.
function xapiRecords(vdis, disks) {
  const VDI = {};
  for (const [uuid, managed, snap, parent] of vdis) {
    VDI[`OpaqueRef:${uuid}`] = {
      uuid,
      name_label: uuid,
      managed,
      is_a_snapshot: snap,
      SR: 'OpaqueRef:sr',
      sm_config: parent ? { 'vhd-parent': parent } : {},
      virtual_size: String(10 * GIB),
      physical_utilisation: String(GIB),
    };
  }
  const VBD = {};
  disks.forEach((d, i) => {
    VBD[`OpaqueRef:vbd${i}`] = { VM: 'OpaqueRef:vm', VDI: `OpaqueRef:${d}`, type: 'Disk' };
  });
  return {
    VM: { 'OpaqueRef:vm': { uuid: 'vm-uuid', name_label: 'web-01', VBDs: Object.keys(VBD) } },
    VBD,
    VDI,
    SR: { 'OpaqueRef:sr': { uuid: 'sr-uuid', name_label: 'Local storage', type: 'lvm', VDIs: Object.keys(VDI) } },
  };
}

// The same as xo-server objects.
function xoObjects(vdis, disks) {
  return {
    VM: [{ type: 'VM', id: 'vm-uuid', uuid: 'vm-uuid', name_label: 'web-01', $VBDs: disks.map((_, i) => `vbd${i}`) }],
    VBD: disks.map((d, i) => ({ type: 'VBD', id: `vbd${i}`, uuid: `vbd${i}`, VM: 'vm-uuid', VDI: d, is_cd_drive: false })),
    VDI: vdis.map(([uuid, managed, snap, parent]) => ({
      type: !managed ? 'VDI-unmanaged' : snap ? 'VDI-snapshot' : 'VDI',
      id: uuid,
      uuid,
      parent,
      $SR: 'sr-uuid',
      size: 10 * GIB,
      usage: GIB,
    })),
    SR: [{ type: 'SR', id: 'sr-uuid', uuid: 'sr-uuid', name_label: 'Local storage', SR_type: 'lvm' }],
  };
}

const TWO_PENDING = [
  ['R', false, false, undefined],
  ['B1', false, false, 'R'],
  ['B2', false, false, 'B1'],
  ['L', true, false, 'B2'],
  ['S2', true, true, 'B2'],
];

test('a pending leaf coalesce passes with tolerance 0 and 1', () => {
  const vdis = [['B1', false, false, undefined], ['L', true, false, 'B1']];
  for (const tolerance of [0, 1]) {
    for (const records of [xapiRecords(vdis, ['L']), xoObjects(vdis, ['L'])]) {
      const r = checkVdiChains(records, { tolerance });
      assert.equal(r.vms[0].wouldSkip, false);
      assert.equal(r.vms[0].trippedBy, null);
      assert.equal(r.vms[0].disks[0].pendingLeafCoalesce, 1);
      assert.equal(r.vms[0].disks[0].depth, 2);
      assert.equal(r.vms[0].disks[0].snapshotsLeft, 28);
    }
  }
});

test('two pending non-leaf coalesces: skipped with tolerance 0 and 1, not 2', () => {
  for (const records of [xapiRecords(TWO_PENDING, ['L']), xoObjects(TWO_PENDING, ['L'])]) {
    let r = checkVdiChains(records, { tolerance: 0 });
    assert.equal(r.vms[0].wouldSkip, true);
    assert.equal(r.vms[0].trippedBy, 'B1');
    r = checkVdiChains(records, { tolerance: 1 });
    assert.deepEqual(
      { wouldSkip: r.vms[0].wouldSkip, trippedBy: r.vms[0].trippedBy, trippedDisk: r.vms[0].trippedDisk },
      { wouldSkip: true, trippedBy: 'R', trippedDisk: 'L' },
    );
    assert.equal(r.tolerance, 1);
    const finding = r.findings.find((f) => f.rule === 'CH001');
    assert.ok(finding, 'CH001');
    assert.equal(finding.subject.vmUuid, 'vm-uuid');
    assert.equal(finding.params.trippedBy, 'R');
    assert.ok(finding.remediation.some((s) => s.command === 'xe sr-scan uuid=sr-uuid'));
    const node = r.graph.nodes.find((n) => n.id === 'R');
    assert.ok(node.flags.includes('trippedProtection') && node.flags.includes('pendingCoalesce'));
    assert.ok(r.graph.edges.some((e) => e.from === 'B1' && e.to === 'R'));
    r = checkVdiChains(records, { tolerance: 2 });
    assert.equal(r.vms[0].wouldSkip, false);
    assert.equal(checkVdiChains(records, { graph: false }).graph, null);
    // Defaults: absent, undefined and null mean 1.
    assert.equal(checkVdiChains(records).vms[0].trippedBy, 'R');
    assert.equal(checkVdiChains(records, { tolerance: undefined }).vms[0].trippedBy, 'R');
    assert.equal(checkVdiChains(records, { tolerance: null }).tolerance, 1);
    // Xen Orchestra without maxUncoalescedVdis (NaN), or a non-numeric value: never trips.
    for (const tolerance of [NaN, 'abc', Infinity]) {
      const n = checkVdiChains(records, { tolerance });
      assert.equal(n.vms[0].wouldSkip, false, String(tolerance));
      assert.equal(n.tolerance, null);
    }
    // JavaScript conversions: "2" is 2, 0.5 behaves as 1, -1 as 0.
    assert.equal(checkVdiChains(records, { tolerance: '2' }).vms[0].wouldSkip, false);
    assert.equal(checkVdiChains(records, { tolerance: 0.5 }).vms[0].trippedBy, 'R');
    assert.equal(checkVdiChains(records, { tolerance: -1 }).vms[0].trippedBy, 'B1');
  }
});

test("the SR's VDIs to coalesce: Xen Orchestra's cached-object quirk is reproduced and explained", () => {
  const vdis = [
    ['L', true, false, 'B2'],
    ['M', true, false, 'C1'],
    ['R', false, false, undefined],
    ['B1', false, false, 'R'],
    ['B2', false, false, 'B1'],
    ['S', true, true, 'B2'],
    ['C1', false, false, 'R'],
    ['S3', true, true, 'C1'],
  ];
  const r = checkVdiChains(xapiRecords(vdis, ['L', 'M']));
  assert.equal(r.srs[0].vdisToCoalesce, 1);
  assert.equal(r.srs[0].xoVdisToCoalesce, 1);
  const len = (id) => r.graph.nodes.find((n) => n.id === id).xoUnhealthyLength;
  assert.equal(len('L'), 1);
  assert.equal(len('M'), 1);
  assert.match(r.srs[0].xoDifference, /per-disk lengths/);
});

test('records JSON text, missing parents, loops and warnings', () => {
  const records = xapiRecords(
    [
      ['L', true, false, 'gone'],
      ['A', false, false, 'B'],
      ['B', false, false, 'A'],
    ],
    ['L', 'nowhere'],
  );
  const r = checkVdiChains(JSON.stringify(records));
  assert.equal(r.vms[0].disks.length, 1);
  assert.equal(r.vms[0].disks[0].missingParent, 'gone');
  assert.ok(r.warnings.some((w) => w.kind === 'dangling_ref' && w.table === 'VBD'));
  const rules = r.findings.map((f) => f.rule);
  assert.ok(rules.includes('CH003') && rules.includes('CH004'), rules.join());
  // No disk leads into the loop, so Xen Orchestra's SR count finishes; it counts the missing parent.
  assert.equal(r.srs[0].xoVdisToCoalesce, 1);
  assert.equal(r.srs[0].vdisToCoalesce, 0);
  assert.match(r.srs[0].xoDifference, /missing parent/);
  assert.equal(r.srs[0].cycles, 1);
  assert.ok(r.graph.nodes.some((n) => n.kind === 'missing' && n.id === 'gone'));
  assert.ok(r.graph.nodes.find((n) => n.id === 'A').flags.includes('inCycle'));
});

test('planSnapshotSpace: a thick SR, by the storage manager formulas', () => {
  const plan = planSnapshotSpace({
    sr: { uuid: 'sr-1', name_label: 'iSCSI', type: 'lvmoiscsi', physical_size: String(100 * GIB), physical_utilisation: 75 * GIB },
    vdis: [
      { uuid: 'd20', name_label: 'db data', virtual_size: String(20 * GIB) },
      { uuid: 'd10', name_label: 'web disk', virtual_size: 10 * GIB },
    ],
    concurrency: 2,
  });
  // 20 GiB: + 48 MiB inflated overhead + 16 MiB; 10 GiB: + 28 MiB + 16 MiB.
  assert.deepEqual(
    plan.perVdi.map((v) => [v.uuid, v.requiredBytes]),
    [
      ['d20', 20 * GIB + 64 * MIB],
      ['d10', 10 * GIB + 44 * MIB],
    ],
  );
  assert.equal(plan.requiredBytes, 30 * GIB + 108 * MIB);
  assert.equal(plan.freeBytes, 25 * GIB);
  assert.equal(plan.fits, false);
  assert.equal(plan.maxConcurrency, 1);
  assert.equal(plan.provisioning, 'thick');
  const f = plan.findings.find((x) => x.rule === 'SP001');
  assert.ok(f);
  assert.deepEqual(f.codes, ['SR_BACKEND_FAILURE_44']);
  assert.equal(f.subject.srUuid, 'sr-1');
});

test('planSnapshotSpace: a thin SR needs two empty VHDs per disk', () => {
  const plan = planSnapshotSpace({
    sr: { type: 'SR', uuid: 'nfs', SR_type: 'nfs', size: 100 * GIB, physical_usage: 99 * GIB },
    vdis: [{ type: 'VDI', uuid: 'd10', size: 10 * GIB }],
  });
  assert.equal(plan.provisioning, 'thin');
  assert.equal(plan.requiredBytes, 2 * 24576);
  assert.equal(plan.fits, true);
  assert.equal(plan.maxConcurrency, 1);
  assert.deepEqual(plan.findings, []);
});

test('diagnose routes records to the chain check and { sr, vdis } to the space plan', () => {
  const d = diagnose(xapiRecords(TWO_PENDING, ['L']));
  assert.equal(d.kind, 'records');
  assert.ok(d.chains && d.chains.vms[0].wouldSkip);
  assert.equal(d.spacePlan, null);
  assert.ok(d.findings.some((f) => f.rule === 'CH001'));
  for (const rule of listRules().filter((x) => x.id.startsWith('CH') || x.id.startsWith('SP'))) {
    const got = diagnose(rule.example);
    assert.ok(
      got.findings.some((f) => f.rule === rule.id),
      `${rule.id}: ${got.findings.map((f) => f.rule).join()}`,
    );
  }
});

test('errors carry a stable code', () => {
  const expectCode = (fn, code) =>
    assert.throws(fn, (e) => {
      assert.ok(e instanceof Error);
      assert.equal(e.code, code);
      return true;
    });
  expectCode(() => checkVdiChains([]), 'INVALID_RECORDS');
  expectCode(() => checkVdiChains({ VM: {} }), 'INVALID_RECORDS');
  expectCode(() => checkVdiChains(42), 'INVALID_RECORDS');
  expectCode(() => checkVdiChains('{not json'), 'INVALID_RECORDS');
  expectCode(() => checkVdiChains({ VDI: {} }, [1]), 'INVALID_OPTIONS');
  const cyclic = { VDI: {} };
  cyclic.VDI.self = cyclic;
  expectCode(() => checkVdiChains(cyclic), 'INVALID_RECORDS');
  expectCode(() => planSnapshotSpace({ vdis: [] }), 'INVALID_RECORDS');
  expectCode(() => planSnapshotSpace({ sr: {}, vdis: [], concurrency: 0 }), 'INVALID_INPUT');
  // The instance survives errors.
  assert.equal(checkVdiChains({ VDI: [] }).vms.length, 0);
});

test('absurd sizes serialise as numbers and do not throw', () => {
  const plan = planSnapshotSpace({
    sr: { type: 'lvm', physical_size: '18446744073709551615', physical_utilisation: 0 },
    vdis: [{ uuid: 'x', virtual_size: '18446744073709551615' }, { uuid: 'y', virtual_size: -1 }],
  });
  assert.equal(typeof plan.perVdi[0].requiredBytes, 'number');
  assert.equal(plan.perVdi[1].requiredBytes, null);
  assert.ok(plan.warnings.some((w) => w.kind === 'absurd_value'));
});

test('result objects have exactly the keys of the TypeScript types', () => {
  const keys = (o) => Object.keys(o).sort().join(',');
  const r = checkVdiChains(xapiRecords(TWO_PENDING, ['L', 'nowhere']));
  assert.equal(keys(r), 'chainLimit,findings,graph,srs,stats,tolerance,vms,warnings,warningsOmitted');
  assert.equal(keys(r.vms[0]), 'checkNeverEnds,disks,nameLabel,ref,trippedBy,trippedDisk,uuid,wouldSkip');
  assert.equal(
    keys(r.vms[0].disks[0]),
    'branchPoints,checkNeverEnds,cycle,depth,depthAfterCoalesce,id,missingParent,nameLabel,pendingCoalesce,' +
      'pendingLeafCoalesce,snapshotsLeft,sr,trippedBy,vbdType,vdi,wouldSkip',
  );
  assert.equal(
    keys(r.srs[0]),
    'branchPoints,cycles,freeBytes,id,inRecords,missingParents,nameLabel,orphanBytes,orphans,pendingCoalesce,' +
      'pendingLeafCoalesce,physicalSize,physicalUtilisation,srType,unreclaimedBytes,uuid,vdiCount,vdisToCoalesce,' +
      'visibleBytes,xoDifference,xoVdisToCoalesce',
  );
  assert.equal(keys(r.graph), 'edges,nodes');
  assert.equal(
    keys(r.graph.nodes[0]),
    'children,depth,flags,id,kind,label,managed,physicalUtilisation,sr,uuid,virtualSize,vms,xoUnhealthyLength',
  );
  assert.equal(keys(r.graph.edges[0]), 'from,to');
  assert.equal(keys(r.warnings[0]), 'field,kind,message,record,table');
  assert.equal(keys(r.stats), 'srs,vbds,vdis,vms');
  const p = planSnapshotSpace({ sr: { type: 'lvm' }, vdis: [{ uuid: 'x', virtual_size: 1 }] });
  assert.equal(
    keys(p),
    'concurrency,findings,fits,freeBytes,maxConcurrency,perVdi,physicalSize,physicalUtilisation,provisioning,' +
      'requiredBytes,srName,srType,srUuid,unreclaimedBytes,warnings',
  );
  assert.equal(keys(p.perVdi[0]), 'nameLabel,requiredBytes,uuid,virtualSize');
  // Absent values are null, never undefined.
  assert.equal(p.freeBytes, null);
  assert.equal(r.vms[0].disks[0].missingParent, null);
});

test('browser entry: NOT_INITIALIZED before init(), then the same results', async () => {
  const web = await import('../../pkg/web.js');
  for (const call of [() => web.checkVdiChains({ VDI: [] }), () => web.planSnapshotSpace({ sr: {}, vdis: [] })]) {
    assert.throws(call, (e) => e.code === 'NOT_INITIALIZED');
  }
  const { readFile } = await import('node:fs/promises');
  await web.init(await readFile(new URL('../../pkg/dist/xapi_doctor_bg.wasm', import.meta.url)));
  const r = web.checkVdiChains(xapiRecords(TWO_PENDING, ['L']));
  assert.equal(r.vms[0].trippedBy, 'R');
  assert.equal(web.planSnapshotSpace({ sr: { type: 'nfs' }, vdis: [{ virtual_size: 10 * GIB }] }).requiredBytes, 2 * 24576);
});

test('a 100,000-image chain and a loop closing it: no stack overflow in WebAssembly', () => {
  const n = 100000;
  const VDI = new Array(n + 1);
  for (let i = 0; i < n; i++) VDI[i] = { type: 'VDI-unmanaged', uuid: `b${i}`, parent: i > 0 ? `b${i - 1}` : undefined, $SR: 'sr' };
  VDI[n] = { type: 'VDI', uuid: 'leaf', parent: `b${n - 1}`, $SR: 'sr' };
  const records = { VM: [{ type: 'VM', uuid: 'vm', $VBDs: ['vbd'] }], VBD: [{ uuid: 'vbd', VM: 'vm', VDI: 'leaf' }], VDI, SR: [{ type: 'SR', uuid: 'sr', SR_type: 'ext' }] };
  let r = checkVdiChains(records, { tolerance: 50000, graph: false });
  assert.equal(r.vms[0].disks[0].depth, n + 1);
  assert.equal(r.vms[0].trippedBy, 'b49998');
  assert.equal(r.srs[0].xoVdisToCoalesce, n);
  VDI[0].parent = 'leaf';
  r = checkVdiChains(records, { graph: false });
  assert.equal(r.vms[0].disks[0].cycle, true);
  assert.equal(r.srs[0].xoVdisToCoalesce, null);
  assert.ok(r.findings.some((f) => f.rule === 'CH004'));
});
