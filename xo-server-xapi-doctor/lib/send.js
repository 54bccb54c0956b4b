'use strict';
// Sends a run's diagnosis through the transports other plugins define on `xo` (transport-email:
// `sendEmail`, transport-slack: `sendSlackMessage`, transport-xmpp: `sendToXmppClient`,
// transport-icinga2: `sendIcinga2Status`), as the configuration asks. A transport that is not
// loaded is skipped with a log entry; one that throws or does not answer within the timeout is
// logged and the others still go out. Nothing here throws.

const report = require('./report.js');

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not answer within ${ms / 1000} s`), { code: 'TIMEOUT' })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function uniqueStrings(...lists) {
  return [...new Set(lists.flat().filter((x) => typeof x === 'string' && x.trim() !== '').map((x) => x.trim()))];
}

/** The job's own report recipients (`settings[''].reportRecipients` of a backup job). */
function jobRecipients(job) {
  const recipients = job?.settings?.['']?.reportRecipients;
  return Array.isArray(recipients) ? recipients : [];
}

/**
 * Sends `diagnosis` as configured. Returns one `{ transport, ok, error }` per transport tried.
 */
async function sendDiagnosis(xo, diagnosis, conf, { job = null, log }) {
  const sends = [];
  const mails = uniqueStrings(conf.toMails ?? [], conf.jobRecipients ? jobRecipients(job) : []);
  if (mails.length > 0) {
    if (typeof xo.sendEmail === 'function') {
      sends.push([
        'email',
        () =>
          xo.sendEmail({
            to: mails,
            subject: report.subject(diagnosis, conf.subjectPrefix),
            markdown: report.markdown(diagnosis, { detail: conf.detail }),
          }),
      ]);
    } else {
      log.warn('e-mail recipients are set but the transport-email plugin is not loaded');
    }
  }
  const xmpp = uniqueStrings(conf.toXmpp ?? []);
  if (xmpp.length > 0) {
    if (typeof xo.sendToXmppClient === 'function') {
      sends.push(['xmpp', () => xo.sendToXmppClient({ to: xmpp, message: report.plainText(diagnosis) })]);
    } else {
      log.warn('XMPP recipients are set but the transport-xmpp plugin is not loaded');
    }
  }
  if (conf.slack !== false && typeof xo.sendSlackMessage === 'function') {
    sends.push(['slack', () => xo.sendSlackMessage({ message: report.slack(diagnosis) })]);
  }
  if (conf.icinga2 === true) {
    if (typeof xo.sendIcinga2Status === 'function') {
      sends.push(['icinga2', () => xo.sendIcinga2Status({ status: report.icingaStatus(diagnosis), message: report.plainText(diagnosis) })]);
    } else {
      log.warn('Icinga2 is enabled but the transport-icinga2 plugin is not loaded');
    }
  }
  const timeoutMs = Math.max(1, Number(conf.transportTimeoutSeconds) || 30) * 1000;
  const results = await Promise.all(
    sends.map(async ([transport, send]) => {
      try {
        await withTimeout(Promise.resolve().then(send), timeoutMs, transport);
        return { transport, ok: true, error: null };
      } catch (error) {
        log.warn(`sending the diagnosis by ${transport} failed`, { runId: diagnosis.runId, error });
        return { transport, ok: false, error: String(error?.message ?? error) };
      }
    }),
  );
  if (sends.length === 0) log.info('no transport to send the diagnosis through', { runId: diagnosis.runId });
  return results;
}

module.exports = { sendDiagnosis, withTimeout };
