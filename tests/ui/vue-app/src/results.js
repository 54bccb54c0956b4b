// The results of a backup log as Xen Orchestra 6's side panel lists them (its
// getTasksResultsRecursively in xo-task.util.ts, rewritten here): the errors of the failed tasks,
// and the warnings and infos of every task, depth first.
//
// `fork: true` is the change docs/xo-integration.md describes: each error result keeps its
// task, and tasks skipped with a reason (chain protection…) are listed with the errors; stock
// XO 6 keeps only `{ message, stack }` of the failed tasks.
export function collectResults(tasks, kind, { fork = false } = {}) {
  const out = [];
  const visit = (task) => {
    if (kind === 'error') {
      const listed = task.status === 'failure' || (fork && task.status === 'skipped');
      if (listed && task.result !== undefined) {
        const result = { message: task.result.message ?? 'Unknown error', stack: task.result.stack ?? '' };
        out.push(fork ? { ...result, task } : result);
      }
    } else {
      for (const entry of task[kind === 'warning' ? 'warnings' : 'infos'] ?? []) {
        out.push({ message: entry.message ?? 'Unknown message', stack: entry.data ?? '' });
      }
    }
    for (const child of task.tasks ?? []) visit(child);
  };
  for (const task of tasks ?? []) visit(task);
  return out;
}
