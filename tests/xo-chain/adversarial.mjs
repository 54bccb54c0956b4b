// Hand-written pools, each named, run before the random ones. Each states what Xen Orchestra's
// check does on it, worked out by hand from `_assertHealthyVdiChain` (so the harness is shown to
// run the real thing, not merely to agree with itself), and the plugin must say the same.
//
// Notation in the comments: `L` a disk (managed leaf), `S` a snapshot, `B`/`R` base copies
// (unmanaged), `X ← {a, b}` "a and b have X as vhd-parent"; "counted" is a base copy whose only
// child in its SR is another base copy (a pending non-leaf coalesce).
//
// `limit` marks the shapes on which the plugin cannot agree by construction, with the reason
// and what it says instead: the test checks that the difference is exactly that one and
// reports it apart, not as an agreement.
import { makeRng, PoolBuilder } from './pools.mjs';

const NULL_REF = 'OpaqueRef:NULL';

/** A pool with one SR; `build(b, sr)` adds VDIs and VMs and returns `{ vmName: xoOutcome }`. */
function pool(name, build, { tolerance = 1, toleranceFrom = 'argument', srs = 1, limit } = {}) {
  return () => {
    const b = new PoolBuilder(makeRng(name.length * 7919 + name.charCodeAt(0)), name);
    const srRefs = Array.from({ length: srs }, (_, i) => b.sr({ type: i === 0 ? 'lvmoiscsi' : 'nfs', name: `SR ${i + 1}` }));
    const expected = build(b, ...srRefs);
    return { name, seed: null, tolerance, toleranceFrom, mutations: [], records: b.records, expected, limit };
  };
}

/** A VM named `name` with a VBD per disk (VDI refs, `NULL_REF`, or a deleted VDI's ref). */
function vm(b, name, disks, { cd } = {}) {
  const ref = b.vm({ name });
  for (const disk of disks) b.vbd(ref, disk);
  if (cd !== undefined) b.vbd(ref, cd, { type: 'CD' });
  return ref;
}

/** `L → B2 → B1 → R` with `R ← {B1}`, `B1 ← {B2}` (two counted) and a snapshot beside L. */
function twoPending(b, sr, name = 'disk') {
  const r = b.vdi(sr, { name: 'R', managed: false });
  const b1 = b.vdi(sr, { name: 'B1', managed: false, parent: r });
  const b2 = b.vdi(sr, { name: 'B2', managed: false, parent: b1 });
  const l = b.vdi(sr, { name, parent: b2 });
  b.vdi(sr, { name: 'S', parent: b2, snapshotOf: l });
  return { r, b1, b2, l };
}

