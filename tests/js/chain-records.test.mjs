// checkVdiChains() of an object goes through flat arrays (pkg/chain-records.js, src/chain/flat.rs)
// instead of JSON text: it must give exactly what the JSON text of the same records gives, for
// both shapes, odd values and damaged records, and fall back to JSON where it cannot be exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { checkVdiChains } from '../../pkg/node.mjs';
import { FIELDS, READ, flatRecords } from '../../pkg/chain-records.js';
import { generatePool } from '../../bench/chain.mjs';

/** The flat way (an object) and the JSON way (its text) agree, graph read or not, errors included. */
function same(records, options, message) {
  const run = (input) => {
    try {
      return { report: checkVdiChains(input, options) };
    } catch (error) {
      return { error: `${error.code}: ${error.message}` };
    }
  };
  const flat = run(records);
  const text = run(JSON.stringify(records));
  assert.equal(flat.error, text.error, message);
  assert.equal(JSON.stringify(flat.report), JSON.stringify(text.report), message);
  assert.deepStrictEqual(flat.report, text.report, message);
  return flat.report;
}

test("the wrapper's field names are the core's", () => {
  const source = readFileSync(new URL('../../src/chain/raw.rs', import.meta.url), 'utf8');
  const macro = source.slice(source.indexOf('fields! {'), source.indexOf('}', source.indexOf('fields! {')));
  const names = [...macro.matchAll(/^\s*\w+ = "([^"]+)",$/gm)].map((m) => m[1]);
  assert.deepEqual(FIELDS, names);
  for (const [table, list] of Object.entries(READ)) for (const name of list) assert.ok(FIELDS.includes(name), `${table}.${name}`);
});

test('a pool of XAPI records and the same as xo-server objects: the same report both ways', () => {
  const records = generatePool(3000, 7);
  for (const options of [undefined, { graph: false }, { tolerance: 0 }, { tolerance: 3, graph: true }]) same(records, options, JSON.stringify(options));
  // xo-server objects: arrays, uuids as references, `parent`, `$SR`, `size`/`usage`, `type`.
  const byRef = (table) => new Map(Object.entries(table).map(([ref, r]) => [ref, r.uuid]));
  const vdiUuid = byRef(records.VDI);
  const vbdUuid = byRef(records.VBD);
  const vmUuid = byRef(records.VM);
  const srUuid = byRef(records.SR);
  const xo = {
    VM: Object.values(records.VM).map((vm) => ({ type: 'VM', id: vm.uuid, uuid: vm.uuid, name_label: vm.name_label, $VBDs: vm.VBDs.map((r) => vbdUuid.get(r)) })),
    VBD: Object.values(records.VBD).map((b) => ({ type: 'VBD', id: b.uuid, uuid: b.uuid, is_cd_drive: b.type === 'CD', VM: vmUuid.get(b.VM), VDI: vdiUuid.get(b.VDI) ?? null })),
    VDI: Object.values(records.VDI).map((v) => ({
      type: v.managed ? (v.is_a_snapshot ? 'VDI-snapshot' : 'VDI') : 'VDI-unmanaged',
      id: v.uuid,
      uuid: v.uuid,
      name_label: v.name_label,
      $SR: srUuid.get(v.SR),
      parent: v.sm_config['vhd-parent'],
      size: Number(v.virtual_size),
      usage: Number(v.physical_utilisation),
    })),
    SR: Object.values(records.SR).map((sr) => ({ type: 'SR', id: sr.uuid, uuid: sr.uuid, name_label: sr.name_label, SR_type: sr.type, size: Number(sr.physical_size), physical_usage: Number(sr.physical_utilisation), $VDIs: sr.VDIs.map((r) => vdiUuid.get(r)) })),
  };
  const r = same(xo, undefined, 'xo-server objects');
  assert.ok(r.vms.some((vm) => vm.wouldSkip));
  assert.ok(r.graph.nodes.length > 3000);
});

