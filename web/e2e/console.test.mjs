// The console's browser suite: a real `panther server --demo` (built from this checkout), Debian's
// Chromium driven by playwright-core, axe-core on every screen, a screenshot of every screen in
// e2e/screenshots/. Run with `npm run e2e` (or by .ci/run). CHROMIUM overrides /usr/bin/chromium.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const shots = join(here, 'screenshots');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let server, context, page, base, dataDir, profile;
let adminEmail, oneTimePassword;
const password = 'Corr3ct-Horse-Battery!';
const stdout = [];
const pageErrors = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// waitFor polls cond (an async function) until it returns a truthy value, up to ms.
async function waitFor(what, ms, cond) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ': ' + last.message : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  const bin = join(repo, 'bin', 'panther-e2e');
  if (!process.env.PANTHER_BIN) execFileSync('go', ['build', '-o', bin, './cmd/panther'], { cwd: repo, stdio: 'inherit' });
  dataDir = mkdtempSync(join(tmpdir(), 'panther-e2e-data-'));
  profile = mkdtempSync(join(tmpdir(), 'panther-e2e-chromium-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(process.env.PANTHER_BIN || bin, ['server', '--demo', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (b) => stdout.push(b.toString()));
  server.stderr.on('data', (b) => process.env.E2E_VERBOSE && process.stderr.write(b));
  await waitFor('the server to print its first admin', 120_000, async () => {
    const m = stdout.join('').match(/admin (\S+), one-time password (\S+)/);
    if (m) [, adminEmail, oneTimePassword] = m;
    return m && (await fetch(base + '/readyz')).ok;
  });
  mkdirSync(shots, { recursive: true });
  // A fresh profile (--user-data-dir) each run; bypassCSP lets the test inject axe-core (the
  // console itself runs under its CSP).
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    bypassCSP: true,
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
});

after(async () => {
  await context?.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
  for (const d of [dataDir, profile]) if (d && existsSync(d)) rmSync(d, { recursive: true, force: true });
});

// After each test, the page as it was (outside the committed screenshots) and any error shown:
// what a failure needs to be understood.
afterEach(async (t) => {
  if (!page) return;
  const name = t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
  await page.screenshot({ path: join(tmpdir(), `panther-e2e-last-${name}.png`) }).catch(() => {});
  const errors = await page.locator('.error-box').allInnerTexts().catch(() => []);
  if (errors.length) console.error(`# ${t.name}: ${page.url()} shows ${JSON.stringify(errors)}`);
});

// settle waits for the screen to finish loading: no skeletons, no busy regions.
async function settle() {
  await page.waitForLoadState('load');
  try {
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'), null, { timeout: 30_000 });
  } catch (e) {
    // Say which part of which screen stayed busy.
    const where = await page.evaluate(() =>
      [...document.querySelectorAll('[aria-busy="true"]')].map((el) => el.closest('section, .panel, main')?.querySelector('h1, h2')?.textContent ?? el.parentElement?.className),
    );
    throw new Error(`${page.url()} still loading after 30 s: ${JSON.stringify(where)} (${e.message})`);
  }
}

