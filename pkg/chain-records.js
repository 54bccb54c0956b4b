// checkVdiChains() without JSON: the records cross into WebAssembly as flat arrays, and the VMs
// and the graph come back as columns. Shared by web.js and (as dist/chain-records.cjs, which
// scripts/build.sh writes from this file) node.cjs.
//
// JSON.stringify of a 10,000-VDI pool and serde_json's parse of its 7.7 MB took half of the
// check's time; the report's VMs and graph as JSON text (5 MB) another quarter. Here only the fields
// the check reads are taken from each record (READ, per table) and written as numbers into one Uint32Array, with one Float64Array for numbers and one string
// table (its strings UTF-8 encoded one after the other, with their end offsets); the core
// rebuilds from them exactly what its JSON parser would have read from JSON.stringify(records)
// (src/chain/flat.rs describes the format), so the results are the same. The report's VMs and
// graph come back as columns whose strings are indexes into the same string table (the rest,
// small, as JSON text); the graph's objects are made when it is first read.
//
// Whatever this cannot read exactly as JSON.stringify would (records that are not a plain
// object, `maxInputBytes`, which is measured on the JSON text, a cycle, a BigInt, a string
// with a lone surrogate), goes the JSON way, as before: same result, same errors. One
// difference, on purpose: a cycle or BigInt inside a field the check does not read (say
// `other_config`) no longer makes the whole check fail.

/** Every field the core reads, in any table (the names of src/chain/raw.rs's `fields!`). */
const FIELDS = [
  '$ref', '_xapiRef', 'id', 'uuid', 'name_label', 'name-label', 'nameLabel', 'type', 'SR_type',
  'VBDs', '$VBDs', 'is_a_snapshot', 'is_a_template', 'is_control_domain', 'snapshot_of', '$snapshot_of',
  'snapshot_time', 'snapshot-time', 'VM', '$VM', 'VDI', '$VDI', 'is_cd_drive', 'managed', 'sm_config',
  'sm-config', 'parent', 'SR', '$SR', 'virtual_size', 'virtual-size', 'size', 'physical_utilisation',
  'physical-utilisation', 'usage', 'physical_size', 'physical-size', 'physical_usage', 'VDIs', '$VDIs',
];
const FIELD_NAMES = FIELDS.join('\n');
const TABLES = ['VM', 'VBD', 'VDI', 'SR'];

/**
 * The fields src/chain/records.rs's `normalise` reads in each table (a record is indexed under
 * its identities, `$ref`, `_xapiRef`, `id`, `uuid`, in every table), as name → index in FIELDS.
 * tests/js/chain-records.test.mjs checks these lists against the core's source.
 */
const IDENTITY = ['$ref', '_xapiRef', 'id', 'uuid'];
const NAMES = ['name_label', 'name-label', 'nameLabel'];
const READ = {
  VM: [...IDENTITY, ...NAMES, 'type', 'VBDs', '$VBDs', 'is_a_snapshot', 'is_a_template', 'is_control_domain', 'snapshot_of', '$snapshot_of', 'snapshot_time', 'snapshot-time'],
  VBD: [...IDENTITY, 'type', 'is_cd_drive', 'VM', '$VM', 'VDI', '$VDI'],
  VDI: [
    ...IDENTITY, ...NAMES, 'type', 'managed', 'is_a_snapshot', 'sm_config', 'sm-config', 'parent', 'SR', '$SR', 'virtual_size',
    'virtual-size', 'size', 'physical_utilisation', 'physical-utilisation', 'usage', 'snapshot_of', '$snapshot_of',
  ],
  SR: [...IDENTITY, ...NAMES, 'type', 'SR_type', 'physical_size', 'physical-size', 'size', 'physical_utilisation', 'physical-utilisation', 'physical_usage', 'VDIs', '$VDIs'],
};
const FIELD_INDEX = Object.fromEntries(
  TABLES.map((t) => [t, Object.assign(Object.create(null), Object.fromEntries(READ[t].map((name) => [name, FIELDS.indexOf(name)])))]),
);
const NONE = 0xffffffff;
const ENCODER = new TextEncoder();
/** No lone surrogate (Node 18 has no isWellFormed: any surrogate then counts as one, to be safe). */
const isWellFormed = String.prototype.isWellFormed ? (s) => s.isWellFormed() : (s) => !/[\ud800-\udfff]/.test(s);

/** The buffers of the last call, for the next one (see Encoder). */
let spare = null;
/** How many strings the last call had. */
let stringsHint = 1024;

