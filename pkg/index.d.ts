// Types of xapi-doctor's JavaScript API. Every result is a plain object (JSON-compatible):
// absent values are `null`, never `undefined`.

import type { RuleId } from './rule-ids.js';
export type { RuleId } from './rule-ids.js';

/** What kind of problem a finding is about. */
export type Category =
  | 'insufficient_space'
  | 'chain_too_long'
  | 'coalesce_failure'
  | 'vdi_in_use'
  | 'io_error'
  | 'license'
  | 'missing_base_vm'
  | 'remote_full'
  | 'remote_unreachable'
  | 'network'
  | 'no_matching_vms'
  | 'xapi_version'
  | 'lock_or_timeout'
  | 'storage_unreachable'
  | 'corruption'
  | 'configuration'
  | 'in_progress'
  | 'benign'
  | 'other';

/** `critical`: data at risk; `error`: the operation failed; `warning`: it will fail soon or degrades. */
export type Severity = 'critical' | 'error' | 'warning' | 'info';

/** `high`: the code came in a structured form; `medium`: found in free text; `low`: only a description matched. */
export type Confidence = 'high' | 'medium' | 'low';

/** What `diagnose` recognised its input as. */
export type InputKind = 'xapi_error' | 'xo_error' | 'xo_log' | 'smlog' | 'records' | 'text' | 'empty';

/** A line or fragment of the input that supports a finding. */
export interface Evidence {
  text: string;
  /** 1-based line number in the whole input, where the input has lines. */
  line: number | null;
  /** Process id of an SMlog line. */
  pid: number | null;
}

/** One remediation step, with the command to run when there is one. */
export interface Step {
  text: string;
  command: string | null;
}

export interface Link {
  title: string;
  url: string;
}

/** What a finding is about, as far as the input tells. */
export interface Subject {
  vmUuid: string | null;
  vmName: string | null;
  vdiUuid: string | null;
  srUuid: string | null;
  srName: string | null;
  host: string | null;
  jobId: string | null;
  jobName: string | null;
  taskId: string | null;
  /** The Xen Orchestra task (`snapshot`, `transfer`, `backup VM`…) or the XAPI call. */
  task: string | null;
  /** `failure`, `skipped` or `warning` for a Xen Orchestra task. */
  taskStatus: string | null;
}

/** One diagnosis: what happened, why, what to do, and the evidence. */
export interface Finding {
  /** Stable rule id, e.g. `SR044`. */
  rule: RuleId;
  /** The rule's kebab-case name, e.g. `sr-insufficient-space`. */
  ruleName: string;
  title: string;
  category: Category;
  severity: Severity;
  /** Error codes as sent on the wire (`SR_BACKEND_FAILURE_44`, `VDI_IN_USE`…). */
  codes: string[];
  /** The error's parameters by name (`VDI_IN_USE` → `vdi`, `operation`). */
  params: Record<string, string>;
  summary: string;
  cause: string;
  remediation: Step[];
  links: Link[];
  evidence: Evidence[];
  confidence: Confidence;
  subject: Subject;
}


/** The result of `diagnose`. */
export interface Diagnosis {
  kind: InputKind;
  /** Most severe first. */
  findings: Finding[];
  /** The full SMlog report when the input was SMlog text. */
  smlog: SmlogReport | null;
  /** The chain check's report when the input was pool records `{ VM, VBD, VDI, SR }` (tolerance 1). */
  chains: ChainReport | null;
  /** The snapshot space plan when the input was `{ sr, vdis, … }`. */
  spacePlan: SpacePlan | null;
  /** Findings left out because there were more than `options.maxFindings` (0 almost always). */
  findingsOmitted: number;
}

