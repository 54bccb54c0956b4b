// Types of `xapi-doctor/element`: the <xapi-diagnosis> custom element. Importing the module
// defines the element (once per page). See docs/element.md.

import type { Context, Diagnosis, DiagnoseInput, DiagnoseOptions, Finding, RuleId } from './index.js';

/** `detail` of the `xapi-diagnosis-ready` event: the diagnosis just rendered. */
export interface XapiDiagnosisReadyDetail {
  diagnosis: Diagnosis;
}

/** `detail` of the `xapi-diagnosis-error` event: the input was unusable or the module failed to load. */
export interface XapiDiagnosisErrorDetail {
  error: Error & { code?: string };
}

/** `detail` of the `xapi-diagnosis-copy` event: a command copy button was used. */
export interface XapiDiagnosisCopyDetail {
  command: string;
  /** False when neither the Clipboard API nor the fallback could copy. */
  ok: boolean;
}

/** `detail` of the `xapi-diagnosis-toggle` event: a finding's details were opened or closed. */
export interface XapiDiagnosisToggleDetail {
  rule: RuleId;
  expanded: boolean;
}

/**
 * `<xapi-diagnosis>`: renders xapi-doctor's diagnosis of its input inline (Shadow DOM).
 *
 * Attributes: `error` / `input` (text), `context` (JSON text), `expanded` (details open;
 * compact by default), `max-findings` (show the first N, with a button for the rest), `theme`
 * (`light` | `dark`; default follows `prefers-color-scheme`).
 */
export class XapiDiagnosisElement extends HTMLElement {
  static readonly observedAttributes: string[];
  /** The input: text, a parsed JSON value (XAPI error, XO error, task or log), or bytes. Last write wins over the attributes. */
  input: DiagnoseInput | null;
  /** Options passed to `diagnose()`. */
  options: DiagnoseOptions | null;
  /** What the UI knows about the VM and SR; merged into `options.context`. */
  context: Context | null;
  /** The diagnosis shown. Set it (or a findings array) to render a result you already have, without running the diagnosis. */
  diagnosis: Diagnosis | Finding[] | null;
  /** Mirrors the `expanded` attribute: every finding's details open. */
  expanded: boolean;
  /** The findings shown (empty before the first render). */
  readonly findings: Finding[];
  /** The last error (unusable input, module failed to load), or null. */
  readonly error: (Error & { code?: string }) | null;
  /** Resolves with the diagnosis (or null) once the current input is rendered. */
  readonly updateComplete: Promise<Diagnosis | null>;
}

/** Loads the WebAssembly module (shared by every element of the page; idempotent). */
export function ready(): Promise<void>;

/** The URL if it is an absolute `http:` or `https:` URL, else null (used for the findings' links). */
export function safeUrl(url: unknown): string | null;

declare global {
  interface HTMLElementTagNameMap {
    'xapi-diagnosis': XapiDiagnosisElement;
  }
  interface HTMLElementEventMap {
    'xapi-diagnosis-ready': CustomEvent<XapiDiagnosisReadyDetail>;
    'xapi-diagnosis-error': CustomEvent<XapiDiagnosisErrorDetail>;
    'xapi-diagnosis-copy': CustomEvent<XapiDiagnosisCopyDetail>;
    'xapi-diagnosis-toggle': CustomEvent<XapiDiagnosisToggleDetail>;
  }
}
