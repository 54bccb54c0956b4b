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

export interface SmlogStats {
  bytes: number;
  lines: number;
  unparsedLines: number;
}

/** The analysis of storage-manager log lines. */
export interface SmlogReport {
  findings: Finding[];
  stats: SmlogStats;
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