/** Thrown when the JSON way must be taken (it then reports the error, if any, as before). */
class UseJson extends Error {}

/** A plain object (or array): what JSON.stringify writes from its own properties, no toJSON. */
function isPlain(o, proto) {
  const p = Object.getPrototypeOf(o);
  return (p === proto || (proto === Object.prototype && p === null)) && typeof o.toJSON !== 'function';
}

/** Whether JSON.stringify would write `v` otherwise than as it is: a BigInt, or an object that is not plain. */
function needsJson(v) {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null) return false;
  return !(Array.isArray(v) ? isPlain(v, Array.prototype) : isPlain(v, Object.prototype));
}

/** What JSON.stringify makes of a value that is not plain (a Date, a class instance, a BigInt with a toJSON…). */
function viaJson(value, key) {
  const text = JSON.stringify({ [key]: value }); // throws on a cycle or a BigInt: caught by flatRecords
  return JSON.parse(text)[key];
}

/** A growable typed array. */
class Column {
  constructor(Type, size, buffer = null) {
    this.a = buffer ?? new Type(size);
    this.n = 0;
  }

  push(v) {
    if (this.n === this.a.length) {
      const a = new this.a.constructor(this.a.length * 2);
      a.set(this.a);
      this.a = a;
    }
    this.a[this.n++] = v;
  }

  reserve(n) {
    if (this.n + n > this.a.length) {
      const a = new this.a.constructor(Math.max(this.n + n, this.a.length * 2));
      a.set(this.a.subarray(0, this.n));
      this.a = a;
    }
  }

  push2(u, v) {
    if (this.n + 2 > this.a.length) {
      const a = new this.a.constructor(this.a.length * 2);
      a.set(this.a);
      this.a = a;
    }
    const a = this.a;
    a[this.n] = u;
    a[this.n + 1] = v;
    this.n += 2;
  }

  view() {
    return this.a.subarray(0, this.n);
  }
}

class Encoder {
  constructor(records) {
    this.records = records;
    // Sized for a pool's records at once (each VDI takes ~40 words, ~10 strings of ~160 bytes in
    // all), so that they seldom grow: 100,000 VDIs would otherwise copy them a dozen times.
    let entries = 0;
    for (const name of TABLES) {
      const t = records[name];
      if (typeof t === 'object' && t !== null) entries += Array.isArray(t) ? t.length : 0;
    }
    entries = Math.min(Math.max(entries, 1024), 1 << 20);
    // The last call's buffers when they are big enough: a new 2 MB ArrayBuffer per call also
    // costs the garbage collector (external memory), and a UI checks the same pool again.
    const reuse = spare !== null && spare.words.length >= 40 * entries && spare.text.length >= 160 * entries && spare.ends.length >= 10 * entries;
    this.words = new Column(Uint32Array, 40 * entries, reuse ? spare.words : null);
    this.numbers = new Column(Float64Array, 1 << 10);
    // Sized as the last call's (a pool is checked again): pushing 800,000 strings one by one
    // grows the array a dozen times.
    this.strings = new Array(stringsHint);
    this.ns = 0;
    this.text = reuse ? spare.text : new Uint8Array(160 * entries);
    this.bytes = 0;
    this.ends = new Column(Uint32Array, 10 * entries, reuse ? spare.ends : null);
    spare = null;
    // The last string of each field and its index: consecutive records often repeat one
    // (their SR, 'user', 'OpaqueRef:NULL'), which is then sent once.
    this.last = FIELDS.map(() => null);
    this.lastIndex = FIELDS.map(() => 0);
    // The VDI table's keys and their string indexes, in order: an SR's `VDIs` list names them
    // again, mostly in the same order, and an item equal to the key after the last one found
    // is sent as that key's index instead of being encoded again (`listItem`).
    this.vdiKeys = [];
    this.vdiKeyIndexes = [];
    this.vdiNext = 0;
    this.inSr = false;
  }

  /** Room for `n` more records (the sizes above). */
  reserve(n) {
    this.words.reserve(40 * n);
    this.ends.reserve(10 * n);
    if (this.bytes + 160 * n > this.text.length) {
      const grown = new Uint8Array(Math.max(this.bytes + 160 * n, this.text.length * 2));
      grown.set(this.text.subarray(0, this.bytes));
      this.text = grown;
    }
  }

  fieldString(f, s) {
    if (this.last[f] === s) return this.lastIndex[f];
    this.last[f] = s;
    return (this.lastIndex[f] = this.string(s));
  }

