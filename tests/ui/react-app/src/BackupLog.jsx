// A backup log's task tree drawn the way Xen Orchestra 5's log modal draws it
// (xo-web's logs/backup-ng/log-alert-body.js, rewritten here in a few lines): one renderer per
// task kind, picked by `data.type` then by `message`, each with its warnings, its sub-tasks,
// its dates and a TaskError. TaskError shows what XO shows (the message, "Reason" for a skip,
// a documentation link for chain protection, a note for XAPI errors), and then
// <XoTaskDiagnosis task={task} />: the change a Xen Orchestra fork makes
// (docs/xo-integration.md).
import { XoTaskDiagnosis } from 'xapi-doctor/react';

const CHAIN_PROTECTION_DOC = 'https://docs.xen-orchestra.com/backup_troubleshooting#vdi-chain-protection';

const hasFailed = (task) => task.status !== 'success' && task.status !== 'pending';

function errorText(task) {
  if (!hasFailed(task) || task.result == null) return undefined;
  return task.result.message ?? task.result.code;
}

/** Where XO 5 shows a task's error, with the diagnosis under it. */
function TaskError({ task, display }) {
  const message = errorText(task);
  if (message === undefined) return null;
  const diagnosis = <XoTaskDiagnosis task={task} {...display} />;
  if (message === 'unhealthy VDI chain') {
    return (
      <div className="task-error">
        <a className="text-info" href={CHAIN_PROTECTION_DOC} rel="noopener noreferrer" target="_blank">
          Skipped: chain protection (read more)
        </a>
        {diagnosis}
      </div>
    );
  }
  const skipped = task.status === 'skipped';
  return (
    <div className="task-error">
      <strong>{skipped ? 'Reason' : 'Error'}:</strong> <span className={skipped ? 'text-info' : 'text-danger'}>{message}</span>
      {task.result.name === 'XapiError' && <span className="d-block">The error comes from the host (XAPI).</span>}
      {diagnosis}
    </div>
  );
}

function Status({ status }) {
  return <span className={`status status-${status}`}>{status}</span>;
}

function Warnings({ task }) {
  if (!task.warnings?.length) return null;
  return (
    <ul className="warnings">
      {task.warnings.map((w, i) => (
        <li key={i}>{w.message}</li>
      ))}
    </ul>
  );
}

function Dates({ task }) {
  return (
    <div className="dates">
      start {new Date(task.start).toISOString()}
      {task.end !== undefined && <> · end {new Date(task.end).toISOString()}</>}
    </div>
  );
}

/** The frame every renderer shares: a heading, then warnings, sub-tasks, dates and the error. */
function TaskItem({ task, heading, display, children }) {
  return (
    <li className="task" data-task-id={task.id}>
      <span className="task-heading">{heading}</span> <Status status={task.status} />
      <Warnings task={task} />
      {children}
      <Dates task={task} />
      <TaskError task={task} display={display} />
    </li>
  );
}

const BY_TYPE = {
  vm: (task) => `VM ${task.data.name_label ?? task.data.id}`,
  remote: (task) => `Remote ${task.data.name_label ?? task.data.id}`,
  sr: (task) => `SR ${task.data.name_label ?? task.data.id}`,
  pool: (task) => `Pool ${task.data.name_label ?? task.data.id}`,
  xo: () => 'XO',
};
const BY_MESSAGE = ['snapshot', 'merge', 'transfer', 'health check', 'vmstart', 'clean-vm', 'cloning-vm', 'copying-vm'];

function TaskLi({ task, display }) {
  const type = typeof task.data?.type === 'string' ? task.data.type.toLowerCase() : undefined;
  let heading;
  if (type !== undefined && BY_TYPE[type]) heading = BY_TYPE[type](task);
  else if (BY_MESSAGE.includes(task.message)) heading = task.message;
  else return null; // XO 5 draws no other task
  if (task.message === 'clean-vm' && !task.warnings?.length) return null; // nor a clean-vm without warnings
  return (
    <TaskItem task={task} heading={heading} display={display}>
      {task.tasks?.length > 0 && (
        <ul>
          {task.tasks.map((child) => (
            <TaskLi key={child.id} task={child} display={display} />
          ))}
        </ul>
      )}
    </TaskItem>
  );
}

/** The body of the modal: the run's own error when it has no task, else the task tree. */
export function BackupLog({ log, display }) {
  if (!log.tasks?.length) {
    return (
      <div className="log-body" data-task-id={log.id}>
        <Warnings task={log} />
        <TaskError task={log} display={display} />
      </div>
    );
  }
  return (
    <div className="log-body">
      <Warnings task={log} />
      <ul className="list-group">
        {log.tasks.map((task) => (
          <TaskLi key={task.id} task={task} display={display} />
        ))}
      </ul>
    </div>
  );
}
