'use strict';
// The plugin's settings and the data of its "Test plugin" form, as JSON schemas: xo-server
// validates them with Ajv (`useDefaults`, so the defaults below are filled in) and XO 5's
// Settings › Plugins page builds its forms from them.

const configurationSchema = {
  type: 'object',
  properties: {
    when: {
      title: 'When to send',
      type: 'string',
      enum: ['failure', 'always', 'never'],
      enumNames: ['When a run has a problem', 'After every run', 'Never (API and UI only)'],
      default: 'failure',
      description: 'A run has a problem when a task failed, was skipped or was interrupted, or when a finding is a warning or worse.',
    },
    detail: {
      title: 'Report detail',
      type: 'string',
      enum: ['full', 'compact'],
      enumNames: ['Full: causes, steps with commands, evidence', 'Compact: one line per problem'],
      default: 'full',
      description: 'Applies to e-mail; Slack, XMPP and Icinga2 always get the compact report.',
    },
    toMails: {
      title: 'E-mail recipients',
      type: 'array',
      items: { type: 'string' },
      default: [],
      description: 'Needs the transport-email plugin.',
    },
    jobRecipients: {
      title: "Also the job's report recipients",
      type: 'boolean',
      default: false,
      description: "Send to the addresses set in the backup job's report settings as well.",
    },
    toXmpp: {
      title: 'XMPP recipients',
      type: 'array',
      items: { type: 'string' },
      default: [],
      description: 'Needs the transport-xmpp plugin.',
    },
    slack: {
      title: 'Post to Slack / Mattermost',
      type: 'boolean',
      default: true,
      description: 'When the transport-slack plugin is loaded.',
    },
    icinga2: {
      title: 'Send the status to Icinga2',
      type: 'boolean',
      default: false,
      description: 'When the transport-icinga2 plugin is loaded.',
    },
    subjectPrefix: {
      title: 'E-mail subject prefix',
      type: 'string',
      description: 'E.g. the name of this Xen Orchestra, to tell reports from several apart.',
    },
    maxUncoalescedVdis: {
      title: 'Chain tolerance (maxUncoalescedVdis)',
      type: 'number',
      description: "Pending coalesces Xen Orchestra tolerates per disk chain. Leave empty to use xo-server's own setting ([xapiOptions] maxUncoalescedVdis, 1 by default).",
    },
    delaySeconds: {
      title: 'Delay before diagnosing a run (seconds)',
      type: 'number',
      minimum: 0,
      default: 5,
      description: 'The run log is complete a few seconds after the job ends.',
    },
    transportTimeoutSeconds: {
      title: 'Give up on a transport after (seconds)',
      type: 'number',
      minimum: 1,
      default: 30,
    },
  },
  additionalProperties: false,
};

const testSchema = {
  type: 'object',
  properties: {
    runId: {
      title: 'Run id',
      type: 'string',
      description: 'The id of a backup run (its log id, shown in the backup logs): the plugin diagnoses it and sends the report, whatever the "When to send" setting.',
    },
  },
  required: ['runId'],
};

module.exports = { configurationSchema, testSchema };