  /** Adds `s` to the string table (UTF-8, written here: faster than joining them all and encoding). */
  string(s) {
    const n = s.length;
    let p = this.bytes;
    if (p + 3 * n > this.text.length) {
      const grown = new Uint8Array(Math.max(this.text.length * 2, p + 3 * n));
      grown.set(this.text.subarray(0, p));
      this.text = grown;
    }
    const text = this.text;
    // ASCII four characters at a time (a third faster than one at a time on refs and uuids;
    // TextEncoder.encodeInto per string is slower still on such short strings).
    let i = 0;
    let ascii = true;
    for (; i + 4 <= n; i += 4, p += 4) {
      const a = s.charCodeAt(i);
      const b = s.charCodeAt(i + 1);
      const c = s.charCodeAt(i + 2);
      const d = s.charCodeAt(i + 3);
      if ((a | b | c | d) > 0x7f) {
        ascii = false;
        break;
      }
      text[p] = a;
      text[p + 1] = b;
      text[p + 2] = c;
      text[p + 3] = d;
    }
    if (ascii) {
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        text[p++] = c;
      }
    }
    if (!ascii) {
      // A lone surrogate would become U+FFFD here, where JSON keeps it: the JSON way then.
      if (!isWellFormed(s)) throw new UseJson();
      p = this.bytes + ENCODER.encodeInto(s, text.subarray(this.bytes)).written;
    }
    this.bytes = p;
    this.ends.push(p);
    this.strings[this.ns] = s;
    return this.ns++;
  }

  table(value, name) {
    const w = this.words;
    this.names = [];
    this.indexes = [];
    this.inSr = name === 'SR';
    if (needsJson(value)) value = viaJson(value, name);
    switch (typeof value) {
      case 'object':
        if (value === null) return w.push(0);
        if (value === this.records) throw new UseJson();
        if (Array.isArray(value)) {
          this.reserve(value.length);
          w.push(2);
          w.push(value.length);
          for (let i = 0; i < value.length; i++) {
            const r = value[i];
            this.entry(needsJson(r) ? viaJson(r, String(i)) : r, value, FIELD_INDEX[name]);
          }
        } else {
          // for…in rather than Object.keys and a look-up by key: a third faster over a table
          // of 100,000 refs; the same keys in the same order (flatRecords checks that
          // Object.prototype has no enumerable property, which for…in would also visit).
          w.push(1);
          const count = w.n;
          w.push(0);
          let n = 0;
          let room = 0;
          for (const key in value) {
            if (room-- === 0) {
              this.reserve(4096);
              room = 4095;
            }
            let r = value[key];
            if (needsJson(r)) r = viaJson(r, key);
            // JSON.stringify leaves these keys out.
            if (r === undefined || typeof r === 'function' || typeof r === 'symbol') continue;
            const k = this.string(key);
            w.push(k);
            if (name === 'VDI') {
              this.vdiKeys.push(key);
              this.vdiKeyIndexes.push(k);
            }
            this.entry(r, value, FIELD_INDEX[name]);
            n++;
          }
          w.a[count] = n;
        }
        return undefined;
      case 'number':
        if (value - value !== 0) return w.push(0); // NaN and ±Infinity are written null
        w.push(3);
        return w.push(1);
      case 'string':
        w.push(3);
        return w.push(2);
      case 'boolean':
        w.push(3);
        return w.push(0);
      default:
        return w.push(0); // undefined, a function or a symbol: left out
    }
  }

  /** One entry of `table` (plain): a record (its fields named in `fields`), or anything else (not a record). */
  entry(r, table, fields) {
    const w = this.words;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return w.push(NONE);
    if (r === table || r === this.records) throw new UseJson(); // a cycle: JSON.stringify says so
    const count = w.n;
    w.push(0);
    let k = 0;
    // for…in visits what JSON.stringify writes (enumerable properties), in its order.
    // A table's records mostly have the same fields in the same order: the field of the i-th
    // name is kept from the record before (an array read instead of a megamorphic look-up).
    const names = this.names;
    const indexes = this.indexes;
    let i = 0;
    for (const name in r) {
      let f;
      if (names[i] === name) f = indexes[i];
      else {
        f = fields[name];
        names[i] = name;
        indexes[i] = f;
      }
      i++;
      if (f === undefined) continue;
      const v = r[name];
      // A field's first word is its index and the value's kind (f << 3 | kind, src/chain/flat.rs).
      if (typeof v === 'string') {
        // The common cases, inline.
        w.push2(f << 3, this.last[f] === v ? this.lastIndex[f] : this.fieldString(f, v));
        k++;
      } else if (typeof v === 'boolean') {
        w.push(f << 3 | (v ? 3 : 2));
        k++;
      } else if (v !== undefined && v !== null) k += this.value(f, v, r, table);
    }
    w.a[count] = k;
    return undefined;
  }

  /** An item of an SR's list: the index of the VDI key it equals when that is the next one, else encoded. */
  listItem(s) {
    const j = this.vdiNext;
    if (j < this.vdiKeys.length && this.vdiKeys[j] === s) {
      this.vdiNext = j + 1;
      return this.vdiKeyIndexes[j];
    }
    return this.string(s);
  }

  /** Writes field `f` of record `r` (1) or nothing when JSON would have no value (0). */
  value(f, v, r, table) {
    const w = this.words;
    if (needsJson(v)) {
      v = viaJson(v, FIELDS[f]);
      if (v === undefined || v === null) return 0;
    }
    switch (typeof v) {
      case 'string':
        w.push2(f << 3, this.fieldString(f, v));
        return 1;
      case 'number':
        if (v - v !== 0) return 0;
        w.push2(f << 3 | 1, this.numbers.n);
        this.numbers.push(v);
        return 1;
      case 'boolean':
        w.push(f << 3 | (v ? 3 : 2));
        return 1;
      case 'object':
        break;
      default:
        return 0;
    }
    if (v === r || v === table || v === this.records) throw new UseJson();
    if (Array.isArray(v)) {
      // The string items: anything else is skipped (as the core's parser skips it).
      w.push(f << 3 | 4);
      const count = w.n;
      w.push(0);
      let n = 0;
      for (let i = 0; i < v.length; i++) {
        let item = v[i];
        if (needsJson(item)) item = viaJson(item, String(i));
        if (typeof item === 'string') {
          w.push(this.inSr ? this.listItem(item) : this.string(item));
          n++;
        }
      }
      w.a[count] = n;
      return 1;
    }
    // An object: only `vhd-parent` is read (sm_config).
    let parent = v['vhd-parent'];
    if (needsJson(parent)) parent = viaJson(parent, 'vhd-parent');
    w.push2(f << 3 | 5, typeof parent === 'string' ? this.string(parent) : NONE);
    return 1;
  }
}

