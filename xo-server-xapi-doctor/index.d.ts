// Types of the xo-server plugin: what its API methods and REST routes return. The library's own
// types (Diagnosis, Finding, ChainReport, SpacePlan…) come from the xapi-doctor package.
import type { Context, Diagnosis, Finding, ChainReport, DiskChain, SpacePlan } from 'xapi-doctor';

/** The plugin factory, as xo-server's loader calls it. */
declare function pluginFactory(options: { xo: object; staticConfig?: Record<string, unknown>; getDataDir?: () => Promise<string> }): {
  configure(configuration: Record<string, unknown>, state?: { loaded: boolean }): void;
  load(): void;
  unload(): void;
  test(data: { runId: string }): Promise<void>;
};
declare namespace pluginFactory {
  export const configurationSchema: object;
  export const testSchema: object;

  /** A pool object the chain check wanted and xo no longer had. */
  export interface MissingObject {
    type: 'VM' | 'VBD' | 'VDI' | 'SR';
    id: string;
  }

  /** Whether an SR's pending coalesces went up or down since the plugin last checked it. */
  export interface CoalesceTrend {
    previous: { at: string; pending: number } | null;
    verdict: 'first_check' | 'growing' | 'shrinking' | 'unchanged';
  }

  /** The live chain check of a VM skipped by chain protection. */
  export interface SkippedVmChain {
    /** The tolerance used (Xen Orchestra's `maxUncoalescedVdis`); `null` when the check never trips. */
    tolerance: number | null;
    /** Whether Xen Orchestra would skip the VM now (`false`: coalesce caught up since the run). */
    wouldSkipNow: boolean | null;
    checkNeverEnds: boolean;
    /** The base copy at which the check trips. */
    trippedBy: string | null;
    /** The VM's disks (CD drives left out), with `wouldSkip` on the one that trips. */
    disks: DiskChain[];
    srs: Array<{
      uuid: string | null;
      nameLabel: string | null;
      srType: string | null;
      pendingCoalesce: number;
      pendingLeafCoalesce: number;
      vdisToCoalesce: number;
      freeBytes: number | null;
      trend: CoalesceTrend;
    }>;
    /** The chain check's findings about this VM and its SRs. */
    findings: Finding[];
    missing: MissingObject[];
  }

  /** One failed, skipped or interrupted task of a run (a VM's, another task's, or the run's own error). */
  export interface RunProblem {
    taskId: string | null;
    /** `backup VM`, or the run's `backup` for a run-level error. */
    task: string | null;
    status: 'failure' | 'skipped' | 'interrupted' | string | null;
    vm: { id: string; name: string | null; found: boolean } | null;
    /** The path of the deepest task that failed: `backup VM › export › transfer`. */
    failedTask: string;
    /** The backup repository the failing task wrote to (`getRemote`), when it is one. */
    remote: { id: string; name: string | null } | null;
    /** Its error message as the log has it, or `null` (an interrupted task records none). */
    error: string | null;
    /** What the pool knew, given to the diagnosis. */
    context: Context & { jobId?: string | null; jobName?: string | null };
    findings: Finding[];
    /** For a VM skipped by chain protection. */
    chain: SkippedVmChain | null;
  }

  /** A backup run's diagnosis (`xapiDoctor.diagnoseRun`, `GET /rest/v0/plugins/xapi-doctor/backup-logs/{id}`). */
  export interface RunDiagnosis {
    runId: string | null;
    jobId: string | null;
    jobName: string | null;
    mode: string | null;
    scheduleId: string | null;
    status: string | null;
    start: string | null;
    end: string | null;
    counts: { vms: number; failed: number; skipped: number; interrupted: number; succeeded: number };
    problems: RunProblem[];
    /** Something failed, was skipped or interrupted, or a finding is a warning or worse. */
    hasProblem: boolean;
    worstSeverity: Finding['severity'] | null;
    notes: string[];
    diagnosedInMs: number;
  }

  /** `xapiDoctor.checkVmChains` / `checkSrChains`: the library's report plus what could not be read. */
  export type LiveChainReport = ChainReport & { missing: MissingObject[] };
  export type LiveSpacePlan = SpacePlan & { missing: MissingObject[] };
  type _Diagnosis = Diagnosis;
  export type { _Diagnosis as Diagnosis };
}
export = pluginFactory;
