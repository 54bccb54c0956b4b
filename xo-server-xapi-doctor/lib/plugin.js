'use strict';
// The plugin instance xo-server drives: `configure(configuration)`, `load()`, `unload()`,
// `test({ runId })`.
//
// Loaded, it listens to `job:terminated` (emitted by xo-server when a job run ends, with the
// run id), waits a few seconds for the run log to settle, diagnoses the run and sends the
// diagnosis through the loaded transports; it also adds the `xapiDoctor.*` JSON-RPC methods
// and the REST routes the UIs call. Nothing it does may throw into xo-server or hang it: the
// event listener catches everything, every call into xo that can block has a time limit, and
// every failure ends up in the plugin's log.

const { createLog } = require('./log.js');
const { diagnoseRun, CoalesceHistory } = require('./run.js');
const { sendDiagnosis, withTimeout } = require('./send.js');
const { diagnoseOffloaded } = require('./offload.js');
const { jsonRpcMethods, restRoutes } = require('./api.js');
const live = require('./live.js');

const DEFAULTS = {
  when: 'failure',
  detail: 'full',
  toMails: [],
  jobRecipients: false,
  toXmpp: [],
  slack: true,
  icinga2: false,
  subjectPrefix: undefined,
  maxUncoalescedVdis: undefined,
  delaySeconds: 5,
  transportTimeoutSeconds: 30,
};
/** Time limit of a call into xo that may block (`getBackupNgLogs`, `getJob`); `[plugins.xapi-doctor] xoTimeoutSeconds`. */
const XO_CALL_TIMEOUT_SECONDS = 60;

class XapiDoctorPlugin {
  constructor({ xo, staticConfig = {} }) {
    this.xo = xo;
    this.staticConfig = staticConfig ?? {};
    this.log = createLog();
    this.conf = { ...DEFAULTS };
    this.history = new CoalesceHistory();
    this.loaded = false;
    this.timers = new Set();
    this.unregister = [];
    this.inFlight = new Set();
    this.xoTimeoutMs = (Number(this.staticConfig.xoTimeoutSeconds) > 0 ? Number(this.staticConfig.xoTimeoutSeconds) : XO_CALL_TIMEOUT_SECONDS) * 1000;
    this.onJobTerminated = this.onJobTerminated.bind(this);
  }

  configure(configuration) {
    this.conf = { ...DEFAULTS, ...(configuration ?? {}) };
  }

  load() {
    if (this.loaded) return;
    this.xo.on('job:terminated', this.onJobTerminated);
    this.unregister.push(() => this.xo.removeListener('job:terminated', this.onJobTerminated));
    this.register('JSON-RPC methods', () => this.xo.addApiMethods?.(jsonRpcMethods(this)));
    this.register('REST routes', () => this.xo.registerRestRoutes?.(restRoutes(this)));
    this.loaded = true;
    this.log.info('loaded');
  }

  /** Registers something whose registration returns its own undo; a failure is logged, not fatal. */
  register(what, add) {
    try {
      const undo = add();
      if (typeof undo === 'function') this.unregister.push(undo);
      else if (undo === undefined) this.log.info(`this xo-server has no ${what} registration; skipped`);
    } catch (error) {
      this.log.warn(`could not register the ${what}`, { error });
    }
  }