/** The records as flat arrays, or null when they must go as JSON text. */
function flatRecords(records, options) {
  if (typeof records !== 'object' || records === null || Array.isArray(records) || !isPlain(records, Object.prototype)) return null;
  let maxInputBytes;
  try {
    maxInputBytes = options?.maxInputBytes;
  } catch {
    maxInputBytes = undefined; // a getter that throws reads as absent, as in the core
  }
  if (maxInputBytes !== undefined && maxInputBytes !== null) return null;
  // for…in (the tables, the records) would also visit these; JSON.stringify does not.
  for (const _ in Object.prototype) return null;
  const e = new Encoder(records);
  try {
    for (const name of TABLES) e.table(records[name], name);
  } catch {
    return null; // JSON.stringify will throw (or say) the same
  }
  if (e.strings.length !== e.ns) e.strings.length = e.ns;
  stringsHint = Math.min(Math.max(e.ns, 1024), 1 << 24);
  return { words: e.words.view(), numbers: e.numbers.view(), text: e.text.subarray(0, e.bytes), ends: e.ends.view(), strings: e.strings, encoder: e };
}

const KINDS = ['leaf', 'snapshot', 'base_copy', 'missing'];
const FLAGS = ['pendingCoalesce', 'pendingLeafCoalesce', 'trippedProtection', 'missingParent', 'orphan', 'branchPoint', 'inCycle'];
const VBD_TYPES = ['disk', 'cd', 'floppy', 'unknown'];

/** A string of the columns: an index into the input's strings, -1 for null, -2 - i for extra[i]. */
const stringOf = (strings, extra) => (i) => (i >= 0 ? strings[i] : i === -1 ? null : extra[-2 - i]);

