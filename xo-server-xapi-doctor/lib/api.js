'use strict';
// What the plugin adds to xo-server's APIs, for the UIs: JSON-RPC methods (`xapiDoctor.*`,
// called by XO 5 and xo-cli) and the same operations as REST routes under
// `/rest/v0/plugins/xapi-doctor/…` (XO 6 only speaks REST). Methods that read a VM or an SR
// resolve it through xo-server, which checks that the caller may see it. Every operation
// returns the objects of the xapi-doctor library (`Diagnosis`, `ChainReport`, `SpacePlan`) or
// the plugin's run diagnosis.

let apiErrors = null;
try {
  apiErrors = require('xo-common/api-errors.js');
} catch {
  // outside xo-server: plain errors with the same codes
}

const { xoServerVersionOf } = require('./run.js');

function invalidParameters(message) {
  if (apiErrors !== null) return apiErrors.invalidParameters(message);
  return Object.assign(new Error(`invalid parameters: ${message}`), { code: 10 });
}

function noSuchObject(id, type) {
  if (apiErrors !== null) return apiErrors.noSuchObject(id, type);
  return Object.assign(new Error(`no such ${type} ${id}`), { code: 1, data: { id, type } });
}

/** A library error (`INVALID_INPUT`, `INPUT_TOO_LARGE`…) as xo-server's invalid-parameters error. */
function asApiError(error) {
  if (typeof error?.code === 'string' && error.code !== 'INTERNAL' && error.code !== 'TIMEOUT') {
    return invalidParameters(`${error.code}: ${error.message}`);
  }
  return error;
}

const optionalNumber = (value, name) => {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw invalidParameters(`${name} must be a number`);
  return n;
};

/**
 * The operations, shared by both APIs. `plugin` gives `xo`, `diagnoseRunById` and `log`.
 */
function operations(plugin) {
  const { xo } = plugin;
  return {
    async diagnose({ input, context, options }) {
      if (input === undefined || input === null) throw invalidParameters('input is required');
      if (context != null && (typeof context !== 'object' || Array.isArray(context))) throw invalidParameters('context must be an object');
      if (options != null && (typeof options !== 'object' || Array.isArray(options))) throw invalidParameters('options must be an object');
      try {
        // What runs here is known: the caller's context wins where it says otherwise.
        const withVersion = { xoServerVersion: xoServerVersionOf(xo), ...(context ?? {}) };
        return await plugin.diagnoseInput(input, { ...(options ?? {}), context: withVersion });
      } catch (error) {
        throw asApiError(error);
      }
    },
    async diagnoseRun({ runId }) {
      if (typeof runId !== 'string' || runId === '') throw invalidParameters('runId must be a non-empty string');
      return plugin.diagnoseRunById(runId);
    },
    async checkVmChains({ vm, tolerance }) {
      return plugin.checkVmChains(vm.id, optionalNumber(tolerance, 'tolerance'));
    },
    async checkSrChains({ sr, tolerance }) {
      const report = plugin.checkSrChains(sr.id, optionalNumber(tolerance, 'tolerance'));
      if (report === null) throw noSuchObject(sr.id, 'SR');
      return report;
    },
    async planSnapshotSpace({ vm, sr, concurrency }) {
      const plan = plugin.planSnapshotSpace(vm.id, { srId: sr?.id, concurrency: optionalNumber(concurrency, 'concurrency') });
      if (plan === null) throw invalidParameters('the VM has no disk on that SR');
      return plan;
    },
    async getLog() {
      return plugin.log.entries.slice();
    },
  };
}

/** A JSON-RPC method: a function carrying xo-server's `description`, `params`, `permission`, `resolve`. */
function method(fn, props) {
  return Object.assign((params) => fn(params ?? {}), props);
}

function jsonRpcMethods(plugin) {
  const op = operations(plugin);
  return {
    xapiDoctor: {
      diagnose: method(op.diagnose, {
        description: 'diagnose a XAPI error, a Xen Orchestra error or backup log, SMlog lines or any text with xapi-doctor',
        params: {
          input: { description: 'text, or a parsed error, task or backup log' },
          context: { type: 'object', optional: true, description: 'what is known: vmUuid, vmName, srUuid, srName, srType, hostVersion, product, xoServerVersion (default: this xo-server)' },
          options: { type: 'object', optional: true },
        },
      }),
      diagnoseRun: method(op.diagnoseRun, {
        description: 'diagnose every failed, skipped or interrupted task of a backup run',
        permission: 'admin',
        params: { runId: { type: 'string' } },
      }),
      checkVmChains: method(op.checkVmChains, {
        description: "check a VM's VDI chains on the live pool, as Xen Orchestra's chain protection does",
        params: { id: { type: 'string' }, tolerance: { type: 'number', optional: true } },
        resolve: { vm: ['id', 'VM', 'view'] },
      }),
      checkSrChains: method(op.checkSrChains, {
        description: "check the VDI chains of an SR on the live pool: pending coalesces, depth, orphans, loops",
        params: { id: { type: 'string' }, tolerance: { type: 'number', optional: true } },
        resolve: { sr: ['id', 'SR', 'view'] },
      }),
      planSnapshotSpace: method(op.planSnapshotSpace, {
        description: "whether snapshots of a VM's disks fit on their SR, with the storage manager's formulas",
        params: { id: { type: 'string' }, sr: { type: 'string', optional: true }, concurrency: { type: 'number', optional: true } },
        resolve: { vm: ['id', 'VM', 'view'], sr: ['sr', 'SR', 'view'] },
      }),
      getLog: method(op.getLog, {
        description: "the plugin's recent log entries",
        permission: 'admin',
      }),
    },
  };
}

