'use strict';
// Diagnoses one backup run from its log (`xo.getBackupNgLogs(runId)`): every VM task that
// failed, was skipped or was interrupted (or has a sub-task that did), every other problem
// task, and the run-level error. Each is diagnosed by xapi-doctor with what the pool knows as
// context (the VM's and the SR's names and uuids, the SR type, the host version), so the `xe`
// commands come out filled in. A VM skipped by chain protection (`unhealthy VDI chain`, which
// names no disk) gets the chain check on its live records: which disk and which base copy trip
// it, how many coalesces are pending, and whether the SR is catching up.
//
// The work is cut per task and yields to the event loop between tasks, so a run of hundreds of
// VMs never holds xo-server's event loop for long.

const doctor = require('xapi-doctor');
const { checkVmChains, getObjectOrUndefined } = require('./live.js');

const PROBLEM_STATUSES = new Set(['failure', 'skipped', 'interrupted']);
const UNHEALTHY_CHAIN = 'unhealthy VDI chain';
/** Yield to the event loop after this much work in one go. */
const SLICE_MS = 8;
/** Task trees deeper than this are not walked (real ones are 4 levels deep; a log is data from outside). */
const MAX_DEPTH = 32;

const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));

function childTasks(task) {
  return Array.isArray(task?.tasks) ? task.tasks.filter((t) => t !== null && typeof t === 'object') : [];
}

function errorMessage(result) {
  if (typeof result === 'string') return result;
  if (result !== null && typeof result === 'object') {
    if (typeof result.message === 'string' && result.message !== '') return result.message;
    if (typeof result.code === 'string') return result.code;
  }
  return null;
}

/** The deepest tasks with a problem status in this subtree (the task itself when none below). */
function problemTasks(task, path = []) {
  const here = [...path, task];
  const below = here.length > MAX_DEPTH ? [] : childTasks(task).flatMap((child) => problemTasks(child, here));
  if (below.length > 0) return below;
  return PROBLEM_STATUSES.has(task.status) ? [{ task, path: here }] : [];
}

function isUnhealthyChain(task, depth = 0) {
  return errorMessage(task.result) === UNHEALTHY_CHAIN || (depth < MAX_DEPTH && childTasks(task).some((child) => isUnhealthyChain(child, depth + 1)));
}

function srContext(xo, srId) {
  const sr = getObjectOrUndefined(xo, srId, ['SR']);
  if (sr === undefined) return { srUuid: typeof srId === 'string' ? srId : null };
  return { srUuid: sr.uuid ?? sr.id, srName: sr.name_label ?? null, srType: sr.SR_type ?? null };
}

/** The SRs a VM's disks are on (CD drives left out). */
function diskSrsOf(xo, vm) {
  const srs = new Set();
  for (const vbdId of Array.isArray(vm?.$VBDs) ? vm.$VBDs : []) {
    const vbd = getObjectOrUndefined(xo, vbdId, ['VBD']);
    if (vbd === undefined || vbd.is_cd_drive || vbd.VDI == null) continue;
    const vdi = getObjectOrUndefined(xo, vbd.VDI);
    if (typeof vdi?.$SR === 'string') srs.add(vdi.$SR);
  }
  return [...srs];
}

/** xo-server's own version (`xo.version`, its package's), or null when this xo does not say. */
function xoServerVersionOf(xo) {
  return typeof xo?.version === 'string' && /^\d+\.\d+/.test(xo.version) ? xo.version : null;
}

/** The product and version of the pool master of an object's pool. */
function hostContext(xo, object) {
  const pool = getObjectOrUndefined(xo, object?.$pool, ['pool']);
  const master = getObjectOrUndefined(xo, pool?.master, ['host']);
  if (master === undefined) return {};
  return { hostVersion: master.version ?? null, product: master.productBrand ?? null };
}

/**
 * What the pool knows about a VM task's failure: the VM, the SR (the target SR of an export
 * to an SR, else the SR of the VM's disks when they are all on one) and the host version.
 */
