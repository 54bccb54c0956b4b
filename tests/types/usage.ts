// Type-checked with `tsc --strict` (scripts/test.sh): the public types are exact — no `any`,
// closed unions for category, severity and rule ids.
import init, { diagnose, listRules, version } from '../../pkg/index.js';
import type { Category, Diagnosis, Finding, RuleId, Severity, XapiDoctorError } from '../../pkg/index.js';

await init();
const d: Diagnosis = diagnose(['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', ''], {
  context: { srType: 'lvm', vmUuid: null },
});
const f: Finding | undefined = d.findings[0];
if (f) {
  const category: Category = f.category;
  const severity: Severity = f.severity;
  const rule: RuleId = f.rule;
  const line: number | null = f.evidence[0]?.line ?? null;
  const command: string | null = f.remediation[0]?.command ?? null;
  const reason: string | undefined = f.params['reason'];
  console.log(category, severity, rule, line, command, reason, f.subject.vmName?.toUpperCase());
  // @ts-expect-error: not a category
  const wrong: Category = 'disk_full';
  // @ts-expect-error: not a rule id
  const noRule: RuleId = 'ZZ999';
  // @ts-expect-error: nullable fields must be checked
  f.subject.vmUuid.toUpperCase();
  console.log(wrong, noRule);
}
if (d.kind === 'smlog' && d.smlog) console.log(d.smlog.stats.lines);
for (const r of listRules()) console.log(r.id, r.severity);
console.log(version().length);
try {
  diagnose('x', { maxInputBytes: 0 });
} catch (e) {
  const err = e as XapiDoctorError;
  if (err.code === 'INPUT_TOO_LARGE') console.log(err.message);
}
// @ts-expect-error: numbers are not an input
diagnose(42);