test("an SR's VDIs list in the VDI table's order, in another, with other strings and gaps: the same report both ways", () => {
  // The reader sends an item equal to the next VDI key as that key's index (chain-records.js,
  // `listItem`): whatever the order, the result is the JSON way's.
  const records = generatePool(600, 11);
  const sr = Object.values(records.SR)[0];
  const srRef = Object.keys(records.SR)[0];
  const keys = Object.keys(records.VDI);
  const variants = {
    'as generated': sr.VDIs,
    'copies of the strings': sr.VDIs.map((r) => `${r}`.split('').join('')),
    reversed: [...sr.VDIs].reverse(),
    'every other one, a stranger and a duplicate between': sr.VDIs.flatMap((r, i) => (i % 2 ? [] : i % 7 ? [r] : [r, 'OpaqueRef:elsewhere', r])),
    'rotated by one': [...sr.VDIs.slice(1), sr.VDIs[0]],
  };
  for (const [name, list] of Object.entries(variants)) {
    same({ ...records, SR: { [srRef]: { ...sr, VDIs: list } } }, undefined, name);
  }
  // Two SRs splitting the VDIs (alternately, then in halves), each listing its own.
  const second = 'OpaqueRef:sr-second';
  for (const split of [(i) => i % 2, (i) => (i < keys.length / 2 ? 0 : 1)]) {
    const VDI = Object.fromEntries(keys.map((k, i) => [k, split(i) ? { ...records.VDI[k], SR: second } : records.VDI[k]]));
    const SR = {
      [srRef]: { ...sr, VDIs: keys.filter((_, i) => !split(i)) },
      [second]: { ...sr, uuid: '0d7c4a1e-5f1b-4c43-9c31-6f0d8e2b7a55', name_label: 'second', VDIs: keys.filter((_, i) => split(i)) },
    };
    same({ ...records, VDI, SR }, undefined, 'two SRs');
  }
});

test('every field each table reads matters, under every name', () => {
  // One record per table carrying every field the core knows, each with a value that shows in
  // the report: a field the wrapper failed to send would change it.
  const all = (extra) => Object.fromEntries(FIELDS.map((name, i) => [name, extra[name] ?? `v${i}`]));
  const records = {
    VM: { 'OpaqueRef:vm': all({ VBDs: ['OpaqueRef:vbd'], $VBDs: ['vbd-uuid'], is_a_snapshot: false, is_a_template: 'false', is_control_domain: false, type: 'VM' }) },
    VBD: { 'OpaqueRef:vbd': all({ VM: 'OpaqueRef:vm', VDI: 'OpaqueRef:vdi', type: 'Disk', is_cd_drive: false }) },
    VDI: {
      'OpaqueRef:vdi': all({ managed: true, is_a_snapshot: 'false', sm_config: { 'vhd-parent': 'base' }, SR: 'OpaqueRef:sr', virtual_size: '1073741824', physical_utilisation: 42, type: 'user' }),
      'OpaqueRef:base': { uuid: 'base', managed: false, SR: 'OpaqueRef:sr', 'virtual-size': '7', usage: 5, name_label: 'b' },
    },
    SR: { 'OpaqueRef:sr': all({ VDIs: ['OpaqueRef:vdi', 'OpaqueRef:base'], physical_size: '100', physical_utilisation: '10', type: 'lvm' }) },
  };
  same(records, undefined, 'every field');
  // The same with the other names of each field alone (CLI kebab-case, xo-server's).
  const vdi = { uuid: 'u', 'name-label': 'n', managed: 'true', 'sm-config': { 'vhd-parent': 'p' }, $SR: 's', 'virtual-size': '9', 'physical-utilisation': '3', $snapshot_of: 'x' };
  same({ VDI: [vdi, { type: 'VDI-unmanaged', uuid: 'p', parent: 'q', nameLabel: 'camel', size: 4, usage: 2 }], SR: [{ type: 'SR', uuid: 's', 'physical-size': '8', physical_usage: 1, $VDIs: ['u'] }] }, undefined, 'other names');
});

