// Benchmark of checkVdiChains (and planSnapshotSpace) through the built package.
//
//   bash scripts/build.sh && node bench/chain.mjs [VDIS...]     (default: 10000 100000)
//
// Generates one pool of XAPI records (VM, VBD, VDI, SR maps keyed by opaque ref, fields as
// getAllRecords returns them, sizes as strings) with a realistic mix on one SR: VMs with 1–3
// disks, chains with kept snapshots (branch points), base copies waiting for a non-leaf or a
// leaf coalesce, orphaned base copies, a few missing parents — until the SR holds the asked
// number of VDIs. Times checkVdiChains end to end (JS object in, plain objects out: the records
// read into flat arrays, the analysis, the report's conversion; the VMs' and the graph's objects
// are made when `report.vms` and `report.graph` are first read, which "VMs read" and "graph read"
// include), median of several runs after a warm-up.
//
//   node bench/chain.mjs --dump DIR [VDIS]    writes the flat arrays of a pool for
//                                             `cargo run --release --example chain_flat_timing -- DIR`
import { writeFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { checkVdiChains, planSnapshotSpace } from '../pkg/node.mjs';
import { flatRecords, FIELDS } from '../pkg/chain-records.js';

const GIB = 1024 ** 3;

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function uuid(random) {
  const h = () => Math.floor(random() * 16).toString(16);
  const part = (n) => Array.from({ length: n }, h).join('');
  return `${part(8)}-${part(4)}-4${part(3)}-8${part(3)}-${part(12)}`;
}

export function generatePool(targetVdis, seed = 1) {
  const random = rng(seed);
  const VM = {};
  const VBD = {};
  const VDI = {};
  const srRef = 'OpaqueRef:sr-0';
  const srVdis = [];
  let count = 0;
  let refs = 0;
  const ref = (kind) => `OpaqueRef:${kind}-${refs++}`;
  const addVdi = (fields) => {
    const r = ref('vdi');
    const size = (8 + Math.floor(random() * 120)) * GIB;
    VDI[r] = {
      uuid: uuid(random),
      name_label: fields.managed ? fields.name : 'base copy',
      name_description: '',
      allowed_operations: [],
      current_operations: {},
      SR: srRef,
      VBDs: [],
      crash_dumps: [],
      virtual_size: String(size),
      physical_utilisation: String(fields.managed && !fields.snapshot ? size + 8 * 1024 * 1024 : Math.floor(size / 7)),
      type: 'user',
      sharable: false,
      read_only: !fields.managed,
      other_config: {},
      storage_lock: false,
      location: '',
      managed: fields.managed,
      missing: false,
      parent: 'OpaqueRef:NULL',
      xenstore_data: {},
      sm_config: fields.parent ? { 'vhd-parent': fields.parent, vdi_type: 'vhd' } : { vdi_type: 'vhd' },
      is_a_snapshot: fields.snapshot,
      snapshot_of: fields.snapshotOf ?? 'OpaqueRef:NULL',
      snapshots: [],
      snapshot_time: fields.snapshot ? '20260101T00:00:00Z' : '19700101T00:00:00Z',
      tags: [],
      cbt_enabled: false,
    };
    srVdis.push(r);
    count++;
    return r;
  };
  let vmIndex = 0;
  while (count < targetVdis) {
    const vmRef = ref('vm');
    const vmUuid = uuid(random);
    const vbdRefs = [];
    const disks = 1 + Math.floor(random() * 3);
    for (let d = 0; d < disks && count < targetVdis; d++) {
      // The chain, from its root: a base copy, then per kept snapshot a base copy with the
      // snapshot hanging from it, sometimes base copies waiting for a merge.
      let parent = random() < 0.01 ? uuid(random) : undefined; // a missing parent, now and then
      const kept = Math.floor(random() * 4);
      for (let k = 0; k < kept + 1; k++) {
        const base = addVdi({ managed: false, snapshot: false, parent });
        parent = VDI[base].uuid;
        if (k < kept) addVdi({ managed: true, snapshot: true, parent, name: `vm${vmIndex} disk${d} snap${k}` });
        if (random() < 0.08) {
          const pending = addVdi({ managed: false, snapshot: false, parent });
          parent = VDI[pending].uuid;
        }
      }
      const leafHasSibling = random() < 0.7;
      const leaf = addVdi({ managed: true, snapshot: false, parent, name: `vm${vmIndex} disk${d}` });
      if (leafHasSibling) addVdi({ managed: true, snapshot: true, parent, name: `vm${vmIndex} disk${d} last backup` });
      if (random() < 0.03) addVdi({ managed: false, snapshot: false, parent: undefined }); // orphan
      const vbdRef = ref('vbd');
      VBD[vbdRef] = { uuid: uuid(random), VM: vmRef, VDI: leaf, type: 'Disk', mode: 'RW', userdevice: String(d), bootable: d === 0, currently_attached: true };
      VDI[leaf].VBDs.push(vbdRef);
      vbdRefs.push(vbdRef);
    }
    const cd = ref('vbd');
    VBD[cd] = { uuid: uuid(random), VM: vmRef, VDI: 'OpaqueRef:NULL', type: 'CD', mode: 'RO', userdevice: '3', bootable: false, currently_attached: false };
    vbdRefs.push(cd);
    VM[vmRef] = {
      uuid: vmUuid,
      name_label: `vm${vmIndex}`,
      power_state: 'Running',
      is_a_template: false,
      is_a_snapshot: false,
      is_control_domain: false,
      VBDs: vbdRefs,
      snapshots: [],
      other_config: {},
      tags: [],
    };
    vmIndex++;
  }
  const SR = {
    [srRef]: {
      uuid: uuid(random),
      name_label: 'Local storage',
      type: 'lvm',
      content_type: 'user',
      physical_size: String(200 * 1024 * GIB),
      physical_utilisation: String(150 * 1024 * GIB),
      virtual_allocation: '0',
      VDIs: srVdis,
      PBDs: [],
      sm_config: {},
      other_config: {},
      shared: false,
    },
  };
  return { VM, VBD, VDI, SR };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * The anchor of issue 13: Xen Orchestra's chain-protection verdict for every VM, as a plain
 * JavaScript walk over the same XAPI records (written for this benchmark from the algorithm in
 * ../shared/research/xo_chain_protection.md, synchronous, no XAPI calls): per VM, each disk's
 * chain is walked up through `vhd-parent`; an unmanaged VDI whose only child is unmanaged counts
 * against the tolerance. Returns the number of VMs it would skip.
 */
export function plainJsWalk(records, tolerance = 1) {
  const byUuid = new Map();
  const childrenBySr = new Map();
  for (const [ref, vdi] of Object.entries(records.VDI)) {
    byUuid.set(vdi.uuid, vdi);
    void ref;
  }
  const childrenOf = (sr) => {
    let map = childrenBySr.get(sr);
    if (map === undefined) {
      map = new Map();
      for (const vdiRef of records.SR[sr]?.VDIs ?? []) {
        const vdi = records.VDI[vdiRef];
        const parent = vdi?.sm_config?.['vhd-parent'];
        if (parent === undefined) continue;
        const list = map.get(parent);
        if (list === undefined) map.set(parent, [vdi]);
        else list.push(vdi);
      }
      childrenBySr.set(sr, map);
    }
    return map;
  };
  let skipped = 0;
  for (const vm of Object.values(records.VM)) {
    if (vm.is_a_snapshot || vm.is_a_template || vm.is_control_domain) continue;
    let trips = false;
    for (const vbdRef of vm.VBDs) {
      const vdiRef = records.VBD[vbdRef]?.VDI;
      let vdi = vdiRef === undefined || vdiRef === 'OpaqueRef:NULL' ? undefined : records.VDI[vdiRef];
      let left = tolerance;
      for (let steps = 0; vdi !== undefined && steps < 100000 && !trips; steps++) {
        if (!vdi.managed) {
          const children = childrenOf(vdi.SR).get(vdi.uuid);
          if (children !== undefined && children.length === 1 && !children[0].managed && left-- <= 0) trips = true;
        }
        const parent = vdi.sm_config?.['vhd-parent'];
        vdi = parent === undefined ? undefined : byUuid.get(parent);
      }
      if (trips) break;
    }
    if (trips) skipped++;
  }
  return skipped;
}

function time(fn, runs) {
  fn(); // warm-up
  const times = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { median: median(times), min: Math.min(...times), max: Math.max(...times), result };
}

if (import.meta.url !== `file://${process.argv[1]}`) {
  // Imported for generatePool(): do not run the benchmark.
} else main();

function dump(dir, n) {
  const flat = flatRecords(generatePool(n, 42));
  const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  mkdirSync(dir, { recursive: true });
  for (const name of ['words', 'numbers', 'text', 'ends']) writeFileSync(`${dir}/${name}`, bytes(flat[name]));
  writeFileSync(`${dir}/fields`, FIELDS.join('\n'));
}

function main() {
if (process.argv[2] === '--dump') return dump(process.argv[3], Number(process.argv[4] ?? 10000));
const figures = [];
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const n of sizes.length ? sizes : [10000, 100000]) {
  const records = generatePool(n, 42);
  const json = JSON.stringify(records);
  const runs = n >= 100000 ? 5 : 9;
  const stringify = time(() => JSON.stringify(records), runs);
  const check = time(() => checkVdiChains(records), runs);
  const checkText = time(() => checkVdiChains(json), runs);
  const checkNoGraph = time(() => checkVdiChains(records, { graph: false }), runs);
  const checkGraphRead = time(() => checkVdiChains(records).graph.nodes.length, runs);
  // The VMs' objects, like the graph's, are made when first read (pkg/chain-records.js).
  const checkVmsRead = time(() => checkVdiChains(records).vms.length, runs);
  const r = check.result;
  const skipped = r.vms.filter((v) => v.wouldSkip).length;
  const walk = time(() => plainJsWalk(records), runs);
  if (walk.result !== skipped) console.log(`  (the plain JavaScript walk skips ${walk.result} VMs, the check ${skipped})`);
  console.log(
    `${n} VDIs (${Object.keys(records.VM).length} VMs, ${(json.length / 1e6).toFixed(1)} MB of JSON): ` +
      `checkVdiChains(object) median ${check.median.toFixed(1)} ms (min ${check.min.toFixed(1)}, max ${check.max.toFixed(1)}, ${runs} runs); ` +
      `VMs read ${checkVmsRead.median.toFixed(1)} ms; graph read ${checkGraphRead.median.toFixed(1)} ms; from JSON text ${checkText.median.toFixed(1)} ms; without the graph ${checkNoGraph.median.toFixed(1)} ms; ` +
      `JSON.stringify alone ${stringify.median.toFixed(1)} ms`,
  );
  console.log(
    `  result: ${r.graph.nodes.length} nodes, ${r.findings.length} findings, ${skipped} VMs would be skipped, ` +
      `SR vdisToCoalesce ${r.srs[0].vdisToCoalesce} (Xen Orchestra: ${r.srs[0].xoVdisToCoalesce}), ` +
      `${r.srs[0].orphans} orphans, ${r.srs[0].missingParents} missing parents`,
  );
  const vdis = Object.values(records.VDI).filter((v) => v.managed && !v.is_a_snapshot).slice(0, 50);
  const plan = time(() => planSnapshotSpace({ sr: Object.values(records.SR)[0], vdis, concurrency: 10, srVdis: records.VDI }), runs);
  console.log(`  planSnapshotSpace (50 disks, srVdis = all ${n}): median ${plan.median.toFixed(1)} ms`);
  console.log(
    `  anchor: a plain JavaScript walk of Xen Orchestra's check over the same records: median ${walk.median.toFixed(1)} ms; ` +
      `checkVdiChains takes ${(check.median / walk.median).toFixed(1)}x its time (target: ${n >= 100000 ? 400 : 40} ms for ${n} VDIs)`,
  );
  figures.push({ vdis: n, checkMs: check.median, vmsReadMs: checkVmsRead.median, graphReadMs: checkGraphRead.median, fromTextMs: checkText.median, noGraphMs: checkNoGraph.median, plainJsWalkMs: walk.median });
}
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(figures));
}
