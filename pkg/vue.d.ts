// Types of `xapi-doctor/vue`: Vue 3 components over the <xapi-diagnosis> element. Importing the
// module defines the element. Plain DefineComponent types: `tsc` checks `h()` calls and
// component options without vue-tsc. See docs/element.md and docs/xo-integration.md.

import type { ComponentOptionsMixin, DefineComponent } from 'vue';
import type { Context, DiagnoseInput, DiagnoseOptions, Diagnosis, Finding } from './index.js';
import type {
  XapiDiagnosisCopyDetail,
  XapiDiagnosisElement,
  XapiDiagnosisErrorDetail,
  XapiDiagnosisReadyDetail,
  XapiDiagnosisToggleDetail,
} from './element.js';

export type {
  XapiDiagnosisCopyDetail,
  XapiDiagnosisElement,
  XapiDiagnosisErrorDetail,
  XapiDiagnosisReadyDetail,
  XapiDiagnosisToggleDetail,
} from './element.js';

/** How the findings are shown; shared by both components. `class` and `style` fall through to the element. */
export interface XapiDiagnosisDisplayProps {
  /** Options of `diagnose()`; `context` is merged into them. */
  options?: DiagnoseOptions | null;
  /** Every finding's details open (default: compact). */
  expanded?: boolean;
  /** Show the first N findings, with a button for the rest. */
  maxFindings?: number | string | null;
  /** `light` or `dark`; by default the element follows `prefers-color-scheme`. */
  theme?: 'light' | 'dark' | null;
}

export interface XapiDiagnosisProps extends XapiDiagnosisDisplayProps {
  /** What to diagnose: text, a parsed JSON value (XAPI error, XO error, task or log) or bytes. */
  input?: DiagnoseInput | null;
  /** What the UI knows about the VM and SR: fills the `xe` commands. */
  context?: Context | null;
  /** A diagnosis you already have (or its findings), rendered without running anything; wins over `input`. */
  diagnosis?: Diagnosis | Finding[] | null;
}

/** The events, emitted with the element's event `detail`. */
export type XapiDiagnosisEmits = {
  /** After each render, with the diagnosis shown. */
  ready: (detail: XapiDiagnosisReadyDetail) => void;
  /** The input could not be diagnosed, or the WebAssembly module failed to load. */
  error: (detail: XapiDiagnosisErrorDetail) => void;
  /** A command's copy button was used. */
  copy: (detail: XapiDiagnosisCopyDetail) => void;
  /** A finding's details were opened or closed. */
  toggle: (detail: XapiDiagnosisToggleDetail) => void;
};

/** `<xapi-diagnosis>` as a Vue component. Exposes `element`, the DOM element while mounted. */
export declare const XapiDiagnosis: DefineComponent<
  XapiDiagnosisProps,
  { element: XapiDiagnosisElement | null },
  {},
  {},
  {},
  ComponentOptionsMixin,
  ComponentOptionsMixin,
  XapiDiagnosisEmits
>;

/** A task of a Xen Orchestra backup log (or the log itself), as the API returns it. */
export interface XoBackupTask {
  id?: string;
  message?: string;
  /** `pending`, `success`, `failure`, `skipped` or `interrupted`. */
  status?: string;
  start?: number;
  end?: number;
  /** `{ type: 'VM' | 'SR' | 'remote' | 'pool' | 'xo', id, name_label, … }` */
  data?: unknown;
  /** The error of a task that failed (a serialised error: `message`, `code`, `params`, `stack`…). */
  result?: unknown;
  tasks?: readonly XoBackupTask[];
}

/** A result as XO 6's backup log results card holds it. */
export interface XoBackupLogResult {
  message: string;
  stack?: unknown;
}

export interface XoTaskDiagnosisProps extends XapiDiagnosisDisplayProps {
  /** The result to diagnose when the task is not given: its `message` (and `stack` when it is text). */
  result?: XoBackupLogResult | null;
  /** The task the result comes from: its own error is diagnosed, as XO shows it. */
  task?: XoBackupTask | null;
  /** The whole log: the VM and SR of the task's ancestors then fill the commands. */
  log?: XoBackupTask | null;
  /** What the UI knows; wins over what the log tells. */
  context?: Context | null;
}

/**
 * The diagnosis of one result of a backup log, for XO 6's results card. Given the task, it
 * renders nothing when the task did not fail, carries no error, or passed its error up from a
 * sub-task (which then shows it).
 */
export declare const XoTaskDiagnosis: DefineComponent<
  XoTaskDiagnosisProps,
  {},
  {},
  {},
  {},
  ComponentOptionsMixin,
  ComponentOptionsMixin,
  XapiDiagnosisEmits
>;
