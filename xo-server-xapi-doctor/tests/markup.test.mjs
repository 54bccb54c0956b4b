// Hostile text in a log or a pool (a VM named with HTML, an error message with Markdown links,
// Slack's `<!channel>`, backticks to break out of code spans) never becomes markup in what the
// plugin sends. The e-mail's Markdown is rendered with `marked`, as the transport-email plugin
// does (its raw HTML passes through), and the HTML is checked element by element.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Marked } from 'marked';
import factory from '../index.js';
import { createFakeXo, addTransports } from './fake-xo.mjs';
import { scenario, runLog } from './fixtures.mjs';
import { mdText, mdCode } from '../lib/report.js';

process.env.XO_XAPI_DOCTOR_QUIET = '1';

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(2)</script>',
  '[click](javascript:alert(3))',
  '![x](https://evil.example/pixel.png)',
  '``` </code><b>bold</b> ```',
  '<!channel> <@U123> &amp;',
  '# heading\n- list\n> quote',
  '<a href="https://evil.example">x</a>',
];
const ALLOWED_TAGS = new Set(['h2', 'h3', 'h4', 'p', 'ul', 'ol', 'li', 'strong', 'em', 'code', 'pre', 'a', 'blockquote', 'br']);

function htmlTags(html) {
  return [...html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g)].map((m) => ({ tag: m[2].toLowerCase(), attrs: m[3], closing: m[1] === '/' }));
}

async function hostileReport(name, message) {
  const s = scenario();
  const xo = createFakeXo(s);
  addTransports(xo);
  // A VM renamed in the pool, and an error message, both hostile.
  const vm = s.objects.find((o) => o.id === s.ids.web02);
  vm.name_label = name;
  const sr = s.objects.find((o) => o.id === s.ids.iscsi);
  sr.name_label = name;
  const log = runLog({
    id: '99',
    jobId: s.ids.jobId,
    jobName: name,
    status: 'failure',
    tasks: [
      { id: 't1', message: 'backup VM', status: 'failure', start: 1, end: 2, data: { type: 'VM', id: s.ids.web02, name_label: name }, result: { message: `SR_BACKEND_FAILURE_44(, ${message}, )`, name: 'XapiError', code: 'SR_BACKEND_FAILURE_44', params: ['', message, ''] } },
      { id: 't2', message: 'backup VM', status: 'failure', start: 1, end: 2, data: { type: 'VM', id: s.ids.web01, name_label: name }, result: { message, name: 'Error' } },
    ],
  });
  xo.getBackupNgLogs = async () => log;
  const plugin = factory({ xo });
  plugin.configure({ toMails: ['ops@example.org'], toXmpp: ['x@y'], icinga2: true, delaySeconds: 0 });
  plugin.load();
  await plugin.reportRun('99');
  return Object.fromEntries(xo.sent.map((m) => [m.transport, m]));
}

for (const hostile of HOSTILE) {
  test(`hostile text stays text: ${JSON.stringify(hostile)}`, async () => {
    const sent = await hostileReport(hostile, hostile);
    const html = new Marked().parse(sent.email.markdown);
    for (const { tag, attrs, closing } of htmlTags(html)) {
      assert.ok(ALLOWED_TAGS.has(tag), `unexpected <${tag}> in\n${html}`);
      assert.doesNotMatch(attrs, /\bon\w+=|javascript:|evil\.example/i, `attribute ${attrs}`);
      if (tag === 'a' && !closing) assert.match(attrs, /^ href="https?:\/\/(docs\.xen-orchestra\.com|xen-orchestra\.com|support\.citrix\.com|[a-z.]*xcp-ng\.org|github\.com|docs\.xenserver\.com|xapi-project\.github\.io)[^"]*"$/, attrs);
    }
    assert.doesNotMatch(html, /<img|<script|<b>/);
    // The hostile name is visible (escaped) in the rendered report.
    assert.ok(html.includes('&lt;') || !hostile.includes('<'), 'shown as text');
    // Slack: no raw angle brackets from the input (they would be links or mentions).
    const slackWithoutOurMarkup = sent.slack.message;
    assert.doesNotMatch(slackWithoutOurMarkup, /<[!@#]|<https?:|<img|<script/);
    assert.doesNotMatch(sent.email.subject, /[\r\n]/);
    assert.doesNotMatch(sent.xmpp.message.split('\n').slice(1).join(''), /[\u0000-\u0009\u000b-\u001f]/);
  });
}

test('mdText and mdCode: round trip through marked gives back the text', () => {
  const marked = new Marked();
  for (const text of ['a*b*c', 'x_y_z', '1. not a list', '- not a list', '`tick`', 'a & b < c > d', 'back\\slash', '[a](b)', '~~strike~~', 'a|b', 'see https://example.org/x and www.example.org', 'root@host.example']) {
    const inline = marked.parseInline(mdText(text));
    const decoded = inline.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    assert.equal(decoded, text, `${text} → ${mdText(text)} → ${inline}`);
    assert.doesNotMatch(inline, /<a /, 'no autolink');
    const code = marked.parseInline(mdCode(text));
    assert.match(code, /^<code>.*<\/code>$/);
  }
});