const BASE = 'plugins/xapi-doctor';

/** The REST routes (xo-server's `registerRestRoutes` format, mounted under `/rest/v0`). */
function restRoutes(plugin) {
  const op = operations(plugin);
  const getObject = (id, type) => {
    try {
      return plugin.xo.getObject(id, type);
    } catch {
      throw noSuchObject(id, type);
    }
  };
  const idParam = { id: { type: 'string', example: '613f541c-4bed-fc77-7ca8-2db6b68f079c' } };
  return [
    {
      method: 'post',
      endpoint: `${BASE}/diagnose`,
      description: 'Diagnose a XAPI error, a Xen Orchestra error or backup log, SMlog lines or any text. Body: { input, context?, options? }.',
      tags: ['xapi-doctor'],
      middlewares: [{ name: 'json', options: { limit: '64mb' } }],
      responses: [{ status: 200, description: 'The diagnosis (xapi-doctor Diagnosis)' }, { status: 400, description: 'Unusable input' }],
      callback: ({ req }) => op.diagnose(req.body ?? {}),
    },
    {
      method: 'get',
      endpoint: `${BASE}/backup-logs/{id}`,
      description: 'Diagnose a backup run: every failed, skipped or interrupted task, with the live chain check for chain-protection skips.',
      tags: ['xapi-doctor', 'backup-logs'],
      params: idParam,
      // A run is no XAPI object: without its own `getObject`, xo-server's acl middleware looks the id
      // up among the pool objects and answers 404 for every run.
      middlewares: [
        {
          name: 'acl',
          acls: { resource: 'backup-log', action: 'read', objectId: 'params.id', getObject: () => (id) => plugin.xo.getBackupNgLogs(id) },
        },
      ],
      responses: [{ status: 200, description: 'The run diagnosis' }, { status: 404, description: 'No such run' }],
      callback: ({ req }) => op.diagnoseRun({ runId: req.params.id }),
    },
    {
      method: 'get',
      endpoint: `${BASE}/vms/{id}/chains`,
      description: "Check a VM's VDI chains on the live pool (Xen Orchestra's chain protection verdict and why).",
      tags: ['xapi-doctor', 'vms'],
      params: idParam,
      query: { tolerance: { type: 'number', optional: true } },
      middlewares: [{ name: 'acl', acls: { resource: 'vm', action: 'read', objectId: 'params.id' } }],
      responses: [{ status: 200, description: 'The chain report (xapi-doctor ChainReport)' }, { status: 404, description: 'No such VM' }],
      callback: ({ req }) => op.checkVmChains({ vm: getObject(req.params.id, 'VM'), tolerance: req.query?.tolerance }),
    },
    {
      method: 'get',
      endpoint: `${BASE}/srs/{id}/chains`,
      description: "Check an SR's VDI chains on the live pool: pending coalesces, depth, orphans, loops.",
      tags: ['xapi-doctor', 'srs'],
      params: idParam,
      query: { tolerance: { type: 'number', optional: true } },
      middlewares: [{ name: 'acl', acls: { resource: 'sr', action: 'read', objectId: 'params.id' } }],
      responses: [{ status: 200, description: 'The chain report (xapi-doctor ChainReport)' }, { status: 404, description: 'No such SR' }],
      callback: ({ req }) => op.checkSrChains({ sr: getObject(req.params.id, 'SR'), tolerance: req.query?.tolerance }),
    },
    {
      method: 'get',
      endpoint: `${BASE}/vms/{id}/snapshot-space`,
      description: "Whether snapshots of a VM's disks fit on their SR (query: sr, concurrency).",
      tags: ['xapi-doctor', 'vms'],
      params: idParam,
      query: { sr: { type: 'string', optional: true }, concurrency: { type: 'number', optional: true } },
      middlewares: [{ name: 'acl', acls: { resource: 'vm', action: 'read', objectId: 'params.id' } }],
      responses: [{ status: 200, description: 'The space plan (xapi-doctor SpacePlan)' }, { status: 404, description: 'No such VM' }],
      callback: ({ req }) =>
        op.planSnapshotSpace({
          vm: getObject(req.params.id, 'VM'),
          sr: req.query?.sr ? getObject(req.query.sr, 'SR') : undefined,
          concurrency: req.query?.concurrency,
        }),
    },
  ];
}

module.exports = { jsonRpcMethods, restRoutes, operations };
