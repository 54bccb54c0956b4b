// <xapi-diagnosis> in real Chromium, in a plain page under a strict CSP header: attributes and
// properties, compact and expanded, the toggle and its ARIA state, copy buttons, events, one
// WebAssembly load for many elements, properties set before the element is defined (React),
// hostile text rendered as text, and only http(s) links.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch } from './harness.mjs';
import { CSP, openPage, shot } from './page.mjs';

let server;
let browser;
before(async () => {
  server = await serve(undefined, { 'content-security-policy': CSP });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function settled(page) {
  await page.waitForFunction(() => {
    const els = [...document.querySelectorAll('xapi-diagnosis')];
    return els.length > 0 && els.every((e) => e.shadowRoot && e.findings !== undefined && e.shadowRoot.querySelector('.finding, .status:not([role=status])'));
  });
  await page.evaluate(() => Promise.all([...document.querySelectorAll('xapi-diagnosis')].map((e) => e.updateComplete)));
}

test('the element in a plain page: attribute, property, context, expanded, one module load', async () => {
  const { page, watch, context } = await openPage(browser, server.url, { permissions: ['clipboard-read', 'clipboard-write'] });
  await page.goto(`${server.url}/tests/browser/element.html`);
  await settled(page);

  const info = await page.evaluate(() => {
    const one = (id) => {
      const el = document.getElementById(id);
      const r = el.shadowRoot;
      return {
        rules: el.findings.map((f) => f.rule),
        shownRules: [...r.querySelectorAll('.finding')].map((a) => a.dataset.rule),
        title: r.querySelector('.title')?.textContent ?? null,
        severity: r.querySelector('.sev')?.textContent ?? null,
        toggle: r.querySelector('.toggle')?.getAttribute('aria-expanded') ?? null,
        detailsHidden: r.querySelector('.details')?.hidden ?? null,
        commands: [...r.querySelectorAll('.cmd code')].map((c) => c.textContent),
        status: r.querySelector('.status')?.textContent ?? null,
      };
    };
    return { attr: one('by-attr'), prop: one('by-prop'), expanded: one('expanded'), nothing: one('nothing'), ready: window.__ready };
  });
  assert.deepEqual(info.attr.rules.slice(0, 1), ['SR044']);
  assert.equal(info.attr.title, 'The SR does not have enough free space');
  assert.match(info.attr.severity, /Error/, 'the severity is written, not only coloured');
  assert.equal(info.attr.toggle, 'false', 'compact by default');
  assert.equal(info.attr.detailsHidden, true);
  assert.ok(info.attr.commands.includes('xe sr-scan uuid=5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21'), 'the context attribute fills the commands');
  assert.equal(info.prop.rules[0], 'XA001');
  assert.equal(info.expanded.rules[0], 'XA006');
  assert.equal(info.expanded.toggle, 'true');
  assert.equal(info.expanded.detailsHidden, false);
  assert.deepEqual(info.nothing.rules, []);
  assert.match(info.nothing.status, /No known snapshot or backup problem/);
  assert.ok(info.ready.some((r) => r.id === 'by-prop' && r.rules[0] === 'XA001'), 'xapi-diagnosis-ready carries the diagnosis');

  await shot(page, 'element-plain-page');

  // Open the details with the keyboard: the button is focusable and toggles aria-expanded.
  const toggle = page.locator('#by-attr .toggle').first();
  await toggle.focus();
  await page.keyboard.press('Enter');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.locator('#by-attr .details').first().isVisible(), true);
  const events = await page.evaluate(() => new Promise((resolve) => {
    document.getElementById('by-attr').addEventListener('xapi-diagnosis-copy', (e) => resolve(e.detail), { once: true });
    document.getElementById('by-attr').shadowRoot.querySelector('.copy').click();
  }));
  assert.equal(events.ok, true);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), events.command);
  assert.match(events.command, /^xe sr-list uuid=5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21 /);
  await page.waitForFunction(() => document.getElementById('by-attr').shadowRoot.querySelector('.copy').textContent.includes('Copied'));

  // Changing the attribute re-renders; setting the property wins over it.
  await page.evaluate(() => document.getElementById('by-attr').setAttribute('error', 'SR_BACKEND_FAILURE_109(, The snapshot chain is too long, )'));
  await page.waitForFunction(() => document.getElementById('by-attr').findings[0]?.rule === 'SR109');
  await page.evaluate(() => {
    document.getElementById('by-attr').input = ['LICENCE_RESTRICTION', 'PCI_device_for_auto_update'];
  });
  await page.waitForFunction(() => document.getElementById('by-attr').findings[0]?.rule === 'XA007');

  const wasm = watch.requests.filter((u) => u.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `the module is fetched once for five elements: ${wasm}`);
  const { csp, pwned } = await watch.check();
  assert.deepEqual(csp, [], 'no CSP violation');
  assert.deepEqual(pwned, []);
  assert.deepEqual(watch.foreign, []);
  assert.deepEqual(watch.errors, []);
  await context.close();
});

