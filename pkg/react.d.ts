// Types of `xapi-doctor/react`: React components over the <xapi-diagnosis> element. Importing
// the module defines the element. See docs/element.md and docs/xo-integration.md.

import { Component } from 'react';
import type { CSSProperties, ReactElement } from 'react';
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

/** How the findings are shown; shared by both components. */
export interface XapiDiagnosisDisplayProps {
  /** Options of `diagnose()`; `context` is merged into them. */
  options?: DiagnoseOptions | null;
  /** Every finding's details open (default: compact). */
  expanded?: boolean;
  /** Show the first N findings, with a button for the rest. */
  maxFindings?: number | null;
  /** `light` or `dark`; by default the element follows `prefers-color-scheme`. */
  theme?: 'light' | 'dark' | null;
  /** Class of the `<xapi-diagnosis>` element. */
  className?: string;
  style?: CSSProperties;
  /** After each render, with the diagnosis shown. */
  onReady?: (detail: XapiDiagnosisReadyDetail, event: CustomEvent<XapiDiagnosisReadyDetail>) => void;
  /** The input could not be diagnosed, or the WebAssembly module failed to load. */
  onError?: (detail: XapiDiagnosisErrorDetail, event: CustomEvent<XapiDiagnosisErrorDetail>) => void;
  /** A command's copy button was used. */
  onCopy?: (detail: XapiDiagnosisCopyDetail, event: CustomEvent<XapiDiagnosisCopyDetail>) => void;
  /** A finding's details were opened or closed. */
  onToggle?: (detail: XapiDiagnosisToggleDetail, event: CustomEvent<XapiDiagnosisToggleDetail>) => void;
}

export interface XapiDiagnosisProps extends XapiDiagnosisDisplayProps {
  /** What to diagnose: text, a parsed JSON value (XAPI error, XO error, task or log) or bytes. */
  input?: DiagnoseInput | null;
  /** What the UI knows about the VM and SR: fills the `xe` commands. */
  context?: Context | null;
  /** A diagnosis you already have (or its findings), rendered without running anything; wins over `input`. */
  diagnosis?: Diagnosis | Finding[] | null;
}

/** `<xapi-diagnosis>` as a React class component (React 15.7 to 19). */
export declare class XapiDiagnosis extends Component<XapiDiagnosisProps> {
  /** The `<xapi-diagnosis>` element while the component is mounted, else null. */
  readonly element: XapiDiagnosisElement | null;
  render(): ReactElement;
}

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

export interface XoTaskDiagnosisProps extends XapiDiagnosisDisplayProps {
  /** The task whose error is diagnosed (XO 5's `TaskError` receives it). */
  task: XoBackupTask;
  /** The whole log: the VM and SR of the task's ancestors then fill the commands. */
  log?: XoBackupTask | null;
  /** What the UI knows; wins over what the log tells. */
  context?: Context | null;
}

/**
 * The diagnosis of one task's error, shown where XO 5's `TaskError` shows the error: renders
 * nothing when the task did not fail, carries no error, or passed its error up from a sub-task
 * (which then shows it).
 */
export declare function XoTaskDiagnosis(props: XoTaskDiagnosisProps): ReactElement | null;
