// How the framework wrappers (react.js, vue.js) drive an <xapi-diagnosis> element: they set its
// *properties* (objects must not go through attributes, where they would become
// "[object Object]") and listen to its custom events with addEventListener, which works in
// every React and Vue version. The element does all the rendering; this only passes values.
//
// Only what changed is set: each property write makes the element diagnose again.

/** The element's events and the wrapper callbacks (React) or emitted names (Vue) they map to. */
export const EVENTS = [
  ['xapi-diagnosis-ready', 'onReady', 'ready'],
  ['xapi-diagnosis-error', 'onError', 'error'],
  ['xapi-diagnosis-copy', 'onCopy', 'copy'],
  ['xapi-diagnosis-toggle', 'onToggle', 'toggle'],
];

/** Adds `handler(name, event)` for every event of the element; returns the function that removes them. */
export function listen(element, handler) {
  const listeners = EVENTS.map(([type, callback, emitted]) => [type, (event) => handler({ callback, emitted }, event)]);
  for (const [type, listener] of listeners) element.addEventListener(type, listener);
  return () => {
    for (const [type, listener] of listeners) element.removeEventListener(type, listener);
  };
}

/**
 * A copy of a small plain object (a context, options), kept as what was applied: a change made
 * later inside the caller's object is then seen as a change. A cycle keeps the object itself.
 */
export function copyPlain(value) {
  if (value === null || value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value));
  } catch {
    return value;
  }
}

// Contexts and options are small objects, often written inline (a new object at each render):
// compare them by value so that a re-render with the same values does not diagnose again.
function sameValue(a, b) {
  if (a === b) return true;
  try {
    return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  } catch {
    return false; // not serialisable (a cycle): treat as changed; diagnose() will report it
  }
}

function setAttribute(element, name, value) {
  if (value === null || value === undefined || value === false || value === '') element.removeAttribute(name);
  else element.setAttribute(name, String(value));
}

/**
 * Sets on `element` what differs between `next` and `prev` (all of it when `prev` is null):
 * `input`, `context`, `options`, `diagnosis` and `expanded` as properties; `maxFindings`
 * (`max-findings`), `theme` and, when the wrapper owns it, `className` as attributes. A given
 * `diagnosis` is rendered as it is and wins over `input`.
 */
export function applyProps(element, next, prev = null) {
  const changed = (key) => prev === null || prev[key] !== next[key];
  if (prev === null || !sameValue(prev.options, next.options)) element.options = next.options ?? null;
  if (prev === null || !sameValue(prev.context, next.context)) element.context = next.context ?? null;
  if (changed('input') || changed('diagnosis')) {
    if (next.diagnosis !== null && next.diagnosis !== undefined) element.diagnosis = next.diagnosis;
    else element.input = next.input ?? null;
  }
  if (changed('expanded') && (prev !== null || next.expanded)) element.expanded = Boolean(next.expanded);
  if (changed('maxFindings')) setAttribute(element, 'max-findings', next.maxFindings);
  if (changed('theme')) setAttribute(element, 'theme', next.theme);
  if ('className' in next && changed('className')) setAttribute(element, 'class', next.className);
}