test('hostile text is rendered as text: no markup, no script, no javascript: link', async () => {
  const { page, watch, context } = await openPage(browser, server.url);
  await page.goto(`${server.url}/tests/browser/element.html`);
  await settled(page);
  const r = await page.evaluate(() => {
    const el = document.getElementById('hostile');
    return {
      rule: el.findings[0]?.rule,
      evidence: [...el.shadowRoot.querySelectorAll('.evidence .tx')].map((n) => n.textContent).join('\n'),
      imgs: window.__deep('img').length,
      scripts: window.__deep('script').filter((s) => !s.src).length,
      links: window.__deep('a').map((a) => a.getAttribute('href')),
    };
  });
  assert.equal(r.rule, 'SR109');
  assert.ok(r.evidence.includes('<img src=x onerror="window.__pwned.push("img")">'), r.evidence);
  assert.ok(r.evidence.includes('<script>window.__pwned.push("script")</script>'), r.evidence);
  assert.equal(r.imgs, 0);
  assert.equal(r.scripts, 0);
  assert.ok(r.links.every((h) => /^https?:/.test(h)), `only http(s) links: ${r.links}`);

  // A diagnosis handed in directly (e.g. from a server) cannot smuggle a javascript: link or markup.
  const injected = await page.evaluate(async () => {
    const el = document.createElement('xapi-diagnosis');
    el.setAttribute('expanded', '');
    document.body.append(el);
    el.diagnosis = {
      kind: 'text',
      smlog: null,
      findings: [
        {
          rule: 'XA000', ruleName: 'x', title: '<b onmouseover=alert(1)>bold</b>', category: 'other', severity: 'critical', codes: ['<i>X</i>'], params: {},
          summary: '<img src=x onerror=alert(1)>', cause: '<script>alert(1)</script>',
          remediation: [{ text: '<a href="javascript:alert(1)">click</a>', command: 'echo "<img src=x onerror=alert(1)>"' }],
          links: [{ title: 'bad', url: 'javascript:alert(1)' }, { title: 'data', url: 'data:text/html,<script>alert(1)</script>' }, { title: 'ok', url: 'https://docs.xen-orchestra.com/backup_troubleshooting' }],
          evidence: [{ text: '<svg onload=alert(1)>', line: 3, pid: null }], confidence: 'high', subject: { vmName: '<img src=x onerror=alert(2)>' },
        },
      ],
    };
    await el.updateComplete;
    const root = el.shadowRoot;
    return {
      title: root.querySelector('.title').textContent,
      links: [...root.querySelectorAll('a')].map((a) => a.href),
      elements: [...root.querySelectorAll('img, script, i, [onerror], [onload], [onmouseover]')].length,
      summary: root.querySelector('.summary').textContent,
    };
  });
  assert.equal(injected.title, '<b onmouseover=alert(1)>bold</b>');
  assert.equal(injected.summary, '<img src=x onerror=alert(1)>');
  assert.deepEqual(injected.links, ['https://docs.xen-orchestra.com/backup_troubleshooting']);
  assert.equal(injected.elements, 0);
  await page.mouse.move(200, 200);
  await page.waitForTimeout(100);
  const { csp, pwned } = await watch.check();
  assert.deepEqual(pwned, []);
  assert.deepEqual(watch.dialogs, []);
  assert.deepEqual(csp, []);
  await shot(page, 'element-hostile', { fullPage: false });
  await context.close();
});

test('React-style use: properties set before the element is defined, many elements, one load', async () => {
  const { page, watch, context } = await openPage(browser, server.url);
  await page.goto(`${server.url}/tests/browser/blank.html`);
  const rules = await page.evaluate(async () => {
    // React 18 sets unknown props on a custom element as properties when it is not yet defined:
    // the values live on the instance until the element upgrades.
    const early = document.createElement('xapi-diagnosis');
    early.input = { code: 'SR_BACKEND_FAILURE_44', params: ['', 'There is insufficient space', ''], name: 'XapiError' };
    early.context = { srUuid: '5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21' };
    document.body.append(early);
    await import('/pkg/element.js');
    const many = Array.from({ length: 12 }, (_, i) => {
      const el = document.createElement('xapi-diagnosis');
      el.input = i % 2 ? 'VDI_IO_ERROR(Device I/O errors)' : ['SR_BACKEND_FAILURE_109', '', 'The snapshot chain is too long', ''];
      document.body.append(el);
      return el;
    });
    await Promise.all([early, ...many].map((e) => e.updateComplete));
    const errors = [];
    const bad = document.createElement('xapi-diagnosis');
    bad.addEventListener('xapi-diagnosis-error', (e) => errors.push(e.detail.error.code));
    const cyclic = {};
    cyclic.self = cyclic;
    bad.input = cyclic;
    document.body.append(bad);
    await bad.updateComplete;
    return {
      early: early.findings[0]?.rule,
      earlyCommand: early.findings[0]?.remediation.some((s) => s.command === 'xe sr-scan uuid=5b1c2a3e-7d41-9f0e-2c6b-0a8e5d4f3b21'),
      many: many.map((e) => e.findings[0]?.rule),
      errors,
      badText: bad.shadowRoot.querySelector('[role=alert]')?.textContent ?? '',
    };
  });
  assert.equal(rules.early, 'SR044');
  assert.equal(rules.earlyCommand, true);
  assert.deepEqual(rules.many, Array.from({ length: 12 }, (_, i) => (i % 2 ? 'XA006' : 'SR109')));
  assert.deepEqual(rules.errors, ['INVALID_INPUT']);
  assert.match(rules.badText, /could not be diagnosed/);
  assert.equal(watch.requests.filter((u) => u.endsWith('.wasm')).length, 1);
  assert.deepEqual(watch.errors, []);
  await context.close();
});
