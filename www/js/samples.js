// Examples for the Diagnose view: every wire shape of a XAPI error, Xen Orchestra messages and
// logs, an SMlog excerpt, and pool records. `url` samples are fetched from the page's own files.

const SR44 = ['SR_BACKEND_FAILURE_44', '', 'There is insufficient space', ''];

export const SAMPLES = [
  {
    group: 'XAPI error',
    items: [
      { id: 'xe-cli', label: 'xe CLI: SR_BACKEND_FAILURE_44', text: 'Error code: SR_BACKEND_FAILURE_44\nError parameters: , There is insufficient space, \n' },
      { id: 'xapi-array', label: 'Error array: SR_BACKEND_FAILURE_109', text: JSON.stringify(['SR_BACKEND_FAILURE_109', '', 'The snapshot chain is too long', '']) },
      {
        id: 'xmlrpc',
        label: 'XML-RPC response: SR_BACKEND_FAILURE_44',
        text: `<?xml version="1.0"?>
<methodResponse><params><param><value><struct>
  <member><name>Status</name><value>Failure</value></member>
  <member><name>ErrorDescription</name><value><array><data>
    <value>SR_BACKEND_FAILURE_44</value><value></value><value>There is insufficient space</value><value></value>
  </data></array></value></member>
</struct></value></param></params></methodResponse>`,
      },
      { id: 'jsonrpc', label: 'JSON-RPC 2.0: VDI_IN_USE', text: JSON.stringify({ jsonrpc: '2.0', error: { code: 1, message: 'VDI_IN_USE', data: ['OpaqueRef:9f1c2a7e-5b3d-4e8f-a1c2-d3e4f5a6b7c8', 'destroy'] }, id: 7 }, null, 2) },
      {
        id: 'task',
        label: 'Task record: Async.VM.snapshot failed',
        text: JSON.stringify({ uuid: '1f4a7c2e-9b3d-4e5f-8a6b-7c8d9e0f1a2b', name_label: 'Async.VM.snapshot', status: 'failure', progress: 1, error_info: SR44, backtrace: '(((process xapi)(filename ocaml/xapi/xapi_vm_snapshot.ml)(line 512)))' }, null, 2),
      },
      { id: 'opterr', label: 'SR_BACKEND_FAILURE_46 with opterr', text: 'SR_BACKEND_FAILURE_46(, The VDI is not available [opterr=VDI 8341e744-0c1d-4b5e-9a2f-6e7d8c9b0a12 locked], )' },
      { id: 'licence', label: 'LICENCE_RESTRICTION (vendor device)', text: 'LICENCE_RESTRICTION(PCI_device_for_auto_update)' },
      { id: 'other-op', label: 'OTHER_OPERATION_IN_PROGRESS', text: 'OTHER_OPERATION_IN_PROGRESS(VM, OpaqueRef:5c0f3e1a-8d2b-4c6e-9f7a-1b3d5e7f9a2c, snapshot)' },
    ],
  },
  {
    group: 'Xen Orchestra',
    items: [
      {
        id: 'xo-xapierror',
        label: 'XapiError: VDI_IO_ERROR during export',
        text: JSON.stringify(
          {
            code: 'VDI_IO_ERROR',
            params: ['Device I/O errors'],
            url: 'https://192.0.2.10/export_raw_vdi/?format=vhd&vdi=OpaqueRef%3A…',
            task: { uuid: 'c8b187f9-d29f-13ad-1734-0b5f9d6d61c0', name_label: '[XO] Exporting content of VDI  files-01 0 as vhd stream', status: 'failure', error_info: ['VDI_IO_ERROR', 'Device I/O errors'] },
            message: 'VDI_IO_ERROR(Device I/O errors)',
            name: 'XapiError',
          },
          null,
          2,
        ),
      },
      { id: 'xo-chain', label: 'Message: unhealthy VDI chain', text: 'Error: unhealthy VDI chain' },
      { id: 'xo-enospc', label: 'Message: remote full (ENOSPC)', text: "Error: ENOSPC: no space left on device, write '/run/xo-server/mounts/1af95910-01b4-4e87-9c2f-d895cafe0776/xo-vm-backups/c98a232f-b339-0334-b946-23244d0a4b7b/vdis/0a1b2c3d/20250820T230002Z.vhd'" },
      { id: 'xo-log', label: 'Backup-log JSON (3 VMs)', url: 'samples/xo-backup-log.json' },
    ],
  },
  {
    group: 'Storage manager',
    items: [{ id: 'smlog', label: 'SMlog excerpt (snapshot, GC, leaf-coalesce)', url: 'samples/smlog-excerpt.log' }],
  },
  {
    group: 'Pool records',
    items: [{ id: 'records', label: 'VM, VBD, VDI and SR records (2 VMs)', url: 'samples/chain-records.json' }],
  },
];

export const ALL_SAMPLES = SAMPLES.flatMap((g) => g.items);

const cache = new Map();
/** The text of a sample (fetched once for the file-based ones). */
export async function sampleText(id) {
  const s = ALL_SAMPLES.find((x) => x.id === id);
  if (!s) return null;
  if (s.text !== undefined) return s.text;
  if (!cache.has(id)) cache.set(id, fetch(s.url).then((r) => (r.ok ? r.text() : Promise.reject(new Error(`${s.url}: HTTP ${r.status}`)))));
  return cache.get(id);
}