/** The report's VMs from their columns (src/chain/flat.rs, `Columns`), keys in the core's order. */
function vmsFrom(w, s) {
  const vms = [];
  let k = 1;
  for (let i = 0, n = w[0]; i < n; i++) {
    const vm = { uuid: s(w[k]), ref: s(w[k + 1]), nameLabel: s(w[k + 2]), wouldSkip: (w[k + 5] & 1) !== 0, trippedBy: s(w[k + 3]) };
    vm.trippedDisk = s(w[k + 4]);
    vm.checkNeverEnds = (w[k + 5] & 2) !== 0;
    const disks = [];
    const d = w[k + 6];
    k += 7;
    for (let j = 0; j < d; j++, k += 14) {
      const bits = w[k + 13];
      disks.push({
        vdi: s(w[k]),
        id: s(w[k + 1]),
        nameLabel: s(w[k + 2]),
        sr: s(w[k + 3]),
        vbdType: VBD_TYPES[w[k + 6]],
        depth: w[k + 7] >>> 0,
        snapshotsLeft: w[k + 8] >>> 0,
        depthAfterCoalesce: w[k + 9] >>> 0,
        pendingCoalesce: w[k + 10] >>> 0,
        pendingLeafCoalesce: w[k + 11] >>> 0,
        branchPoints: w[k + 12] >>> 0,
        missingParent: s(w[k + 4]),
        cycle: (bits & 1) !== 0,
        wouldSkip: (bits & 2) !== 0,
        trippedBy: s(w[k + 5]),
        checkNeverEnds: (bits & 4) !== 0,
      });
    }
    vm.disks = disks;
    vms.push(vm);
  }
  return vms;
}

/** The graph's objects from its columns. */
function graphFrom(w, x, s) {
  const size = (v) => (v === v ? v : null); // NaN is null
  const nodes = [];
  const n = w[0];
  let k = 1;
  for (let i = 0; i < n; i++) {
    const bits = w[k + 4];
    const vms = [];
    for (let j = 0, m = w[k + 7]; j < m; j++) vms.push(s(w[k + 8 + j]));
    const flags = [];
    for (let b = 0, f = bits >>> 3; f !== 0; b++, f >>>= 1) if (f & 1) flags.push(FLAGS[b]);
    nodes.push({
      id: s(w[k]),
      uuid: s(w[k + 1]),
      label: s(w[k + 2]),
      kind: KINDS[bits & 3],
      managed: (bits & 4) !== 0,
      sr: s(w[k + 3]),
      vms,
      virtualSize: size(x[3 * i]),
      physicalUtilisation: size(x[3 * i + 1]),
      depth: w[k + 5] >>> 0,
      children: w[k + 6] >>> 0,
      flags,
      xoUnhealthyLength: size(x[3 * i + 2]),
    });
    k += 8 + vms.length;
  }
  const edges = [];
  for (let i = 0, m = w[k++]; i < m; i++, k += 2) edges.push({ from: s(w[k]), to: s(w[k + 1]) });
  return { nodes, edges };
}

/**
 * `report[key]` (the graph, the VMs), built from its columns when it is first read (10,000 nodes
 * are 10,000 objects a pre-flight check never looks at; a caller after the findings alone never
 * reads the VMs' 25,000 objects at 100,000 VDIs): an enumerable property like the others, in its
 * place, that becomes a plain data property once read or assigned (JSON.stringify, spreading and
 * structuredClone read it too).
 */
function lazy(report, key, build) {
  let value;
  let built = false;
  const settle = (v) => {
    value = v;
    built = true;
    try {
      Object.defineProperty(report, key, { value: v, writable: true, enumerable: true, configurable: true });
    } catch {
      // a frozen report keeps the accessor, which keeps returning the same value
    }
  };
  Object.defineProperty(report, key, {
    enumerable: true,
    configurable: true,
    get() {
      if (!built) settle(build());
      return value;
    },
    set: settle,
  });
}

/** `checkVdiChains(records, options)` on the glue of a WebAssembly instance. */
function checkVdiChains(glue, records, options) {
  const flat = flatRecords(records, options);
  if (flat !== null) {
    let out;
    try {
      out = glue.__checkVdiChainsFlat(flat.words, flat.numbers, flat.text, flat.ends, FIELD_NAMES, options);
    } finally {
      // Copied into WebAssembly memory: the next call may reuse them (up to 32 MB each, a pool
      // of 100,000 VDIs; the WebAssembly memory it took is kept as well).
      const e = flat.encoder;
      if (e.words.a.byteLength <= 32 << 20 && e.text.byteLength <= 32 << 20) spare = { words: e.words.a, text: e.text, ends: e.ends.a };
    }
    const [json, extra, vms, graphWords, graphNumbers] = out;
    const s = stringOf(flat.strings, extra);
    const report = JSON.parse(json);
    lazy(report, 'vms', () => vmsFrom(vms, s));
    if (graphWords !== undefined) lazy(report, 'graph', () => graphFrom(graphWords, graphNumbers, s));
    return report;
  }
  return glue.checkVdiChains(records, options);
}

export { checkVdiChains, flatRecords, FIELDS, READ };
