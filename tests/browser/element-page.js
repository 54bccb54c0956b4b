// Sets the property-driven example of element.html (what a React or Vue app does).
const el = document.getElementById('by-prop');
el.context = { vmName: 'db-01', vmUuid: '6e246cbf-41c4-aa5b-f12a-f9080580b4aa' };
el.input = {
  name: 'XapiError',
  code: 'VDI_IN_USE',
  params: ['OpaqueRef:9f1c2a7e-5b3d-4e8f-a1c2-d3e4f5a6b7c8', 'destroy'],
  message: 'VDI_IN_USE(OpaqueRef:9f1c2a7e-5b3d-4e8f-a1c2-d3e4f5a6b7c8, destroy)',
  call: { method: 'VDI.destroy', duration: 12 },
};
document.addEventListener('xapi-diagnosis-ready', (e) => {
  (window.__ready ??= []).push({ id: e.target.id, rules: e.detail.diagnosis.findings.map((f) => f.rule) });
});