function taskContext(xo, vmTask, failingPath, chainSrId) {
  const vmId = vmTask.data.id;
  const vm = getObjectOrUndefined(xo, vmId, ['VM', 'VM-snapshot', 'VM-template']);
  const context = { vmUuid: vmId, vmName: vm?.name_label ?? vmTask.data.name_label ?? null };
  const targetSr = [...failingPath].reverse().find((t) => t.data?.type === 'SR' && typeof t.data.id === 'string');
  const diskSrs = vm === undefined ? [] : diskSrsOf(xo, vm);
  const srId = chainSrId ?? targetSr?.data.id ?? (diskSrs.length === 1 ? diskSrs[0] : undefined);
  if (srId !== undefined) Object.assign(context, srContext(xo, srId));
  Object.assign(context, hostContext(xo, vm));
  return { context };
}

/** The backup repository (remote) a failing task wrote to, from the log and `xo.getRemote`. */
async function remoteOf(xo, failingPath) {
  const task = [...failingPath].reverse().find((t) => t.data?.type === 'remote' && typeof t.data.id === 'string');
  if (task === undefined) return null;
  let name = null;
  try {
    const remote = await xo.getRemote?.(task.data.id);
    if (typeof remote?.name === 'string') name = remote.name;
  } catch {
    // a remote deleted since the run: its id is all we have
  }
  return { id: task.data.id, name };
}

/** Remembers each SR's pending coalesces, to tell whether the SR is catching up. */
class CoalesceHistory {
  #bySr = new Map();