/** What the UI already knows; it sharpens the advice and fills the `xe` commands. */
export interface Context {
  vmUuid?: string | null;
  vmName?: string | null;
  srUuid?: string | null;
  srName?: string | null;
  /** The SR `type`: `lvm`, `lvmoiscsi`, `lvmohba`, `ext`, `nfs`, `smb`… */
  srType?: string | null;
  /** The host's product version, e.g. `8.2.1` or `6.1.0`. */
  hostVersion?: string | null;
  /** `XenServer`, `XCP-ng`, `Citrix Hypervisor`… */
  product?: string | null;
  /**
   * The version of the xo-server that saw the failure, e.g. `5.207.2` (`xo.version` inside
   * xo-server; the About page's "xo-server"): a Xen Orchestra bug already fixed in it is not
   * reported as the cause.
   */
  xoServerVersion?: string | null;
}

/**
 * Limits that bound the cost of any input (README, "Limits"). Each is a whole number of at
 * least 0; absent or `null` gives the default; anything else throws `INVALID_OPTIONS`.
 */
export interface Limits {
  /**
   * Inputs larger than this many bytes are refused with `INPUT_TOO_LARGE` (default 2 GiB). For
   * `SmlogScanner`, the total of the chunks, and only when given (a stream's memory is bounded).
   */
  maxInputBytes?: number | null;
  /**
   * Pool records (`checkVdiChains`, `planSnapshotSpace`, records given to `diagnose`) with more
   * table entries than this are refused with `INPUT_TOO_LARGE` (default 1,000,000).
   */
  maxRecords?: number | null;
}

export interface DiagnoseOptions extends Limits {
  context?: Context;
  /**
   * SMlog lines longer than this keep their first `maxLineBytes` bytes; the line is counted in
   * `stats.truncatedLines` (default 65,536; at most 1 GiB).
   */
  maxLineBytes?: number | null;
  /**
   * At most this many findings are returned, the most severe; the others are counted in
   * `findingsOmitted` (default 2000).
   */
  maxFindings?: number | null;
}

/** A rule of the catalogue, as `listRules()` returns it. */
export interface RuleInfo {
  id: RuleId;
  name: string;
  title: string;
  category: Category;
  severity: Severity;
  /** What makes it fire. */
  trigger: string;
  /** What it detects and why it matters. */
  description: string;
  /** An input that fires it (`{"input": …, "options": …}` when it needs options). */
  example: string;
}

/**
 * Stable codes of the errors the API throws (`error.code`). `INTERNAL` means a bug made the
 * WebAssembly instance fail (a trap); the call that failed throws it, with the original error as
 * `cause`, and the next call runs in a fresh instance (scanners created before it throw
 * `INTERNAL` too). `INPUT_TOO_LARGE` covers `maxInputBytes` and `maxRecords`.
 */
export type ErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_INPUT'
  | 'INVALID_OPTIONS'
  | 'INPUT_TOO_LARGE'
  | 'INVALID_RECORDS'
  | 'SCANNER_FINISHED'
  | 'NOT_INITIALIZED'
  | 'INTERNAL';

/** The errors thrown by the API: a plain `Error` with a stable `code`. */
export interface XapiDoctorError extends Error {
  code: ErrorCode;
}

/** Any input `diagnose` takes: text, bytes (a file's content) or a parsed JSON value. */
export type DiagnoseInput = string | Uint8Array | ArrayBuffer | object;

/**
 * Diagnoses a XAPI error in any shape, a Xen Orchestra error or backup log, SMlog lines, or
 * free text. Throws a `XapiDoctorError` only for unusable input; "nothing recognised" is a
 * diagnosis without findings.
 */
export function diagnose(input: DiagnoseInput, options?: DiagnoseOptions | null): Diagnosis;

/** Every rule of the catalogue, in documentation order. */
export function listRules(): RuleInfo[];

/** The package version. */
export function version(): string;

// ---- VDI chains and snapshot space ----------------------------------------------------------

/**
 * A record as a UI holds it: a raw XAPI record (`VDI.get_all_records`, an event cache) or an
 * xo-server object. Only the fields the check reads matter; others are ignored. Sizes may be
 * numbers or strings of digits.
 */
export type PoolRecord = Record<string, unknown>;

/** One table: XAPI records keyed by opaque ref, or an array of xo-server objects. */
export type RecordTable = Record<string, PoolRecord> | PoolRecord[];

