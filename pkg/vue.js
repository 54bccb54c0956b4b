// `xapi-doctor/vue`: Vue 3 components over the <xapi-diagnosis> element (element.js), for Xen
// Orchestra 6's backup log panel and any Vue app. They pass props in and emit the element's
// events out; the element renders the findings.
//
//   import { XapiDiagnosis, XoTaskDiagnosis } from 'xapi-doctor/vue';
//   <XapiDiagnosis :input="task.result" :context="{ vmUuid }" @ready="({ diagnosis }) => …" />
//   <XoTaskDiagnosis :result="result" :task="result.task" :log="backupLog" />
//
// defineComponent with a render function, not a single-file component, so that the package
// needs no build step and the app no `isCustomElement` setting (a render function's tag is
// always an element). Objects are set as properties on the element and the events are
// listened to with addEventListener. `class` and `style` fall through to the element.
// See docs/xo-integration.md.
import { computed, defineComponent, h, onBeforeUnmount, onMounted, shallowRef, toRaw, watch } from 'vue';
import './element.js';
import { applyProps, copyPlain, listen } from './bind.js';
import { resultInput, taskDiagnosisInput } from './xo-task.js';

const anything = { type: null, default: null };
const object = { type: Object, default: null };

const displayProps = {
  options: object,
  expanded: { type: Boolean, default: false },
  maxFindings: { type: [Number, String], default: null },
  theme: { type: String, default: null },
};

const EMITS = ['ready', 'error', 'copy', 'toggle'];

function json(value) {
  try {
    return JSON.stringify(value ?? null);
  } catch {
    return value; // a cycle: compared by identity instead
  }
}

/**
 * `<xapi-diagnosis>` as a Vue component. Props: `input`, `context`, `options`, `diagnosis`,
 * `expanded`, `maxFindings`, `theme`; emits `ready`, `error`, `copy`, `toggle` with the event's
 * `detail`. Exposes `element` (the DOM element while mounted).
 */
export const XapiDiagnosis = defineComponent({
  name: 'XapiDiagnosis',
  props: {
    input: anything,
    context: object,
    diagnosis: { type: [Object, Array], default: null },
    ...displayProps,
  },
  emits: EMITS,
  setup(props, { emit, expose }) {
    const element = shallowRef(null);
    // Plain values for the element: a reactive proxy would work, but costs on every read.
    const snapshot = () => ({
      input: toRaw(props.input),
      context: copyPlain(toRaw(props.context)),
      options: copyPlain(toRaw(props.options)),
      diagnosis: toRaw(props.diagnosis),
      expanded: props.expanded,
      maxFindings: props.maxFindings,
      theme: props.theme,
    });
    let applied = null;
    let unlisten = null;

    onMounted(() => {
      unlisten = listen(element.value, ({ emitted }, event) => emit(emitted, event.detail));
      applied = snapshot();
      applyProps(element.value, applied, null);
    });
    // Contexts and options are read as JSON so that a change inside them is seen too.
    watch(
      [() => props.input, () => props.diagnosis, () => json(props.context), () => json(props.options), () => props.expanded, () => props.maxFindings, () => props.theme],
      () => {
        if (!element.value) return;
        const next = snapshot();
        applyProps(element.value, next, applied);
        applied = next;
      },
    );
    onBeforeUnmount(() => {
      unlisten?.();
      unlisten = null;
    });
    expose({ element });
    return () => h('xapi-diagnosis', { ref: element });
  },
});

/**
 * The diagnosis of one result of a Xen Orchestra backup log, for XO 6's results card. From
 * `result` alone (`{ message, stack }`, what the card holds) it diagnoses the message; given
 * the `task` it diagnoses the task's own error as XO shows it (nothing when the task did not
 * fail or passed its error up from a sub-task, which shows it), and with `log` (the whole log)
 * the VM and SR of its ancestors fill the commands. `context` wins over them.
 */
export const XoTaskDiagnosis = defineComponent({
  name: 'XoTaskDiagnosis',
  props: {
    task: object,
    result: object,
    log: object,
    context: object,
    ...displayProps,
  },
  emits: EMITS,
  setup(props, { emit }) {
    const found = computed(() => {
      const task = toRaw(props.task);
      if (task !== null && typeof task === 'object') return taskDiagnosisInput(task, { log: toRaw(props.log), context: toRaw(props.context) });
      const input = resultInput(toRaw(props.result));
      return input === null ? null : { input, context: toRaw(props.context) };
    });
    return () =>
      found.value === null
        ? null
        : h(XapiDiagnosis, {
            input: found.value.input,
            context: found.value.context,
            options: props.options,
            expanded: props.expanded,
            maxFindings: props.maxFindings,
            theme: props.theme,
            onReady: (detail) => emit('ready', detail),
            onError: (detail) => emit('error', detail),
            onCopy: (detail) => emit('copy', detail),
            onToggle: (detail) => emit('toggle', detail),
          });
  },
});
