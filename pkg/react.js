// `xapi-doctor/react`: React components over the <xapi-diagnosis> element (element.js), for Xen
// Orchestra 5's backup-log modal and any React app. They pass props in and events out; the
// element renders the findings.
//
//   import { XapiDiagnosis, XoTaskDiagnosis } from 'xapi-doctor/react';
//   <XapiDiagnosis input={task.result} context={{ vmUuid }} onReady={({ diagnosis }) => …} />
//   <XoTaskDiagnosis task={task} />        // where XO 5's TaskError shows a task's error
//
// Written as a class component with React.createElement (no JSX, no hooks): objects reach the
// element as properties through a ref, and the custom events are attached with
// addEventListener, because React 18 and older turn props of a custom element into attributes
// and do not attach custom events. Nothing here needs more than React 15's API (what XO 5
// runs). See docs/xo-integration.md.
import { Component, createElement } from 'react';
import './element.js';
import { applyProps, copyPlain, listen } from './bind.js';
import { taskDiagnosisInput } from './xo-task.js';

function pick(props) {
  const { input, context, options, diagnosis, expanded, maxFindings, theme, className } = props;
  return { input, context: copyPlain(context), options: copyPlain(options), diagnosis, expanded, maxFindings, theme, className };
}

/**
 * `<xapi-diagnosis>` as a React component. Props: `input`, `context`, `options`, `diagnosis`,
 * `expanded`, `maxFindings`, `theme`, `className`, `style`; callbacks `onReady`, `onError`,
 * `onCopy`, `onToggle` get the event's `detail` (and the event). `element` is the DOM element
 * while mounted (a ref to the component gives the component).
 */
export class XapiDiagnosis extends Component {
  constructor(props) {
    super(props);
    this.element = null;
    this.unlisten = null;
    this.applied = null;
    this.setElement = (node) => {
      this.element = node;
    };
  }

  componentDidMount() {
    const element = this.element;
    // The callbacks are read when an event comes, so new callbacks need no new listeners.
    this.unlisten = listen(element, ({ callback }, event) => {
      const fn = this.props[callback];
      if (typeof fn === 'function') fn(event.detail, event);
    });
    this.applied = pick(this.props);
    applyProps(element, this.applied, null);
  }

  componentDidUpdate() {
    const next = pick(this.props);
    applyProps(this.element, next, this.applied);
    this.applied = next;
  }

  componentWillUnmount() {
    this.unlisten?.();
    this.unlisten = null;
  }

  render() {
    return createElement('xapi-diagnosis', { ref: this.setElement, style: this.props.style });
  }
}

// A task gives the same input object for as long as it is the same task object, so that a
// re-render of the log does not diagnose again.
const inputs = new WeakMap();

/**
 * The diagnosis of one task of a Xen Orchestra backup log, for where XO 5's `TaskError`
 * renders: nothing unless XO shows an error for the task (it did not succeed and its result
 * has a message or a code), and nothing on a parent whose error came up from a sub-task (the
 * sub-task shows it). `log` (the whole log) or XO 5's `task.parent` links let the VM and SR of
 * the ancestors fill the commands; `context` wins over them. Other props go to `XapiDiagnosis`.
 */
export function XoTaskDiagnosis(props) {
  const { task, log, context, ...rest } = props;
  if (task === null || typeof task !== 'object') return null;
  const found = taskDiagnosisInput(task, { log, context });
  if (found === null) return null;
  let input = inputs.get(task);
  if (input === undefined) {
    input = found.input;
    inputs.set(task, input);
  }
  return createElement(XapiDiagnosis, { ...rest, input, context: found.context });
}
