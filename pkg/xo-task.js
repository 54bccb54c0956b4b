// What the React and Vue wrappers (react.js, vue.js) need to know about a task of a Xen
// Orchestra backup log, in one place so that both screens decide alike. No framework, no DOM.
//
// A backup log is a tree of tasks (`{ id, message, status, data, result, tasks }`, see
// docs/xo-integration.md). Xen Orchestra shows a task's error only when the task did not
// succeed and its result carries a message or a code; the wrappers show a diagnosis under the
// same condition. A parent task usually repeats the error of the sub-task that failed (a
// `backup VM` task ends with its `transfer`'s error): the diagnosis is shown once, next to the
// task where the error arose, and the parent shows none.

const MAX_DEPTH = 64; // deeper than any real log; bounds the walks on hostile or cyclic input

function isObject(value) {
  return value !== null && typeof value === 'object';
}

/** Xen Orchestra's own test: the task ended in any state but success (or is still running). */
export function hasTaskFailed(task) {
  return isObject(task) && task.status !== 'success' && task.status !== 'pending';
}

/**
 * The error text Xen Orchestra shows for the task (`result.message`, else `result.code`), or
 * null when it shows none.
 */
export function taskErrorText(task) {
  if (!hasTaskFailed(task) || !isObject(task.result)) return null;
  const { message, code } = task.result;
  if (message !== undefined && message !== null) return String(message);
  if (code !== undefined && code !== null) return String(code);
  return null;
}

function errorKey(task) {
  const { message, code } = task.result;
  return `${code ?? ''}\u0000${message ?? ''}`;
}

/** True when a failed sub-task (at any depth) carries the same error: the diagnosis belongs there. */
export function isPropagatedError(task) {
  if (taskErrorText(task) === null) return false;
  const key = errorKey(task);
  const seen = new Set();
  const visit = (node, depth) => {
    if (depth > MAX_DEPTH || seen.has(node)) return false;
    seen.add(node);
    for (const child of Array.isArray(node.tasks) ? node.tasks : []) {
      if (!isObject(child)) continue;
      if (taskErrorText(child) !== null && errorKey(child) === key) return true;
      if (visit(child, depth + 1)) return true;
    }
    return false;
  };
  return visit(task, 0);
}

/** The task without its sub-tasks: what is diagnosed (the sub-tasks have their own diagnosis). */
export function ownTask(task) {
  const own = {};
  for (const [key, value] of Object.entries(task)) if (key !== 'tasks') own[key] = value;
  return own;
}

/** The tasks from the root of `log` down to `task` (by identity, else by id), or null. */
function pathInLog(log, task) {
  if (!isObject(log)) return null;
  const find = (node, depth, matches) => {
    if (depth > MAX_DEPTH) return null;
    if (matches(node)) return [node];
    for (const child of Array.isArray(node.tasks) ? node.tasks : []) {
      if (!isObject(child)) continue;
      const path = find(child, depth + 1, matches);
      if (path) return [node, ...path];
    }
    return null;
  };
  return (
    find(log, 0, (node) => node === task) ??
    (task.id !== undefined ? find(log, 0, (node) => node.id === task.id && node.message === task.message) : null)
  );
}

/** The task and its ancestors, root first: from `log` when given, else from `task.parent` links. */
function lineage(task, log) {
  const path = pathInLog(log, task);
  if (path) return path;
  const chain = [task];
  let node = task;
  while (isObject(node.parent) && chain.length <= MAX_DEPTH && !chain.includes(node.parent)) {
    node = node.parent;
    chain.unshift(node);
  }
  return chain;
}

/**
 * What the log says about the VM and the SR a task is about (`{ vmUuid, vmName, srUuid,
 * srName }`, only the keys it knows): from the task's `data` and its ancestors' (`type` `VM`
 * or `SR`, `id`, `name_label`; XO 5 also puts the VM's name in `name`). `context` wins.
 */
export function taskContext(task, log, context) {
  const derived = {};
  for (const node of lineage(task, log)) {
    const data = isObject(node.data) ? node.data : null;
    const type = typeof data?.type === 'string' ? data.type.toLowerCase() : null;
    if (type === 'vm' && typeof data.id === 'string') {
      derived.vmUuid = data.id;
      const name = data.name_label ?? node.name;
      if (typeof name === 'string' && name !== '') derived.vmName = name;
      else delete derived.vmName;
    } else if (type === 'sr' && typeof data.id === 'string') {
      derived.srUuid = data.id;
      if (typeof data.name_label === 'string' && data.name_label !== '') derived.srName = data.name_label;
      else delete derived.srName;
    }
  }
  return isObject(context) ? { ...derived, ...context } : derived;
}

/**
 * Everything a wrapper needs for one task: `null` when nothing is to be shown (the task did not
 * fail, carries no error, or passed its error up from a sub-task), else the input to diagnose
 * and the context.
 */
export function taskDiagnosisInput(task, { log = null, context = null } = {}) {
  if (taskErrorText(task) === null || isPropagatedError(task)) return null;
  return { input: ownTask(task), context: taskContext(task, log, context) };
}

/**
 * For a bare result as Xen Orchestra 6's results card holds it (`{ message, stack }`): the
 * input to diagnose, or null when there is no message.
 */
export function resultInput(result) {
  if (!isObject(result)) return null;
  const { message, stack } = result;
  if (typeof message !== 'string' || message === '') return null;
  return typeof stack === 'string' && stack !== '' ? { message, stack } : { message };
}