  unload() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const undo of this.unregister.splice(0).reverse()) {
      try {
        undo();
      } catch (error) {
        this.log.warn('unregistering failed', { error });
      }
    }
    this.loaded = false;
    this.log.info('unloaded');
  }

  /** "Test plugin": diagnoses the run and sends the report, whatever `when` says. */
  async test({ runId } = {}) {
    const diagnosis = await this.diagnoseRunById(runId);
    const results = await sendDiagnosis(this.xo, diagnosis, this.conf, { job: diagnosis.job, log: this.log });
    const failed = results.filter((r) => !r.ok);
    if (results.length === 0) throw new Error('no transport is configured or loaded: nothing was sent (the diagnosis itself worked)');
    if (failed.length > 0) throw new Error(`sending failed: ${failed.map((r) => `${r.transport}: ${r.error}`).join('; ')}`);
  }

  // ---- the backup runs ----------------------------------------------------------------------

  onJobTerminated(runJobId, { type } = {}) {
    try {
      if (type === 'call' || runJobId == null) return;
      const runId = String(runJobId);
      const delayMs = Math.max(0, Number(this.conf.delaySeconds) || 0) * 1000;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        const work = this.asXoTask(runId, () => this.reportRun(runId))
          .catch((error) => this.log.error('diagnosing a run failed', { runId, error }))
          .finally(() => this.inFlight.delete(work));
        this.inFlight.add(work);
      }, delayMs);
      timer.unref?.();
      this.timers.add(timer);
    } catch (error) {
      this.log.error('job:terminated handler failed', { runJobId, error });
    }
  }

  /**
   * Runs `fn` as an entry of Xen Orchestra's task list ("Diagnosing backup run"), cleared when it
   * succeeds, so a failure stays visible to the administrator; plainly when xo has no task list.
   */
  asXoTask(runId, fn) {
    let task;
    try {
      task = this.xo.tasks?.create?.({ type: 'xo:xo-server-xapi-doctor:diagnose', name: 'Diagnosing backup run', runId }, { clearLogOnSuccess: true });
    } catch (error) {
      this.log.debug('no XO task for the diagnosis', { error });
    }
    return typeof task?.run === 'function' ? task.run(fn) : fn();
  }

  /** Diagnoses a finished run and sends it when the configuration says so. */
  async reportRun(runId) {
    if (this.conf.when === 'never') return null;
    const diagnosis = await this.diagnoseRunById(runId);
    if (!this.loaded) return diagnosis; // unloaded meanwhile: send nothing
    if (this.conf.when === 'failure' && !diagnosis.hasProblem) {
      this.log.debug('run without problem: nothing sent', { runId });
      return diagnosis;
    }
    diagnosis.sent = await sendDiagnosis(this.xo, diagnosis, this.conf, { job: diagnosis.job, log: this.log });
    return diagnosis;
  }

  /** The diagnosis of a run by its id (the log id). Throws when xo has no such run. */
  async diagnoseRunById(runId) {
    if (typeof runId !== 'string' || runId === '') throw new Error('a run id is required');
    const runLog = await withTimeout(Promise.resolve().then(() => this.xo.getBackupNgLogs(runId)), this.xoTimeoutMs, 'getBackupNgLogs');
    if (runLog === null || typeof runLog !== 'object' || Array.isArray(runLog)) {
      throw Object.assign(new Error(`no backup log with run id ${runId}`), { code: 'NO_SUCH_RUN' });
    }
    let job = null;
    if (typeof runLog.jobId === 'string') {
      try {
        job = await withTimeout(Promise.resolve().then(() => this.xo.getJob(runLog.jobId)), this.xoTimeoutMs, 'getJob');
      } catch (error) {
        this.log.info('the job of the run could not be read', { runId, jobId: runLog.jobId, error });
      }
    }
    const diagnosis = await diagnoseRun(this.xo, runLog, {
      tolerance: live.toleranceOf(this.xo, this.conf.maxUncoalescedVdis),
      history: this.history,
      job,
      log: this.log,
    });
    Object.defineProperty(diagnosis, 'job', { value: job, enumerable: false });
    return diagnosis;
  }

  // ---- what the APIs call -------------------------------------------------------------------

  diagnoseInput(input, options) {
    return diagnoseOffloaded(input, options);
  }

  checkVmChains(vmId, tolerance) {
    return live.checkVmChains(this.xo, [vmId], { tolerance: live.toleranceOf(this.xo, tolerance ?? this.conf.maxUncoalescedVdis), graph: true });
  }

  checkSrChains(srId, tolerance) {
    return live.checkSrChains(this.xo, srId, { tolerance: live.toleranceOf(this.xo, tolerance ?? this.conf.maxUncoalescedVdis) });
  }

  planSnapshotSpace(vmId, options) {
    return live.planVmSnapshotSpace(this.xo, vmId, options);
  }
}

module.exports = { XapiDoctorPlugin, DEFAULTS };
