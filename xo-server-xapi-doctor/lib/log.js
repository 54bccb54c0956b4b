'use strict';
// The plugin's log: the last entries in memory (what `xapiDoctor.getLog` and the tests read),
// each also written to xo-server's logger (`@xen-orchestra/log`, present wherever xo-server
// runs) or, outside xo-server, to the console for warnings and errors. Writing a log entry
// never throws.

const KEEP = 200;

function xoLogger(namespace) {
  try {
    return require('@xen-orchestra/log').createLogger(namespace);
  } catch {
    return null;
  }
}

function createLog(namespace = 'xo:xo-server-xapi-doctor') {
  const sink = xoLogger(namespace);
  const entries = [];
  const write = (level, message, data) => {
    try {
      entries.push({ time: new Date().toISOString(), level, message, data: data === undefined ? null : summarise(data) });
      if (entries.length > KEEP) entries.splice(0, entries.length - KEEP);
      if (sink !== null) sink[level](message, data);
      else if ((level === 'warn' || level === 'error') && !process.env.XO_XAPI_DOCTOR_QUIET) console[level](`[xapi-doctor] ${message}`, data ?? '');
    } catch {
      // a logger must not become a new failure
    }
  };
  return {
    entries,
    debug: (message, data) => write('debug', message, data),
    info: (message, data) => write('info', message, data),
    warn: (message, data) => write('warn', message, data),
    error: (message, data) => write('error', message, data),
  };
}

/** A JSON-safe copy of what was logged (errors as their message and code). */
function summarise(data) {
  if (data instanceof Error) return { message: data.message, code: data.code ?? null };
  if (data === null || typeof data !== 'object') return data;
  const out = {};
  for (const [key, value] of Object.entries(data)) {
    out[key] = value instanceof Error ? { message: value.message, code: value.code ?? null } : value;
  }
  return out;
}

module.exports = { createLog };