export const ADVERSARIAL = [
  pool('healthy: a disk on two base copies, snapshots on both (branch points)', (b, sr) => {
    const r = b.vdi(sr, { name: 'R', managed: false });
    const b1 = b.vdi(sr, { name: 'B', managed: false, parent: r });
    b.vdi(sr, { name: 'C (a fast clone)', parent: r });
    const l = b.vdi(sr, { name: 'L', parent: b1 });
    b.vdi(sr, { name: 'S2', parent: b1, snapshotOf: l });
    vm(b, 'web', [l]);
    return { web: 'pass' };
  }, { tolerance: 0 }),

  pool('a pending leaf coalesce (a base copy with only the disk on it) is ignored', (b, sr) => {
    const base = b.vdi(sr, { name: 'B', managed: false });
    vm(b, 'db', [b.vdi(sr, { name: 'L', parent: base })]);
    return { db: 'pass' };
  }, { tolerance: 0 }),

  pool('one pending coalesce, tolerance 0: skipped', (b, sr) => {
    const r = b.vdi(sr, { name: 'R', managed: false });
    const b1 = b.vdi(sr, { name: 'B', managed: false, parent: r });
    const l = b.vdi(sr, { name: 'L', parent: b1 });
    b.vdi(sr, { name: 'S', parent: b1, snapshotOf: l });
    vm(b, 'mail', [l]);
    return { mail: 'skip' };
  }, { tolerance: 0 }),

  pool('one pending coalesce, tolerance 1: not skipped', (b, sr) => {
    const r = b.vdi(sr, { name: 'R', managed: false });
    const b1 = b.vdi(sr, { name: 'B', managed: false, parent: r });
    const l = b.vdi(sr, { name: 'L', parent: b1 });
    b.vdi(sr, { name: 'S', parent: b1, snapshotOf: l });
    vm(b, 'mail', [l]);
    return { mail: 'pass' };
  }),

  pool("two pending coalesces, tolerance 1: skipped at the second (Xen Orchestra's worked example)", (b, sr) => {
    vm(b, 'erp', [twoPending(b, sr).l]);
    return { erp: 'skip' };
  }),

  pool('two pending coalesces, tolerance 2: not skipped', (b, sr) => {
    vm(b, 'erp', [twoPending(b, sr).l]);
    return { erp: 'pass' };
  }, { tolerance: 2 }),

  pool('tolerance NaN (a missing maxUncoalescedVdis): never skips', (b, sr) => {
    vm(b, 'erp', [twoPending(b, sr).l]);
    return { erp: 'pass' };
  }, { tolerance: { number: 'NaN' } }),

  pool('tolerance Infinity: never skips', (b, sr) => {
    vm(b, 'erp', [twoPending(b, sr).l]);
    return { erp: 'pass' };
  }, { tolerance: { number: 'Infinity' } }),

  pool('tolerance "1" (a string): converted as JavaScript does, skipped', (b, sr) => {
    vm(b, 'erp', [twoPending(b, sr).l]);
    return { erp: 'skip' };
  }, { tolerance: '1' }),

  pool('tolerance 0.5: rounds up, skipped at the second', (b, sr) => {
    vm(b, 'erp', [twoPending(b, sr).l]);
    return { erp: 'skip' };
  }, { tolerance: 0.5 }),

  pool('tolerance 0 from the configuration (maxUncoalescedVdis), as backups read it', (b, sr) => {
    const { l } = twoPending(b, sr);
    vm(b, 'erp', [l]);
    return { erp: 'skip' };
  }, { tolerance: 0, toleranceFrom: 'config' }),

  pool('tolerance 2 from the configuration', (b, sr) => {
    vm(b, 'erp', [twoPending(b, sr).l]);
    return { erp: 'pass' };
  }, { tolerance: 2, toleranceFrom: 'config' }),

  pool('missing parent: the walk stops there and the chain passes', (b, sr) => {
    const l = b.vdi(sr, { name: 'L', parent: b.rng.uuid() });
    vm(b, 'app', [l]);
    return { app: 'pass' };
  }, { tolerance: 0 }),

  pool('missing parent above a pending coalesce: counted before the walk stops', (b, sr) => {
    const b1 = b.vdi(sr, { name: 'B1', managed: false, parent: b.rng.uuid() });
    const b2 = b.vdi(sr, { name: 'B2', managed: false, parent: b1 });
    const l = b.vdi(sr, { name: 'L', parent: b2 });
    b.vdi(sr, { name: 'S', parent: b2, snapshotOf: l });
    vm(b, 'app', [l]);
    return { app: 'skip' };
  }, { tolerance: 0 }),

  pool('a VBD to a deleted VDI: Xen Orchestra cannot fetch it and passes the disk', (b, sr) => {
    const gone = b.vdi(sr, { name: 'deleted disk' });
    vm(b, 'old', [gone]);
    b.destroyVdi(gone, { keepVbds: true });
    return { old: 'pass' };
  }, { tolerance: 0 }),

  pool('an empty CD drive and an ISO are walked and pass', (b, sr) => {
    const iso = b.sr({ type: 'iso', name: 'ISO', contentType: 'iso' });
    const disk = b.vdi(sr, { name: 'L' });
    vm(b, 'cd-empty', [disk], { cd: NULL_REF });
    vm(b, 'cd-iso', [b.vdi(sr, { name: 'L2' })], { cd: b.vdi(iso, { name: 'debian.iso', iso: true }) });
    return { 'cd-empty': 'pass', 'cd-iso': 'pass' };
  }, { tolerance: 0 }),

  pool('two VBDs to the same VDI: checked once', (b, sr) => {
    const { l } = twoPending(b, sr);
    const ref = vm(b, 'twice', [l]);
    b.vbd(ref, l, { mode: 'RO' });
    return { twice: 'skip' };
  }),

  pool('disks on two SRs: the second disk trips', (b, sr1, sr2) => {
    const healthy = b.vdi(sr1, { name: 'system' });
    vm(b, 'split', [healthy, twoPending(b, sr2, 'data').l]);
    return { split: 'skip' };
  }, { srs: 2 }),

  pool('leaf-only SR: raw disks without chains', (b, sr) => {
    const disks = [0, 1, 2].map((i) => b.vdi(sr, { name: `raw ${i}` }));
    for (const d of disks) b.records.VDI[d].sm_config = { vdi_type: 'aio' };
    vm(b, 'raw', disks);
    return { raw: 'pass' };
  }, { tolerance: 0 }),

  pool('a snapshot interrupted before its base was hidden: a managed base is not counted', (b, sr) => {
    const r = b.vdi(sr, { name: 'R', managed: false });
    const o = b.vdi(sr, { name: 'O (managed, not hidden)', parent: r });
    vm(b, 'half', [b.vdi(sr, { name: 'L', parent: o })]);
    return { half: 'pass' };
  }, { tolerance: 0 }),

  pool('self loop on a base copy (two children: itself and the disk): never ends', (b, sr) => {
    const base = b.vdi(sr, { name: 'B', managed: false });
    b.setParent(base, base);
    vm(b, 'loop1', [b.vdi(sr, { name: 'L', parent: base })]);
    return { loop1: 'never-ends' };
  }),

  pool('two base copies in a loop, one the only child of the other: trips on the second lap', (b, sr) => {
    const a = b.vdi(sr, { name: 'A', managed: false });
    const c = b.vdi(sr, { name: 'C', managed: false, parent: a });
    b.setParent(a, c);
    vm(b, 'loop2', [b.vdi(sr, { name: 'L', parent: a })]);
    return { loop2: 'skip' };
  }),

  pool('the same loop with tolerance NaN: never ends', (b, sr) => {
    const a = b.vdi(sr, { name: 'A', managed: false });
    const c = b.vdi(sr, { name: 'C', managed: false, parent: a });
    b.setParent(a, c);
    vm(b, 'loop2', [b.vdi(sr, { name: 'L', parent: a })]);
    return { loop2: 'never-ends' };
  }, { tolerance: { number: 'NaN' } }),

  pool('a long loop through the disk itself, tolerance 3: trips on the second lap', (b, sr) => {
    // L → B1 → B2 → B3 → L: B2 and B3 counted, B1's only child is the disk
    const b3 = b.vdi(sr, { name: 'B3', managed: false });
    const b2 = b.vdi(sr, { name: 'B2', managed: false, parent: b3 });
    const b1 = b.vdi(sr, { name: 'B1', managed: false, parent: b2 });
    const l = b.vdi(sr, { name: 'L', parent: b1 });
    b.setParent(b3, l);
    vm(b, 'loop4', [l]);
    return { loop4: 'skip' };
  }, { tolerance: 3 }),

  pool('a loop of managed VDIs only: recursion without an await until the stack overflows', (b, sr) => {
    const l1 = b.vdi(sr, { name: 'L1' });
    const l2 = b.vdi(sr, { name: 'L2', parent: l1 });
    b.setParent(l1, l2);
    vm(b, 'managed-loop', [l1]);
    return { 'managed-loop': 'never-ends' };
  }),

  pool('VBD order matters: a tripping disk first skips; a looping disk first never ends', (b, sr) => {
    const { l } = twoPending(b, sr, 'tripping');
    const base = b.vdi(sr, { name: 'looping base', managed: false });
    b.setParent(base, base);
    const looping = b.vdi(sr, { name: 'looping', parent: base });
    vm(b, 'trip-first', [l, looping]);
    vm(b, 'loop-first', [looping, l]);
    return { 'trip-first': 'skip', 'loop-first': 'never-ends' };
  }),

  pool("a chain across two SRs: Xen Orchestra follows vhd-parent into the other SR", (b, sr1, sr2) => {
    // the disk on SR 1, its base copies on SR 2 (no storage manager does this; damaged records can)
    const { b2 } = twoPending(b, sr2, 'unused');
    const l = b.vdi(sr1, { name: 'L', parent: b2 });
    vm(b, 'across', [l]);
    return { across: 'skip' };
  }, { srs: 2 }),

  pool('an unmanaged snapshot whose only child is a base copy', (b, sr) => {
    // XAPI and the storage manager do not make one: SM introduces base copies with
    // is_a_snapshot false (xcp-ng/sm drivers/LVHDSR.py, VDI.py `_db_introduce`).
    const s = b.vdi(sr, { name: 'S (unmanaged)', snapshotOf: null, managed: false });
    b.records.VDI[s].is_a_snapshot = true;
    const base = b.vdi(sr, { name: 'B', managed: false, parent: s });
    const l = b.vdi(sr, { name: 'L', parent: base });
    b.vdi(sr, { name: 'S2', parent: base, snapshotOf: l });
    vm(b, 'odd', [l]);
    return { odd: 'skip' };
  }, {
    tolerance: 0,
    limit: {
      plugin: 'pass',
      reason: "xo-server's VDI object has no `managed`: an unmanaged snapshot becomes `VDI-snapshot`, which reads as managed",
    },
  }),
].map((make) => make());
