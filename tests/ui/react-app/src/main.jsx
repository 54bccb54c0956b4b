// The React test app: a log modal like XO 5's (BackupLog.jsx) for one of the fixtures
// (fixtures.json, written by tests/ui/react.test.mjs from tests/ui/fixtures.mjs), controls that
// change the display props, and a direct XapiDiagnosis. Whatever the callbacks receive goes
// into the app's state and is shown in the "Events" panel, which the test reads.
import { StrictMode, useCallback, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { XapiDiagnosis } from 'xapi-doctor/react';
import fixtures from './fixtures.json';
import { BackupLog } from './BackupLog.jsx';
import './app.css';

/** XO 5 links each task to its parent (not enumerable); the fork keeps the links after its copy. */
function linkParents(task) {
  for (const child of task.tasks ?? []) {
    Object.defineProperty(child, 'parent', { value: task });
    linkParents(child);
  }
  return task;
}

const PLAYGROUND_INPUTS = {
  sr44: 'SR_BACKEND_FAILURE_44(, There is insufficient space, )',
  io: { code: 'VDI_IO_ERROR', params: ['Device I/O errors'], name: 'XapiError', message: 'VDI_IO_ERROR(Device I/O errors)' },
  log: fixtures.sample.log, // the whole log: one finding per VM in trouble
};
const PLAYGROUND_CONTEXT = { srUuid: '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21', srType: 'lvmoiscsi' };

function App() {
  const params = new URLSearchParams(location.search);
  const [logName, setLogName] = useState(params.get('log') ?? 'sample');
  const [open, setOpen] = useState(true);
  const [expanded, setExpanded] = useState(false);
  const [theme, setTheme] = useState('');
  const [maxFindings, setMaxFindings] = useState('');
  const [playInput, setPlayInput] = useState('sr44');
  const [playContext, setPlayContext] = useState(false);
  const [playTiny, setPlayTiny] = useState(false);
  const [events, setEvents] = useState({ ready: {}, readyCount: 0, toggle: null, copy: null, error: null, playground: null });

  const log = useMemo(() => linkParents(structuredClone(fixtures[logName].log)), [logName]);

  // One callback for every task: the element's event target says which task it is about.
  const onReady = useCallback((detail, event) => {
    const taskId = event.target.closest('[data-task-id]')?.dataset.taskId ?? '?';
    setEvents((e) => ({ ...e, readyCount: e.readyCount + 1, ready: { ...e.ready, [taskId]: detail.diagnosis.findings.map((f) => f.rule) } }));
  }, []);
  const onToggle = useCallback((detail) => setEvents((e) => ({ ...e, toggle: detail })), []);
  const onCopy = useCallback((detail) => setEvents((e) => ({ ...e, copy: detail })), []);
  const onError = useCallback((detail) => setEvents((e) => ({ ...e, error: detail.error.message })), []);
  const onPlaygroundReady = useCallback(
    (detail) => setEvents((e) => ({ ...e, playground: { count: (e.playground?.count ?? 0) + 1, rules: detail.diagnosis.findings.map((f) => f.rule) } })),
    [],
  );

  const display = {
    expanded,
    theme: theme || null,
    maxFindings: maxFindings === '' ? null : Number(maxFindings),
    onReady,
    onToggle,
    onCopy,
    onError,
  };

  return (
    <main>
      <h1>Backup log</h1>
      <form className="controls" onSubmit={(e) => e.preventDefault()}>
        <label>
          Log{' '}
          <select id="log" value={logName} onChange={(e) => setLogName(e.target.value)}>
            {Object.entries(fixtures).map(([name, f]) => (
              <option key={name} value={name}>
                {name}: {f.title}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input id="expanded" type="checkbox" checked={expanded} onChange={(e) => setExpanded(e.target.checked)} /> expanded
        </label>
        <label>
          Theme{' '}
          <select id="theme" value={theme} onChange={(e) => setTheme(e.target.value)}>
            <option value="">auto</option>
            <option value="light">light</option>
            <option value="dark">dark</option>
          </select>
        </label>
        <label>
          Max findings <input id="max" type="number" min="0" value={maxFindings} onChange={(e) => setMaxFindings(e.target.value)} />
        </label>
        <button id="toggle-modal" type="button" onClick={() => setOpen((o) => !o)}>
          {open ? 'Close the log' : 'Open the log'}
        </button>
      </form>

      {open && (
        <section className="modal" aria-label="Backup log">
          <h2>{log.jobName ?? 'Backup run'}</h2>
          <p className="source">Source: {fixtures[logName].source}</p>
          <BackupLog log={log} display={display} />
        </section>
      )}

      <section className="playground" aria-label="XapiDiagnosis">
        <h2>XapiDiagnosis</h2>
        <label>
          Input{' '}
          <select id="pg-input" value={playInput} onChange={(e) => setPlayInput(e.target.value)}>
            <option value="sr44">SR_BACKEND_FAILURE_44 text</option>
            <option value="io">VDI_IO_ERROR error object</option>
            <option value="log">the whole sample log</option>
          </select>
        </label>
        <label>
          <input id="pg-context" type="checkbox" checked={playContext} onChange={(e) => setPlayContext(e.target.checked)} /> SR context
        </label>
        <label>
          <input id="pg-tiny" type="checkbox" checked={playTiny} onChange={(e) => setPlayTiny(e.target.checked)} /> at most 8 bytes of input
        </label>
        {open && (
          <XapiDiagnosis
            className="pg-diagnosis"
            style={{ maxWidth: '60rem' }}
            input={PLAYGROUND_INPUTS[playInput]}
            context={playContext ? { ...PLAYGROUND_CONTEXT } : null}
            options={playTiny ? { maxInputBytes: 8 } : null}
            onError={onError}
            expanded={expanded}
            theme={display.theme}
            maxFindings={display.maxFindings}
            onReady={onPlaygroundReady}
          />
        )}
      </section>

      <section className="events" aria-label="Events">
        <h2>Events</h2>
        <output id="ready-count">{events.readyCount}</output>
        <ul id="ready-by-task">
          {Object.entries(events.ready).map(([taskId, rules]) => (
            <li key={taskId} data-task-id={taskId}>
              {rules.join(' ')}
            </li>
          ))}
        </ul>
        <output id="last-toggle">{events.toggle ? `${events.toggle.rule} ${events.toggle.expanded}` : ''}</output>
        <output id="last-copy">{events.copy ? `${events.copy.ok} ${events.copy.command}` : ''}</output>
        <output id="last-error">{events.error ?? ''}</output>
        <output id="playground">{events.playground ? `${events.playground.count} ${events.playground.rules.join(' ')}` : ''}</output>
      </section>
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