/** The pool's records. Only `VDI` is required; `VM` and `VBD` give the per-VM verdicts, `SR` the sizes and names. */
export interface ChainRecords {
  VM?: RecordTable | null;
  VBD?: RecordTable | null;
  VDI: RecordTable;
  SR?: RecordTable | null;
}

export interface ChainOptions {
  /**
   * Xen Orchestra's `maxUncoalescedVdis`: pending non-leaf coalesces tolerated per disk chain
   * (default 1; absent, `undefined` and `null` mean 1). The value is used as Xen Orchestra's
   * `tolerance-- <= 0` uses it: `0` (or less) trips at the first pending coalesce, a fraction
   * rounds up, `NaN` — what Xen Orchestra gets when the setting is missing — and `Infinity`
   * never trip; a numeric string converts as in JavaScript (`"2"` is 2, `"abc"` is `NaN`).
   */
  tolerance?: number | string | boolean | null;
  /** Build `graph` (default `true`); a one-VM pre-flight can skip it. */
  graph?: boolean | null;
  /** Inputs larger than this are refused with `INPUT_TOO_LARGE` (default 2 GiB). */
  maxInputBytes?: number | null;
  /** More table entries than this are refused with `INPUT_TOO_LARGE` (default 1,000,000). */
  maxRecords?: number | null;
}

/** How a VBD plugs its disk into the VM. */
export type VbdType = 'disk' | 'cd' | 'floppy' | 'unknown';

/** One disk of a VM and its chain. */
export interface DiskChain {
  /** The VDI's uuid (`null` when the record has none). */
  vdi: string | null;
  /** Its node id in `graph` (the uuid, or the ref when the record has no uuid). */
  id: string;
  nameLabel: string | null;
  /** The SR's id, as in `srs[].id`. */
  sr: string | null;
  vbdType: VbdType;
  /**
   * Images in the chain, this disk included (the storage manager refuses snapshots at 30). With
   * a missing parent, the images the records show: the real chain is longer.
   */
  depth: number;
  /** Snapshots still possible before `SR_BACKEND_FAILURE_109` (0 on a loop; an upper bound with a missing parent). */
  snapshotsLeft: number;
  /** The depth once the pending coalesces have run. */
  depthAfterCoalesce: number;
  /** Base copies waiting for a non-leaf coalesce on this chain: what Xen Orchestra counts. */
  pendingCoalesce: number;
  /** Base copies waiting for a leaf coalesce (Xen Orchestra ignores them). */
  pendingLeafCoalesce: number;
  /** Base copies on the chain with two children or more. */
  branchPoints: number;
  /** The `vhd-parent` uuid no record has, where the chain breaks. */
  missingParent: string | null;
  /** The chain loops. */
  cycle: boolean;
  /** This disk alone makes Xen Orchestra skip the VM. */
  wouldSkip: boolean;
  /** The base copy at which Xen Orchestra's check trips on this disk. */
  trippedBy: string | null;
  /** Xen Orchestra's check would not come back on this disk: it walks a loop for ever, or overflows its stack (the backup fails with a RangeError). */
  checkNeverEnds: boolean;
}

/** A VM (not a snapshot, template or control domain) and Xen Orchestra's verdict. */
export interface VmChains {
  uuid: string | null;
  /** The record's map key or `$ref`. */
  ref: string;
  nameLabel: string | null;
  /** Xen Orchestra's verdict: its backup would skip this VM (`unhealthy VDI chain`). */
  wouldSkip: boolean;
  /** The uuid of the base copy that tripped it (first tripping disk in VBD order), or `null`. */
  trippedBy: string | null;
  /** The disk (node id) whose chain tripped it. */
  trippedDisk: string | null;
  /** Xen Orchestra's check would not come back for this VM (a `vhd-parent` loop: an endless walk, or a stack overflow that fails the backup). */
  checkNeverEnds: boolean;
  /** In the order Xen Orchestra checks them (the VM's VBDs), CD drives included, duplicates removed. */
  disks: DiskChain[];
}