test('odd values are read as their JSON text is', () => {
  class Thing {
    constructor(uuid) {
      this.uuid = uuid;
      this.managed = false;
    }
  }
  const values = [0, -0, 1.5, -5, 1e20, 1e21, 2 ** 64, -(2 ** 63), NaN, Infinity, -Infinity, '', ' 12 ', '1e3', '0x10', 'true', 'FALSE', 'é😀', '\uFFFD', true, false, null, undefined, [], [1, 'a', null, { x: 1 }], {}, { 'vhd-parent': 5 }, new Date(0), () => 1, Symbol('s'), new String('boxed'), new Number(7), { toJSON: () => 'from toJSON' }];
  const fields = ['uuid', 'managed', 'virtual_size', 'physical_utilisation', 'sm_config', 'name_label', 'SR', 'is_a_snapshot', 'snapshot_of'];
  for (const value of values) {
    for (const field of fields) {
      const VDI = { a: { uuid: 'a', managed: true, SR: 'sr', [field]: value }, b: new Thing('b'), c: null, d: 7, e: [1], f: undefined };
      same({ VDI, SR: { sr: { uuid: 'sr', VDIs: ['a', value] } } }, undefined, `${field} = ${String(value?.toString?.() ?? value)}`);
      same({ VDI: [VDI.a, undefined, null, 'x', VDI.b, , { toJSON: () => ({ uuid: 'z' }) }] }, undefined, `array, ${field}`); // eslint-disable-line no-sparse-arrays
    }
  }
  // Tables of every kind, and records that are not plain objects.
  for (const table of [undefined, null, 5, NaN, 'text', true, [], {}, new Map([['a', 1]]), new Date(0)]) {
    same({ VM: table, VBD: table, VDI: { x: { uuid: 'x' } }, SR: table }, undefined, `table ${String(table)}`);
  }
  same(Object.assign(Object.create(null), { VDI: Object.assign(Object.create(null), { x: Object.assign(Object.create(null), { uuid: 'x', managed: false }) }) }), undefined, 'null prototypes');
  // Strings of every length around the four-at-a-time ASCII copy, non-ASCII at each position.
  for (let n = 0; n <= 9; n++) {
    for (let at = -1; at < n; at++) {
      const s = [...'abcdefghi'.slice(0, n)].map((c, i) => (i === at ? 'é' : c)).join('');
      same({ VDI: { [s || 'k']: { uuid: s, name_label: `${s}€`, managed: true } } }, undefined, `string ${JSON.stringify(s)}`);
    }
  }
});

test('an enumerable property of Object.prototype (which for…in visits, JSON.stringify not): the JSON way', () => {
  const records = { VDI: { a: { uuid: 'a', managed: true, SR: 'sr' } }, SR: { sr: { uuid: 'sr', VDIs: ['a'] } } };
  Object.prototype.polluted = 'x'; // eslint-disable-line no-extend-native
  try {
    assert.equal(flatRecords(records), null);
    same(records, undefined, 'polluted Object.prototype');
  } finally {
    delete Object.prototype.polluted;
  }
  assert.notEqual(flatRecords(records), null);
});

test('what cannot be exact goes the JSON way, errors included', () => {
  // A lone surrogate: JSON keeps it escaped (and the core's parser refuses it), where UTF-8
  // would have made it U+FFFD.
  const lone = { VDI: { a: { uuid: 'a\ud800', name_label: '\udc00x', managed: true } } };
  assert.equal(flatRecords(lone), null);
  const message = (f) => assert.throws(f, (e) => e.code === 'INVALID_RECORDS' && /surrogate|escape/.test(e.message)) ?? true;
  message(() => checkVdiChains(lone));
  message(() => checkVdiChains(JSON.stringify(lone)));
  same({ VDI: { a: { uuid: 'a\ud83d\ude00', managed: true, name_label: '\uFFFD' } } }, undefined, 'a pair and U+FFFD');
  // maxInputBytes is measured on the JSON text.
  const records = generatePool(200, 3);
  const size = JSON.stringify(records).length;
  assert.throws(() => checkVdiChains(records, { maxInputBytes: size - 1 }), (e) => e.code === 'INPUT_TOO_LARGE');
  assert.equal(checkVdiChains(records, { maxInputBytes: size }).stats.vdis, Object.keys(records.VDI).length);
  // maxRecords counts the entries of the four tables, as the parser does.
  const entries = ['VM', 'VBD', 'VDI', 'SR'].reduce((n, t) => n + Object.keys(records[t]).length, 0);
  assert.throws(() => checkVdiChains(records, { maxRecords: entries - 1 }), (e) => e.code === 'INPUT_TOO_LARGE');
  assert.equal(checkVdiChains(records, { maxRecords: entries }).stats.vdis, Object.keys(records.VDI).length);
  // A cycle on what the check reads, a BigInt in a field it reads: the errors of JSON.stringify.
  const cyclic = { VDI: { a: { uuid: 'a' } } };
  cyclic.VDI.a.sm_config = cyclic.VDI.a;
  assert.throws(() => checkVdiChains(cyclic), (e) => e.code === 'INVALID_RECORDS' && /JSON/.test(e.message));
  assert.throws(() => checkVdiChains({ VDI: { a: { uuid: 'a', virtual_size: 10n } } }), (e) => e.code === 'INVALID_RECORDS' && /BigInt/.test(e.message));
  // Options are checked first, as before.
  assert.throws(() => checkVdiChains(cyclic, 5), (e) => e.code === 'INVALID_OPTIONS');
  assert.throws(() => checkVdiChains(records, { graph: 'yes' }), (e) => e.code === 'INVALID_OPTIONS');
});

