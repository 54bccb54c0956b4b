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
  | 'no_matching_vms'
  | 'xapi_version'
  | 'lock_or_timeout'
  | 'storage_unreachable'
  | 'corruption'
  | 'configuration'
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
}

export interface DiagnoseOptions {
  context?: Context;
  /** Inputs larger than this are refused with `INPUT_TOO_LARGE` (default 2 GiB). */
  maxInputBytes?: number;
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

/** Stable codes of the errors the API throws (`error.code`). */
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

/**
 * Loads the WebAssembly module. Required once in the browser before any other call
 * (idempotent); a no-op in Node, where the module loads synchronously.
 */
export function init(moduleOrPath?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;

export default init;

// ---------------------------------------------------------------- SMlog (issue 3)

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
  /** Lines longer than 64 KiB, of which only the first 64 KiB were read. */
  truncatedLines: number;
  /** Timeline entries left out: failures between the first 1000 and the latest 3000, coalesce successes before the latest 500. */
  timelineDropped: number;
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
  /** Feeds the next chunk. Throws `SCANNER_FINISHED` after `finish()`. */
  push(chunk: SmlogInput): void;
  /** Ends the input and returns the report. A second call throws `SCANNER_FINISHED`. */
  finish(): SmlogReport;
  /** Frees the scanner's WebAssembly memory now (otherwise done when it is garbage-collected). */
  free(): void;
}