/** One SR's coalesce and space figures. */
export interface SrChains {
  uuid: string | null;
  /** The uuid, or the reference VDIs gave when the SR has no record (`""`: VDIs naming no SR). */
  id: string;
  nameLabel: string | null;
  srType: string | null;
  /** `false` when the SR has no record in the input. */
  inRecords: boolean;
  vdiCount: number;
  /** Base copies the garbage collector will merge: `pendingCoalesce + pendingLeafCoalesce`. */
  vdisToCoalesce: number;
  pendingCoalesce: number;
  pendingLeafCoalesce: number;
  /** What Xen Orchestra's SR view shows (`nUnhealthyVdis`); `null` when its computation fails (a loop). */
  xoVdisToCoalesce: number | null;
  /** Why Xen Orchestra's figures differ from ours, when they do. */
  xoDifference: string | null;
  missingParents: number;
  /** Base copies no disk or snapshot uses any more. */
  orphans: number;
  orphanBytes: number;
  branchPoints: number;
  cycles: number;
  physicalSize: number | null;
  physicalUtilisation: number | null;
  freeBytes: number | null;
  /** Physical utilisation of the visible VDIs (disks and snapshots). */
  visibleBytes: number;
  /** Used space no visible VDI holds (base copies); `null` without the SR's utilisation. */
  unreclaimedBytes: number | null;
}

/** `leaf`: a managed non-snapshot VDI; `base_copy`: unmanaged; `missing`: a parent uuid no record has. */
export type ChainNodeKind = 'leaf' | 'snapshot' | 'base_copy' | 'missing';

export type ChainNodeFlag =
  | 'pendingCoalesce'
  | 'pendingLeafCoalesce'
  | 'trippedProtection'
  | 'missingParent'
  | 'orphan'
  | 'branchPoint'
  | 'inCycle';

export interface ChainNode {
  /** The uuid (or the ref when the record has none); edges refer to it. */
  id: string;
  uuid: string | null;
  label: string | null;
  kind: ChainNodeKind;
  managed: boolean;
  /** Group by SR with this (`srs[].id`); `null` for a missing parent. */
  sr: string | null;
  /** VMs (uuids) that use this VDI as a disk. */
  vms: string[];
  virtualSize: number | null;
  physicalUtilisation: number | null;
  /** Images from this node down to its root (0 for a missing parent). */
  depth: number;
  children: number;
  flags: ChainNodeFlag[];
  /** The length Xen Orchestra's SR tab shows for this disk (its caching quirk included). */
  xoUnhealthyLength: number | null;
}

/** From a child to its VHD parent. */
export interface ChainEdge {
  from: string;
  to: string;
}

/** Draw an SR by grouping `nodes` on `sr`; draw a VM from `vms[].disks[].id`, following `edges`. */
export interface ChainGraph {
  nodes: ChainNode[];
  edges: ChainEdge[];
}

export type RecordWarningKind = 'dangling_ref' | 'missing_field' | 'duplicate_uuid' | 'absurd_value' | 'not_a_record';

/** A problem with the records that did not stop the check. */
export interface RecordWarning {
  kind: RecordWarningKind;
  table: 'VM' | 'VBD' | 'VDI' | 'SR';
  /** The record's uuid, or its ref. */
  record: string | null;
  field: string | null;
  message: string;
}

export interface ChainStats {
  vms: number;
  vbds: number;
  vdis: number;
  srs: number;
}

/** The result of `checkVdiChains`. */
export interface ChainReport {
  /** Pending non-leaf coalesces tolerated per disk; `null` when the check never trips. */
  tolerance: number | null;
  /** The storage manager's chain limit: 30. */
  chainLimit: number;
  /**
   * From `checkVdiChains(object)` its objects are made when the property is first read, as the
   * graph's (below).
   */
  vms: VmChains[];
  srs: SrChains[];
  /** Most severe first (rules `CH001`–`CH006`, `SP002`). */
  findings: Finding[];
  /**
   * `null` when `options.graph` is `false`. From `checkVdiChains(object)` its objects are made
   * when the property is first read (it is an ordinary enumerable property otherwise: it can be
   * assigned, spread, cloned and serialised).
   */
  graph: ChainGraph | null;
  /** At most 200; `warningsOmitted` counts the rest. */
  warnings: RecordWarning[];
  warningsOmitted: number;
  stats: ChainStats;
}