// check runs axe-core in the page (serious and critical violations fail) and saves a screenshot.
async function check(name) {
  await settle();
  await page.evaluate(axeSource);
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`) }));
  });
  const bad = res.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
  assert.deepEqual(bad, [], `axe on ${name}: ${JSON.stringify(bad, null, 1)}`);
  // A screen that failed to load shows an error box: none is expected on these screens.
  const errors = await page.locator('.error-box').allInnerTexts();
  assert.deepEqual(errors, [], `errors shown on ${name}`);
}

async function visit(path, name) {
  await page.goto(base + path);
  await check(name);
}

// gql runs a query with the page's session (same cookie, the page's CSRF token).
function gql(query, variables = {}) {
  return page.evaluate(
    async ([q, v]) => {
      const s = await (await fetch('/auth/session')).json();
      const r = await fetch('/graphql', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrfToken }, body: JSON.stringify({ query: q, variables: v }) });
      return r.json();
    },
    [query, variables],
  );
}

function cloudTrail(eventName, n) {
  return JSON.stringify({
    eventVersion: '1.09', userIdentity: { type: 'IAMUser', principalId: 'AIDAE2E', arn: 'arn:aws:iam::123456789012:user/e2e', accountId: '123456789012', userName: 'e2e' },
    eventTime: new Date().toISOString(), eventSource: 'signin.amazonaws.com', eventName, awsRegion: 'us-east-1', sourceIPAddress: '203.0.113.77', userAgent: 'e2e',
    requestParameters: null, responseElements: null, requestID: `e2e-${eventName}-${n}`, eventID: `e2e-${eventName}-${n}-${Date.now()}`, readOnly: false, eventType: 'AwsApiCall',
    managementEvent: true, recipientAccountId: '123456789012', eventCategory: 'Management',
  });
}

let push; // { url, token }

test('sign in with the one-time password, choose a new one', async () => {
  await page.goto(base + '/');
  await page.getByLabel('E-mail').waitFor();
  await check('signin');
  await page.getByLabel('E-mail').fill(adminEmail);
  await page.getByLabel('Password', { exact: true }).fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  await page.getByLabel('Password', { exact: true }).fill(oneTimePassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('New password', { exact: true }).waitFor();
  await check('signin-change-password');
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('New password again').fill(password);
  await page.getByRole('button', { name: 'Set password and sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  await page.getByRole('heading', { level: 1 }).waitFor();
});

test('create an HTTP source: push URL and token shown once', async () => {
  await page.goto(base + '/sources');
  await settle();
  await page.getByRole('group', { name: 'Add a source' }).getByRole('button').first().click();
  await page.getByLabel('Label').fill('e2e-edge');
  await page.getByLabel(/Log types/).fill('AWS.CloudTrail');
  await page.getByRole('button', { name: 'Create source' }).click();
  const url = await page.getByTestId('push-url').innerText();
  const token = await page.getByTestId('push-token').innerText();
  assert.match(url, /\/http\/[0-9a-f-]+$/);
  assert.ok(token.length > 20, 'a token');
  await check('sources-created');
  push = { url, token };
  await page.getByRole('button', { name: 'Done' }).click();
});

async function pushEvents(events) {
  const res = await fetch(push.url, { method: 'POST', headers: { Authorization: `Bearer ${push.token}` }, body: events.join('\n') + '\n' });
  assert.equal(res.status, 200, await res.text());
}

test('write a rule, run its tests, enable it; pushed events raise its alert', async () => {
  await page.goto(base + '/detections/new');
  await settle();
  await page.getByLabel('ID', { exact: true }).fill('E2E.ProbeCall');
  await page.getByLabel('Display name').fill('E2E probe call');
  await page.getByLabel('Severity').selectOption('HIGH');
  await page.getByLabel(/^Log types/).fill('AWS.CloudTrail');
  await page.getByLabel('Enabled when saved').uncheck();
  const editor = page.getByRole('textbox', { name: 'Python source', exact: true });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(
    'def rule(event):\n    return event.get("eventName") == "E2EProbe"\n\n\ndef title(event):\n    return f"E2E probe by {event.deep_get(\'userIdentity\', \'userName\')}"\n',
  );
  await page.getByRole('button', { name: 'Add a test' }).click();
  const ev = page.getByRole('textbox', { name: /^Test .*: event as JSON$/ });
  await ev.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(cloudTrail('E2EProbe', 0));
  await page.getByRole('button', { name: 'Run tests' }).click();
  await page.getByText('All 1 passed').waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/detections\/E2E\.ProbeCall$/);
  await page.getByText('○ Disabled').waitFor();
  await page.getByRole('button', { name: 'Enable' }).click();
  await page.getByText('● Enabled').waitFor();
  await check('detection-editor');

  await pushEvents([cloudTrail('E2EProbe', 1), cloudTrail('E2EProbe', 2), cloudTrail('DescribeInstances', 3)]);
  // The rule is hot-reloaded within a second or so; push again until its alert appears.
  await waitFor('the E2E alert', 90_000, async () => {
    const r = await gql(`{ alerts(input: { pageSize: 50, detectionId: "E2E.ProbeCall" }) { edges { node { id title } } } }`);
    const found = r.data?.alerts?.edges?.find((e) => e.node.title.startsWith('E2E probe'));
    if (!found) await pushEvents([cloudTrail('E2EProbe', Date.now())]);
    return found;
  });
});

test('alerts: the alert appears; change its status and comment on it', async () => {
  await page.goto(base + '/alerts');
  await settle();
  const link = page.getByRole('link', { name: /E2E probe by e2e/ }).first();
  await link.waitFor({ timeout: 30_000 });
  await check('alerts');
  await link.click();
  await page.waitForURL(/\/alerts\/[^/]+$/);
  await page.getByRole('heading', { level: 1, name: /E2E probe/ }).waitFor();
  await check('alert');
  await page.getByLabel('Status').selectOption('TRIAGED');
  await page.getByText('Status set to TRIAGED').waitFor();
  await page.getByRole('tab', { name: /Comments/ }).click();
  await page.getByLabel('Add a comment').fill('Looked at it from the e2e suite.');
  await page.getByRole('button', { name: 'Comment', exact: true }).click();
  await page.getByText('Looked at it from the e2e suite.').first().waitFor();
  await page.getByRole('tab', { name: /History/ }).click();
  await settle();
  await check('alert-history');
  const id = new URL(page.url()).pathname.split('/').pop();
  const r = await gql(`query($id: ID!) { alert(id: $id) { status comments { body } } }`, { id });
  assert.ok(r.data?.alert, JSON.stringify(r));
  assert.equal(r.data.alert.status, 'TRIAGED');
  assert.deepEqual(r.data.alert.comments.map((c) => c.body), ['Looked at it from the e2e suite.']);
});

test('data explorer: run a query and export it', async () => {
  await page.goto(base + '/explorer');
  await settle();
  await check('explorer');
  const editor = page.getByRole('textbox', { name: 'SQL query', exact: true });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText("SELECT eventName, count(*) AS n FROM panther_logs.aws_cloudtrail WHERE eventName = 'E2EProbe' GROUP BY 1");
  await page.getByRole('button', { name: 'Run query' }).click();
  await page.getByRole('button', { name: 'Export CSV' }).waitFor({ timeout: 60_000 });
  await check('explorer-results');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const csv = readFileSync(await dl.path(), 'utf8');
  assert.match(csv, /^eventName,n\r?\n"?E2EProbe"?,\d+/);
});

// Every other screen, with the demo's data: axe and a screenshot each.
test('every screen loads, passes axe, and is saved as a screenshot', async () => {
  const screens = [
    ['/', 'overview'],
    ['/detections', 'detections'],
    ['/helpers', 'helpers'],
    ['/data-models', 'data-models'],
    ['/search', 'indicator-search'],
    ['/sources', 'sources'],
    ['/log-types', 'log-types'],
    ['/log-types/AWS.CloudTrail', 'log-type'],
    ['/destinations', 'destinations'],
    ['/users', 'users'],
    ['/tokens', 'tokens'],
    ['/audit', 'audit'],
    ['/settings', 'settings'],
  ];
  for (const [path, name] of screens) await visit(path, name);
  // A source's own page, with its last events.
  await page.goto(base + '/sources');
  await settle();
  await page.getByRole('link', { name: 'e2e-edge' }).click();
  await page.getByRole('heading', { level: 1, name: 'e2e-edge' }).waitFor();
  await check('source');
  // Dark theme.
  await page.getByLabel('Theme').selectOption('dark');
  await visit('/', 'overview-dark');
  await visit('/alerts', 'alerts-dark');
  await page.getByLabel('Theme').selectOption('light');
  // 1920x1080.
  await page.setViewportSize({ width: 1920, height: 1080 });
  await visit('/', 'overview-1920');
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(pageErrors.filter((e) => !/Failed to load resource/.test(e)), [], 'errors in the page console');
});

test('sign out', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('E-mail').waitFor();
});
