// A stand-in for xo-server's `xo` object, built from the plugin contract in the research notes
// (../shared/research/xo_plugin_api.md) since xo-server is not published: an EventEmitter with
// the object cache (`getObject`, `getObjects`, `getObjectsByType`), the backup logs, jobs,
// schedules and remotes, the JSON-RPC and REST registries (each registration returns its
// undo), `defineProperty`, `config.get`, and the transports other plugins define. It validates
// API parameters the way xo-server does (its "XO JSON schema": properties required unless
// `optional`, no extra properties unless no property is declared, non-empty strings) and
// resolves `resolve` parameters to objects.
import { EventEmitter } from 'node:events';
import Ajv from 'ajv';

export class NoSuchObject extends Error {
  constructor(id, type) {
    super(`no such ${type ?? 'object'} ${id}`);
    this.code = 1;
    this.data = { id, type };
  }
}

/** xo-server's parameter schema → a JSON schema (written from its documented behaviour). */
function toJsonSchema(schema) {
  if (schema.enum !== undefined) return schema;
  const types = new Set([schema.type].flat().filter(Boolean));
  if (types.has('object')) {
    const properties = schema.properties ?? {};
    for (const key of Object.keys(properties)) properties[key] = toJsonSchema(properties[key]);
    if (schema.additionalProperties === undefined) schema.additionalProperties = Object.keys(properties).length === 0;
    if (schema.required === undefined) {
      const required = Object.keys(properties).filter((key) => !properties[key].optional);
      for (const key of Object.keys(properties)) delete properties[key].optional;
      if (required.length > 0) schema.required = required;
    }
  }
  if (types.has('string') && schema.minLength === undefined) schema.minLength = 1;
  if (types.has('array') && schema.items) schema.items = toJsonSchema(schema.items);
  return schema;
}

const apiAjv = new Ajv({ allErrors: true, allowUnionTypes: true, useDefaults: true });
const ALLOWED_METHOD_PROPS = new Set(['description', 'params', 'permission', 'resolve']);

function matches(filter) {
  if (filter === undefined) return () => true;
  if (typeof filter === 'function') return filter;
  return (object) => Object.entries(filter).every(([k, v]) => object[k] === v);
}

export function createFakeXo({ objects = [], logs = {}, jobs = {}, schedules = {}, remotes = {}, xapiOptions, version = '5.207.2' } = {}) {
  const xo = new EventEmitter();
  const all = new Map(objects.map((o) => [o.id, o]));
  const methods = new Map();
  const routes = [];
  const sent = [];

  Object.assign(xo, {
    // xo-server's own version (`Xo#version`, its package's `version`).
    version,
    sent,
    methods,
    routes,
    config: { get: (key) => (key === 'xapiOptions' ? (xapiOptions ?? { maxUncoalescedVdis: 1 }) : undefined) },

    addObject(object) {
      all.set(object.id, object);
    },
    removeObject(id) {
      all.delete(id);
    },
    getObject(id, type) {
      const object = all.get(id);
      if (object === undefined) throw new NoSuchObject(id, type);
      if (type != null && ![type].flat().includes(object.type)) throw new NoSuchObject(id, type);
      return object;
    },
    getObjects({ filter } = {}) {
      const test = matches(filter);
      const out = { __proto__: null };
      for (const [id, object] of all) if (test(object, id)) out[id] = object;
      return out;
    },
    getObjectsByType(type, { filter } = {}) {
      const test = matches(filter);
      const out = { __proto__: null };
      for (const [id, object] of all) if (object.type === type && test(object, id)) out[id] = object;
      return out;
    },

    async getBackupNgLogs(runId) {
      if (runId === undefined) return { ...logs };
      const log = typeof logs === 'function' ? await logs(runId) : logs[runId];
      if (log === undefined) throw new NoSuchObject(runId, 'backup-ng-log');
      return log;
    },
    async getJob(id) {
      if (!(id in jobs)) throw new NoSuchObject(id, 'job');
      return jobs[id];
    },
    async getSchedule(id) {
      if (!(id in schedules)) throw new NoSuchObject(id, 'schedule');
      return schedules[id];
    },
    async getRemote(id) {
      if (!(id in remotes)) throw new NoSuchObject(id, 'remote');
      return remotes[id];
    },

    /** xo-server's task list: records each task and runs its function. */
    tasks: {
      created: [],
      create(properties, options) {
        const entry = { properties, options, status: 'pending' };
        xo.tasks.created.push(entry);
        return {
          async run(fn) {
            try {
              const result = await fn();
              entry.status = 'success';
              return result;
            } catch (error) {
              entry.status = 'failure';
              throw error;
            }
          },
        };
      },
    },

    defineProperty(name, value) {
      if (name in xo) throw new Error(`Xo#${name} is already defined`);
      xo[name] = value;
      return () => delete xo[name];
    },

    addApiMethods(tree) {
      const added = [];
      const walk = (node, prefix) => {
        for (const [key, value] of Object.entries(node)) {
          const name = prefix + key;
          if (typeof value === 'function') {
            if (methods.has(name)) throw new Error(`API method ${name} already exists`);
            for (const prop of Object.keys(value)) {
              if (!ALLOWED_METHOD_PROPS.has(prop)) throw new Error(`invalid prop ${prop} for API method ${name}`);
            }
            const validate = value.params === undefined ? null : apiAjv.compile(toJsonSchema({ type: 'object', properties: structuredClone(value.params) }));
            methods.set(name, { fn: value, validate });
            added.push(name);
          } else {
            walk(value, `${name}.`);
          }
        }
      };
      walk(tree, '');
      return () => added.forEach((name) => methods.delete(name));
    },

    /** Calls a JSON-RPC method as xo-server does: permission, resolve, validation, `this` = xo. */
    async callApi(name, params = {}, { admin = true } = {}) {
      const method = methods.get(name);
      if (method === undefined) throw Object.assign(new Error(`method not found: ${name}`), { code: -32601 });
      const { fn, validate } = method;
      if (fn.permission === 'admin' && !admin) throw Object.assign(new Error('not enough permissions'), { code: 2 });
      params = { ...params };
      if (validate !== null && !validate(params)) throw Object.assign(new Error('invalid parameters'), { code: 10, data: validate.errors });
      for (const [key, [param, types]] of Object.entries(fn.resolve ?? {})) {
        const id = params[param];
        if (id == null) continue;
        const object = xo.getObject(id, types);
        delete params[param];
        params[key] = object;
      }
      return fn.call(xo, params);
    },

    registerRestRoutes(list, base = '/') {
      const mounted = list.map((route) => ({ ...route, endpoint: `${base}${route.endpoint}`.replace(/^\/+/, '') }));
      routes.push(...mounted);
      return () => mounted.forEach((route) => routes.splice(routes.indexOf(route), 1));
    },

    /** Calls a REST route as the external router does: path params, query, the `acl` middleware's object lookup, body, JSON result. */
    async callRest(method, path, { query = {}, body } = {}) {
      for (const route of routes) {
        if (route.method !== method) continue;
        const names = [];
        const pattern = new RegExp(`^${route.endpoint.replace(/\{(\w+)\}/g, (_, n) => (names.push(n), '([^/]+)'))}$`);
        const m = path.match(pattern);
        if (m === null) continue;
        const req = { params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])])), query, body };
        const restApi = { xoApp: xo };
        await applyAcls(route, req, restApi);
        const result = await route.callback({ req, res: { headersSent: false }, next() {}, restApi });
        return JSON.parse(JSON.stringify(result ?? null));
      }
      throw Object.assign(new Error(`no route ${method} ${path}`), { status: 404 });
    },
  });

  return xo;
}