/** The input of `planSnapshotSpace`. */
export interface SpacePlanInput {
  /** The SR's record (XAPI or xo-server): its `type`, `physical_size`, `physical_utilisation`. */
  sr: PoolRecord;
  /** The VDIs the job snapshots (XAPI records keyed by ref, or an array; XAPI or xo-server shape). */
  vdis: RecordTable;
  /** Snapshots taken at the same time (default: all of `vdis`). */
  concurrency?: number | null;
  /** The host's version, e.g. `6.1.0` (for the XenServer 6.1 large-SR bug). */
  hostVersion?: string | null;
  /** All VDIs of the SR, to measure unreclaimed space. */
  srVdis?: RecordTable | null;
}

/** `thick`: LVM family; `thin`: file SRs; `assumed_thick`: unknown type, planned as thick. */
export type Provisioning = 'thick' | 'thin' | 'assumed_thick';

export interface VdiSpace {
  uuid: string | null;
  nameLabel: string | null;
  virtualSize: number | null;
  /** Free space its snapshot needs; `null` when its virtual size is unknown. */
  requiredBytes: number | null;
}

/** The result of `planSnapshotSpace`. Sizes are bytes. */
export interface SpacePlan {
  srUuid: string | null;
  srName: string | null;
  srType: string | null;
  provisioning: Provisioning;
  /** Snapshots taken at once (the input's, at most the number of disks). */
  concurrency: number;
  /** Whether the `concurrency` largest snapshots fit; `null` when a size is unknown. */
  fits: boolean | null;
  /** Space the `concurrency` largest snapshots need together. */
  requiredBytes: number;
  freeBytes: number | null;
  /** The most snapshots that fit at once, whichever disks they are. */
  maxConcurrency: number | null;
  perVdi: VdiSpace[];
  /** Used space no visible disk holds (needs `srVdis`). */
  unreclaimedBytes: number | null;
  physicalSize: number | null;
  physicalUtilisation: number | null;
  /** Rules `SP001`, `SP002`, `HV061`. */
  findings: Finding[];
  warnings: RecordWarning[];
}

/**
 * Checks the VDI chains of the pool's records: Xen Orchestra's chain-protection verdict per
 * VM (and which base copy trips it), depth against the limit of 30, pending coalesces, missing
 * parents, orphans, loops, each SR's "VDIs to coalesce" (ours and Xen Orchestra's), findings
 * and a graph. `records` may also be its JSON text. Throws `INVALID_RECORDS` for unusable
 * records (no `VDI` table…), `INVALID_OPTIONS` for options that are not an object.
 */
export function checkVdiChains(records: ChainRecords | string, options?: ChainOptions | null): ChainReport;

/**
 * Plans the snapshots a job takes at once on one SR with the storage manager's formulas.
 * `input` may also be its JSON text. Throws `INVALID_RECORDS` (no `sr` or `vdis`) or
 * `INVALID_INPUT` (a bad `concurrency`).
 */
export function planSnapshotSpace(input: SpacePlanInput | string, options?: Limits | null): SpacePlan;

/** Where `init` gets the WebAssembly module: its URL, a fetch `Response`, its bytes, or a compiled module. */
export type InitInput = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/**
 * Loads the WebAssembly module. Required once in the browser before any other call
 * (idempotent: later calls return the first call's promise); a no-op in Node, where the module
 * loads synchronously. Without an argument the browser fetches `xapi_doctor_bg.wasm` next to
 * the module; pass a URL (e.g. `import url from 'xapi-doctor/xapi_doctor_bg.wasm?url'` in Vite),
 * a `fetch()` promise, bytes or a `WebAssembly.Module` to load it yourself.
 */