  /** Records a measurement and compares it with the previous one of the same SR. */
  record(srId, pending, at = Date.now()) {
    const previous = this.#bySr.get(srId) ?? null;
    this.#bySr.set(srId, { at, pending });
    if (this.#bySr.size > 10_000) this.#bySr.delete(this.#bySr.keys().next().value);
    if (previous === null) return { previous: null, verdict: 'first_check' };
    const verdict = pending > previous.pending ? 'growing' : pending < previous.pending ? 'shrinking' : 'unchanged';
    return { previous: { at: new Date(previous.at).toISOString(), pending: previous.pending }, verdict };
  }
}

/** The live chain check of a VM skipped by chain protection, reduced to what a report shows. */
function chainOfSkippedVm(xo, vmId, { tolerance, history }) {
  const report = checkVmChains(xo, [vmId], { tolerance });
  const vm = report.vms.find((v) => v.uuid === vmId || v.ref === vmId) ?? null;
  const diskSrIds = new Set((vm?.disks ?? []).map((d) => d.sr).filter(Boolean));
  const srs = report.srs
    .filter((sr) => diskSrIds.has(sr.id))
    .map((sr) => ({
      uuid: sr.uuid,
      nameLabel: sr.nameLabel,
      srType: sr.srType,
      pendingCoalesce: sr.pendingCoalesce,
      pendingLeafCoalesce: sr.pendingLeafCoalesce,
      vdisToCoalesce: sr.vdisToCoalesce,
      freeBytes: sr.freeBytes,
      trend: history.record(sr.id, sr.pendingCoalesce),
    }));
  const findings = report.findings.filter(
    (f) => f.subject.vmUuid === vmId || (f.subject.vmUuid === null && diskSrIds.has(f.subject.srUuid)),
  );
  return {
    tolerance: report.tolerance,
    wouldSkipNow: vm?.wouldSkip ?? null,
    checkNeverEnds: vm?.checkNeverEnds ?? false,
    trippedBy: vm?.trippedBy ?? null,
    disks: (vm?.disks ?? []).filter((d) => d.vbdType !== 'cd'),
    srs,
    findings,
    missing: report.missing,
  };
}

/**
 * Diagnoses a backup run log. `options`: `tolerance` (Xen Orchestra's `maxUncoalescedVdis`),
 * `history` (a CoalesceHistory), `job` (from `xo.getJob`), `log` (the plugin's log).
 */
async function diagnoseRun(xo, runLog, { tolerance, history = new CoalesceHistory(), job = null, log = null } = {}) {
  const started = performance.now();
  let sliceStart = started;
  const pause = async () => {
    if (performance.now() - sliceStart > SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  };

  // The xo-server that ran the job: a Xen Orchestra bug it already has the fix for is not named.
  const xoServerVersion = xoServerVersionOf(xo);
  const jobContext = { jobId: runLog.jobId ?? null, jobName: runLog.jobName ?? job?.name ?? null, xoServerVersion };
  const problems = [];
  const counts = { vms: 0, failed: 0, skipped: 0, interrupted: 0, succeeded: 0 };
  const notes = [];

  const diagnoseSafely = (input, context) => {
    try {
      return doctor.diagnose(input, { context }).findings;
    } catch (error) {
      log?.warn('could not diagnose a task', { runId: runLog.id, error });
      notes.push(`A task could not be diagnosed: ${error.message}`);
      return [];
    }
  };

  for (const task of childTasks(runLog)) {
    const isVm = task.data?.type === 'VM' && typeof task.data.id === 'string';
    if (isVm) {
      counts.vms += 1;
      const bucket = { failure: 'failed', skipped: 'skipped', interrupted: 'interrupted', success: 'succeeded' }[task.status];
      if (bucket !== undefined) counts[bucket] += 1;
    }
    const deepest = problemTasks(task);
    if (deepest.length === 0 && !PROBLEM_STATUSES.has(task.status)) continue;

    const failing = deepest[0] ?? { task, path: [task] };
    let context = { ...jobContext };
    let vmFound = null;
    let chain = null;
    if (isVm) {
      vmFound = getObjectOrUndefined(xo, task.data.id, ['VM']) !== undefined;
      if (!vmFound) notes.push(`VM ${task.data.name_label ?? task.data.id} is no longer in the pool: the advice uses the names in the log.`);
      if (vmFound && isUnhealthyChain(task)) {
        try {
          chain = chainOfSkippedVm(xo, task.data.id, { tolerance, history });
        } catch (error) {
          log?.warn('live chain check failed', { runId: runLog.id, vm: task.data.id, error });
          notes.push(`The chain check of VM ${task.data.id} failed: ${error.message}`);
        }
      }
      const trippedSr = chain?.disks.find((d) => d.wouldSkip)?.sr ?? undefined;
      context = { ...taskContext(xo, task, failing.path, trippedSr).context, xoServerVersion };
    }
    const problem = {
      taskId: task.id ?? null,
      task: task.message ?? null,
      status: PROBLEM_STATUSES.has(task.status) ? task.status : failing.task.status ?? null,
      vm: isVm ? { id: task.data.id, name: context.vmName ?? task.data.name_label ?? null, found: vmFound } : null,
      failedTask: failing.path.map((t) => t.message ?? 'task').join(' › '),
      remote: await remoteOf(xo, failing.path),
      error: errorMessage(failing.task.result),
      context,
      findings: diagnoseSafely(task, context),
      chain,
    };
    problems.push(problem);
    await pause();
  }

  const runError = errorMessage(runLog.result);
  if (runError !== null) {
    problems.push({
      taskId: runLog.id ?? null,
      task: runLog.message ?? 'backup',
      status: runLog.status ?? 'failure',
      vm: null,
      failedTask: runLog.message ?? 'backup',
      remote: null,
      error: runError,
      context: jobContext,
      findings: diagnoseSafely({ message: runLog.message ?? 'backup', status: runLog.status ?? 'failure', jobId: runLog.jobId ?? '', result: runLog.result }, jobContext),
      chain: null,
    });
  }

  const worst = worstSeverity(problems);
  return {
    runId: runLog.id ?? null,
    jobId: runLog.jobId ?? null,
    jobName: jobContext.jobName,
    mode: runLog.data?.mode ?? null,
    scheduleId: runLog.scheduleId ?? null,
    status: runLog.status ?? null,
    start: typeof runLog.start === 'number' ? new Date(runLog.start).toISOString() : null,
    end: typeof runLog.end === 'number' ? new Date(runLog.end).toISOString() : null,
    counts,
    problems,
    hasProblem: problems.length > 0 || ['failure', 'skipped', 'interrupted'].includes(runLog.status) || ['critical', 'error', 'warning'].includes(worst),
    worstSeverity: worst,
    notes,
    diagnosedInMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

const SEVERITY_ORDER = ['info', 'warning', 'error', 'critical'];

function worstSeverity(problems) {
  let worst = null;
  for (const problem of problems) {
    for (const finding of [...problem.findings, ...(problem.chain?.findings ?? [])]) {
      if (worst === null || SEVERITY_ORDER.indexOf(finding.severity) > SEVERITY_ORDER.indexOf(worst)) worst = finding.severity;
    }
  }
  return worst;
}

module.exports = { diagnoseRun, CoalesceHistory, problemTasks, errorMessage, xoServerVersionOf, UNHEALTHY_CHAIN };