test('on purpose: a cycle or BigInt in a field the check does not read no longer fails it', () => {
  const records = { VDI: { a: { uuid: 'a', managed: true, other_config: { big: 10n } } } };
  records.VDI.a.other_config.self = records;
  const r = checkVdiChains(records);
  assert.equal(r.stats.vdis, 1);
  assert.throws(() => checkVdiChains(JSON.stringify(records)));
});

test('the graph is built when first read, then kept; it can be replaced', () => {
  const records = generatePool(300, 5);
  const r = checkVdiChains(records);
  assert.deepEqual(Object.keys(r), ['tolerance', 'chainLimit', 'vms', 'srs', 'findings', 'graph', 'warnings', 'warningsOmitted', 'stats']);
  assert.equal(typeof Object.getOwnPropertyDescriptor(r, 'graph').get, 'function');
  const graph = r.graph;
  assert.equal(r.graph, graph);
  assert.ok(Object.getOwnPropertyDescriptor(r, 'graph').writable, 'a data property once read');
  assert.deepStrictEqual(structuredClone(checkVdiChains(records)), JSON.parse(JSON.stringify(r)));
  const s = checkVdiChains(records);
  s.graph = null;
  assert.equal(s.graph, null);
  const frozen = Object.freeze(checkVdiChains(records));
  assert.equal(frozen.graph.nodes.length, graph.nodes.length);
  assert.equal(frozen.graph, frozen.graph);
  assert.equal(checkVdiChains(records, { graph: false }).graph, null);
});

test('the VMs are built when first read, then kept; they can be replaced; the graph read first changes nothing', () => {
  const records = generatePool(300, 5);
  const r = checkVdiChains(records);
  assert.equal(typeof Object.getOwnPropertyDescriptor(r, 'vms').get, 'function');
  const vms = r.vms;
  assert.ok(Array.isArray(vms) && vms.length > 0);
  assert.equal(r.vms, vms);
  assert.ok(Object.getOwnPropertyDescriptor(r, 'vms').writable, 'a data property once read');
  assert.deepEqual(Object.keys(r), ['tolerance', 'chainLimit', 'vms', 'srs', 'findings', 'graph', 'warnings', 'warningsOmitted', 'stats']);
  const g = checkVdiChains(records);
  void g.graph;
  assert.deepStrictEqual(g, r);
  assert.equal(JSON.stringify(g), JSON.stringify(r));
  const s = checkVdiChains(records);
  s.vms = [];
  assert.deepEqual(s.vms, []);
  const frozen = Object.freeze(checkVdiChains(records));
  assert.deepStrictEqual(frozen.vms, vms);
  assert.equal(frozen.vms, frozen.vms);
  assert.deepStrictEqual({ ...checkVdiChains(records) }.vms, vms);
  assert.deepStrictEqual(checkVdiChains(records, { graph: false }).vms, vms);
});

test('malformed flat input from anyone calling the glue is an error, never a trap', async () => {
  const { createRequire } = await import('node:module');
  const glue = createRequire(import.meta.url)('../../pkg/dist/xapi_doctor.node.cjs');
  const flat = flatRecords(generatePool(50, 1));
  const cases = [
    [new Uint32Array([9]), flat.numbers, flat.text, flat.ends],
    [flat.words.slice(0, flat.words.length - 3), flat.numbers, flat.text, flat.ends],
    [new Uint32Array([0, 0, 2, 1, 1, 3, 1, 99, 0]), flat.numbers, flat.text, flat.ends],
    [flat.words, flat.numbers, flat.text.slice(0, 10), flat.ends],
    [flat.words, flat.numbers, new Uint8Array([0xff, 0xfe]), new Uint32Array([1, 2])],
    [flat.words.map(() => 0xffffffff), flat.numbers, flat.text, flat.ends],
  ];
  for (const [words, numbers, text, ends] of cases) {
    assert.throws(() => glue.__checkVdiChainsFlat(words, numbers, text, ends, FIELDS.join('\n'), undefined), (e) => e.code === 'INVALID_RECORDS');
  }
  assert.equal(checkVdiChains({ VDI: [] }).vms.length, 0, 'the instance is fine');
});