/** The XAPI object type xo-server's `acl` middleware looks an id up as, per ACL resource, when the
 * route gives no `getObject` of its own (@xen-orchestra/rest-api middlewares/acl.middleware.mts,
 * XAPI_TYPE_BY_ACL_RESOURCE at 9ef53890; `backup-log` is not a XAPI object and has none). */
const XAPI_TYPE_BY_ACL_RESOURCE = { host: 'host', pool: 'pool', sr: 'SR', vdi: 'VDI', vm: 'VM', 'vm-snapshot': 'VM-snapshot', 'vm-template': 'VM-template' };

/** What xo-server's `acl` middleware does before the route's callback: each id the entry names
 * (`objectId: 'params.id'`) is looked up with the entry's `getObject({ restApi })(id)` or else as a
 * XAPI object of the resource's type; a lookup that throws ends the request with that error. */
async function applyAcls(route, req, restApi) {
  for (const middleware of route.middlewares ?? []) {
    if (middleware.name !== 'acl') continue;
    for (const entry of [middleware.acls].flat()) {
      const paths = entry.objectId !== undefined ? [entry.objectId] : (entry.objectIds ?? []);
      for (const path of paths) {
        const id = path.split('.').reduce((o, key) => o?.[key], req);
        if (id === undefined) continue;
        (await entry.getObject?.({ restApi })(id)) ?? restApi.xoApp.getObject(id, XAPI_TYPE_BY_ACL_RESOURCE[entry.resource]);
      }
    }
  }
}

/** Installs recording transports: what each one was asked to send lands in `xo.sent`. */
export function addTransports(xo, { email = true, slack = true, xmpp = true, icinga2 = true, behaviour = {} } = {}) {
  const record = (transport) => async (payload) => {
    const how = behaviour[transport];
    if (how === 'throw') throw new Error(`${transport} server refused the message`);
    if (how === 'hang') return new Promise(() => {});
    xo.sent.push({ transport, ...payload });
  };
  const undo = [];
  if (email) undo.push(xo.defineProperty('sendEmail', record('email')));
  if (slack) undo.push(xo.defineProperty('sendSlackMessage', record('slack')));
  if (xmpp) undo.push(xo.defineProperty('sendToXmppClient', record('xmpp')));
  if (icinga2) undo.push(xo.defineProperty('sendIcinga2Status', record('icinga2')));
  return () => undo.forEach((u) => u());
}
