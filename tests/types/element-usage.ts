// Type-checked with `tsc --strict`: the <xapi-diagnosis> element's public types.
import { XapiDiagnosisElement, ready, safeUrl } from '../../pkg/element.js';
import type { Diagnosis } from '../../pkg/index.js';

await ready();
const el = document.createElement('xapi-diagnosis');
const same: XapiDiagnosisElement = el;
el.input = ['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', ''];
el.input = 'VDI_IO_ERROR(Device I/O errors)';
el.input = new Uint8Array(4);
el.context = { vmUuid: '8ebe6c89-003a-6e25-eb10-3d791ca3c3ae', srType: 'lvm' };
el.options = { maxInputBytes: 1 << 20 };
el.expanded = true;
el.addEventListener('xapi-diagnosis-ready', (e) => {
  const d: Diagnosis = e.detail.diagnosis;
  console.log(d.findings.length, e.detail.diagnosis.kind);
});
el.addEventListener('xapi-diagnosis-copy', (e) => console.log(e.detail.command.length, e.detail.ok));
el.addEventListener('xapi-diagnosis-error', (e) => console.log(e.detail.error.code));
const d: Diagnosis | null = await el.updateComplete;
console.log(d?.kind, el.findings[0]?.rule, safeUrl('https://example.org')?.length, same.error?.message);
// @ts-expect-error: not an input
el.input = 42;
// @ts-expect-error: findings are read-only
el.findings = [];