export function init(moduleOrPath?: InitInput | Promise<InitInput> | { module_or_path: InitInput | Promise<InitInput> }): Promise<void>;

export default init;

// ---- SMlog -------------------------------------------------------------------------------

/** A timestamp of an SMlog line: as logged, plus what can be derived from it. */
export interface LogTime {
  /** Exactly as logged: `Jan 14 02:00:02` (classic syslog) or `2024-01-05T03:12:07.123456+01:00` (RFC 3339). */
  text: string;
  /**
   * Milliseconds since 1970-01-01 UTC. Only lines with a full RFC 3339 timestamp have it: classic syslog
   * lines carry no year and no time zone, so this is `null` for them.
   */
  unixMs: number | null;
  /**
   * Seconds since 1 January 00:00 of the (unknown) year, in the host's logged time (non-leap calendar):
   * orders events and measures durations within one log. A log that crosses New Year starts again from 0.
   */
  secondOfYear: number | null;
}

/** What an SMlog episode is. */
export type SmlogEpisodeKind =
  | 'sm_error'
  | 'coalesce_failed'
  | 'coalesce_out_of_space'
  | 'coalesce_no_space'
  | 'leaf_coalesce_no_space'
  | 'leaf_coalesce_failed'
  | 'leaf_coalesce_gave_up'
  | 'live_leaf_coalesce_timeout'
  | 'coalesce_stuck'
  | 'vhd_corrupted'
  | 'parent_missing'
  | 'scan_error'
  | 'gc_lock_timeout'
  | 'gc_run_failed'
  | 'gc_disabled'
  | 'unpause_failed'
  | 'pause_failed'
  | 'sr_lock_wait'
  | 'long_lvm_call'
  | 'lv_busy_retry'
  | 'command_failed'
  | 'chain_near_limit'
  | 'snapshot_cleanup_failed'
  | 'long_snapshot_pause'
  | 'sm_call_failed'
  | 'benign_lock_contention'
  | 'benign_gc_already_running'
  | 'benign_lv_check'
  | 'benign_vg_check'
  | 'coalesce_succeeded'
  | 'leaf_coalesce_succeeded';

/** One episode of the timeline (benign lines are not in it). */
export interface SmlogTimelineEntry {
  time: LogTime | null;
  /** First line of the episode (1-based, in the whole input). */
  line: number;
  lastLine: number;
  pid: number | null;
  kind: SmlogEpisodeKind;
  /** The XAPI error code of an `sm_error` entry (`SR_BACKEND_FAILURE_44`), else `null`. */
  code: string | null;
  /** The rule of the finding that covers it; `null` for successes. */
  rule: RuleId | null;
  severity: Severity;
  srUuid: string | null;
  /** The VDI as the log names it: the first 8 characters of its uuid, or the full uuid. */
  vdi: string | null;
  /** One line describing it. */
  text: string;
}

/** A garbage-collector operation on a VDI. */
export type CoalesceOperation = 'coalesce' | 'leaf_coalesce';

/** How a coalesce attempt (or a GC run) ended. */
export type CoalesceOutcome = 'success' | 'failure' | 'no_space' | 'no_work';

/**
 * What coalesce is doing on an SR, as far as the log tells: `stuck` (the same VDI keeps failing), `out_of_space`,
 * `failing` (last attempt failed), `disabled`, `running` (a coalesce was under way when the log ends), `idle`,
 * `not_seen` (no garbage-collector activity).
 */
export type CoalesceStatus = 'stuck' | 'out_of_space' | 'failing' | 'disabled' | 'running' | 'idle' | 'not_seen';

/** Coalesce history of one VDI. */
export interface CoalesceVdi {
  /** As the log names it: the first 8 characters of its uuid, or the full uuid. */
  vdi: string;
  /** The full uuid, when the log gives it somewhere. */
  vdiUuid: string | null;
  attempts: number;
  successes: number;
  failures: number;
  /** Times the garbage collector skipped it for lack of space. */
  noSpaceSkips: number;
  /** Failures and no-space skips since its last success. */
  consecutiveFailures: number;
  /** Three or more failures in a row. */
  stuck: boolean;
  lastOperation: CoalesceOperation | null;
  lastOutcome: CoalesceOutcome | null;
  lastOutcomeTime: LogTime | null;
  lastOutcomeLine: number | null;
  lastError: string | null;
}

/** A coalesce in progress when the log ends. */
export interface RunningCoalesce {
  vdi: string;
  operation: CoalesceOperation;
  since: LogTime | null;
  line: number;
}

/** Garbage-collector summary of one SR. */
export interface CoalesceSr {
  /** `null` when the log never named the SR of these lines. */
  srUuid: string | null;
  srName: string | null;
  status: CoalesceStatus;
  gcRuns: number;
  coalesceAttempts: number;
  coalesceSuccesses: number;
  coalesceFailures: number;
  leafCoalesceAttempts: number;
  leafCoalesceSuccesses: number;
  leafCoalesceFailures: number;
  noSpaceSkips: number;
  /** Free bytes the garbage collector last reported when it lacked space. */
  lastFreeBytes: number | null;
  /** The longest VHD chain its tree dumps showed (images, leaf included; snapshots fail at 30). */
  deepestChain: number | null;
  lastOutcome: CoalesceOutcome | null;
  lastOutcomeTime: LogTime | null;
  lastOutcomeLine: number | null;
  lastActivityTime: LogTime | null;
  lastActivityLine: number | null;
  running: RunningCoalesce | null;
  stuck: boolean;
  vdis: CoalesceVdi[];
}

/** Coalesce across the log: "is coalesce running, stuck, or out of space?" */
export interface CoalesceSummary {
  /** The most worrying status of any SR. */
  status: CoalesceStatus;
  stuck: boolean;
  srs: CoalesceSr[];
}

/** Counts of what was read. */
export interface SmlogStats {
  bytes: number;
  /** Physical lines (a last line without a newline counts). */
  lines: number;
  /** Non-blank lines without a syslog prefix (read as bare messages). */
  unparsedLines: number;
  /** Lines longer than `options.maxLineBytes` (default 64 KiB), of which only the first `maxLineBytes` were read. */
  truncatedLines: number;
  /** Timeline entries left out: failures between the first 1000 and the latest 3000, coalesce successes before the latest 500. */
  timelineDropped: number;
  /** Findings left out beyond `options.maxFindings`. */
  findingsOmitted: number;
}

/** The analysis of storage-manager log lines. */
export interface SmlogReport {
  /** Most severe first. */
  findings: Finding[];
  coalesce: CoalesceSummary;
  /** The episodes, in log order. */
  timeline: SmlogTimelineEntry[];
  stats: SmlogStats;
}

/** SMlog input: text, or bytes as read from a file (invalid UTF-8 is decoded lossily). */
export type SmlogInput = string | Uint8Array | ArrayBuffer;

/**
 * Analyses SMlog text or bytes (a pasted excerpt or a whole file). For large files prefer `SmlogScanner`,
 * which reads them in chunks with bounded memory and gives the same report.
 */
export function analyzeSmlog(input: SmlogInput, options?: DiagnoseOptions | null): SmlogReport;

/**
 * Reads an SMlog in chunks of any size, cut anywhere (even inside a line or a UTF-8 sequence):
 * `push()` each chunk as it arrives, then `finish()`. The report is the same as `analyzeSmlog` on the
 * whole input. Memory stays bounded whatever the file size.
 */
export class SmlogScanner {
  constructor(options?: DiagnoseOptions | null);
  /**
   * Feeds the next chunk. Throws `SCANNER_FINISHED` after `finish()` or `free()`, and
   * `INPUT_TOO_LARGE` when `options.maxInputBytes` was given and the total would exceed it (the
   * chunk is not read; `finish()` still reports what was).
   */
  push(chunk: SmlogInput): void;
  /** Ends the input and returns the report. A second call throws `SCANNER_FINISHED`. */
  finish(): SmlogReport;
  /** Frees the scanner's WebAssembly memory now (otherwise done when it is garbage-collected). */
  free(): void;
}

