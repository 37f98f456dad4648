// Browser test of Gale's web UI: flows of steps in headless Chromium driven by playwright-core.
// Written against the UI contract (data-testid attributes), not against the UI's code.
//
// Run by UiBrowserTests.cs, or by hand against a running `gale serve`:
//   GALE_UI_URL=http://127.0.0.1:PORT GALE_UI_API_KEY=KEY GALE_UI_DAG=DAG_ID [GALE_UI_RUN=RUN_ID] \
//   [GALE_UI_ASSET=URI] [GALE_UI_SCREENSHOTS=DIR] [GALE_CHROMIUM=/usr/bin/chromium] \
//   [GALE_UI_BROKEN_FILE=NAME] [GALE_UI_SHAPES_DAG=ID] [GALE_UI_LIVE_DAG=ID] [GALE_UI_EVENT_DAG=ID] \
//   [GALE_UI_WATCHER=NAME GALE_UI_WATCHED_BLOB=BLOB_NAME] [GALE_UI_LOGIN_URL=URL] \
//   node tests/Gale.Host.Tests/Browser/ui.spec.mjs
//
// Flows: 'core' (login, trigger, grid, graph, Gantt, task panel, clear, mark failed, assets; the others need it, so
// its failure ends the script), then, each only when its variable is set, independent flows whose failure is
// reported and does not stop the next one: 'import-errors' (GALE_UI_BROKEN_FILE: a DAG file that fails to load),
// 'live' (GALE_UI_LIVE_DAG: task `slow` sleeps a few seconds, then `boom` fails), 'groups-and-mapping'
// (GALE_UI_SHAPES_DAG: group `extract` with `users` and `orders`, `each` mapped over 3 values), 'external-event'
// (GALE_UI_EVENT_DAG: `prepare`, `wait` waiting for event `approve`, `publish` echoing "approved by" its XCom),
// 'watchers' (GALE_UI_WATCHER: a blob watcher that has seen blob GALE_UI_WATCHED_BLOB), and 'pause' (the core DAG).
//
// Every step saves a full-page screenshot (NN-step.png) to GALE_UI_SCREENSHOTS; a failing step saves
// NN-step-FAILED.png. The report (report.json in the same folder, and the last stdout line) lists every step and
// flow. Exit code: 0 all steps passed, 1 a step failed (stderr names the step and the data-testid), 2 bad setup.
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const baseUrl = (env.GALE_UI_URL ?? '').replace(/\/+$/, '');
const apiKey = env.GALE_UI_API_KEY ?? '';
const dagId = env.GALE_UI_DAG ?? '';
const runId = env.GALE_UI_RUN || `ui_run_${Date.now()}`;
const assetUri = env.GALE_UI_ASSET ?? '';
const chromiumPath = env.GALE_CHROMIUM || '/usr/bin/chromium';
const toolsDir = env.GALE_BROWSER_TOOLS || resolve(here, '../../../tools/browser');
const shotsDir = resolve(env.GALE_UI_SCREENSHOTS || join(here, '../TestResults/screenshots/ui-flow'));
const echoed = env.GALE_UI_ECHO || 'hello browser from gale';
const brokenFile = env.GALE_UI_BROKEN_FILE ?? '';
const shapesDag = env.GALE_UI_SHAPES_DAG ?? '';
const liveDag = env.GALE_UI_LIVE_DAG ?? '';
const eventDag = env.GALE_UI_EVENT_DAG ?? '';
const watcherName = env.GALE_UI_WATCHER ?? '';
const watchedBlob = env.GALE_UI_WATCHED_BLOB ?? ''; // a blob the watcher has seen (its name is in the watermark)
const loginUrl = env.GALE_UI_LOGIN_URL ?? ''; // the "UI: …/ui/#key=…" URL a local gale serve printed

if (!baseUrl || !apiKey || !dagId) {
  console.error('ui.spec.mjs: set GALE_UI_URL, GALE_UI_API_KEY and GALE_UI_DAG');
  process.exit(2);
}

let chromium;
try {
  ({ chromium } = createRequire(join(toolsDir, 'package.json'))('playwright-core'));
} catch (e) {
  console.error(`ui.spec.mjs: playwright-core not installed in ${toolsDir} (run: npm ci --prefix ${toolsDir}): ${e.message}`);
  process.exit(2);
}

// Waits: generous, bounded, and always on a selector or a condition (no fixed sleeps).
const SHORT = 15_000; // an element that should already be there or appear after one API call
const RUN = 60_000; // a task run to finish (the UI refreshes every 3 s while a run is active)

const tid = (id) => `[data-testid="${id.replace(/["\\]/g, '\\$&')}"]`;

/** An assertion failure that names the data-testid it was about. */
class StepError extends Error {
  constructor(testid, message) {
    super(`[data-testid="${testid}"] ${message}`);
    this.testid = testid;
  }
}

// Only this script's own files are removed from the folder (it may be one the user named).
mkdirSync(shotsDir, { recursive: true });
for (const name of readdirSync(shotsDir)) {
  if (/^\d\d-[\w-]+\.png$/.test(name) || name === 'report.json') rmSync(join(shotsDir, name), { force: true });
}
const userDataDir = mkdtempSync(join(tmpdir(), 'gale-ui-chromium-'));
const report = { ok: false, url: baseUrl, dag_id: dagId, run_id: runId, screenshots: shotsDir, flows: [], steps: [], failures: [], console_errors: [], page_errors: [] };

let context;
let page;
let stepNo = 0;
let flowName = null;

/** Thrown by a failed step: ends its flow (the failure is already recorded). */
class FlowAbort extends Error {}

function writeReport() {
  writeFileSync(join(shotsDir, 'report.json'), JSON.stringify(report, null, 2));
}

async function screenshot(name) {
  const file = join(shotsDir, name);
  try {
    await page.screenshot({ path: file, fullPage: true, timeout: SHORT });
    return file;
  } catch (e) {
    return `(screenshot ${name} failed: ${e.message})`;
  }
}

/** Runs one step; on failure saves a screenshot, records the step and testid, and ends the flow (FlowAbort). */
async function step(name, fn) {
  stepNo += 1;
  const prefix = `${String(stepNo).padStart(2, '0')}-${name}`;
  const started = Date.now();
  const entry = { step: stepNo, flow: flowName, name, ok: false };
  report.steps.push(entry);
  console.log(`step ${stepNo} (${flowName}): ${name}`);
  try {
    await fn();
    entry.ok = true;
    entry.ms = Date.now() - started;
    entry.screenshot = await screenshot(`${prefix}.png`);
  } catch (e) {
    entry.ms = Date.now() - started;
    entry.testid = e.testid ?? null;
    e.message = e.message.replace(/\u001b\[[0-9;]*m/g, ''); // no terminal colours in reports
    entry.error = e.message.split('\n')[0];
    entry.url = page?.url();
    entry.screenshot = page ? await screenshot(`${prefix}-FAILED.png`) : null;
    const message = `step ${stepNo} '${name}' (flow ${flowName}) failed${entry.testid ? ` at data-testid="${entry.testid}"` : ''}: ${e.message}`;
    report.failures.push(message);
    report.failed_step ??= name;
    report.failed_testid ??= entry.testid;
    report.message = report.failures.join('\n');
    writeReport();
    console.error(message);
    console.error(`screenshot: ${entry.screenshot}`);
    throw new FlowAbort(message);
  }
}

/** Writes the report, closes Chromium and exits: 0 when every step of every flow passed, else 1. */
async function finish() {
  report.ok = report.failures.length === 0 && report.flows.every((f) => f.ok);
  writeReport();
  await context?.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
  if (report.ok) console.log(`all ${report.steps.length} steps of ${report.flows.length} flows passed; screenshots in ${shotsDir}`);
  else console.error(`${report.failures.length} step(s) failed:\n${report.failures.join('\n')}\nscreenshots in ${shotsDir}`);
  console.log(JSON.stringify(report));
  process.exit(report.ok ? 0 : 1);
}

/**
 * Runs a flow of steps. A failed step ends its flow; the next flow still runs (each starts from the nav bar), unless
 * this one is `required` (the others depend on it), which ends the script.
 */
async function flow(name, fn, { required = false } = {}) {
  flowName = name;
  const record = { name, ok: false };
  report.flows.push(record);
  const started = Date.now();
  try {
    await fn();
    record.ok = true;
  } catch (e) {
    if (!(e instanceof FlowAbort)) {
      const message = `flow ${name} failed outside a step: ${e.message}`;
      report.failures.push(message);
      report.message = report.failures.join('\n');
      console.error(message);
    }
    record.ms = Date.now() - started;
    if (required) await finish();
  } finally {
    record.ms ??= Date.now() - started;
  }
}

/** The element with this data-testid; waits for it to be visible (or hidden/attached). */
async function el(id, { state = 'visible', timeout = SHORT } = {}) {
  const locator = page.locator(tid(id)).first();
  try {
    await locator.waitFor({ state, timeout });
  } catch {
    throw new StepError(id, `not ${state} within ${timeout / 1000} s`);
  }
  return locator;
}

async function click(id, opts) {
  const locator = await el(id, opts);
  try {
    await locator.click({ timeout: SHORT });
  } catch (e) {
    throw new StepError(id, `could not be clicked: ${e.message.split('\n')[0]}`);
  }
}

async function fill(id, value) {
  const locator = await el(id);
  try {
    await locator.fill(value, { timeout: SHORT });
  } catch (e) {
    throw new StepError(id, `could not be filled: ${e.message.split('\n')[0]}`);
  }
}

/**
 * Waits (on the page, via a selector, no polling from here) until `locator` matches; on timeout, the error names the
 * testid, says what was expected and what `seen()` reads off the element now.
 */
async function until(id, locator, what, { timeout = SHORT, seen } = {}) {
  try {
    await locator.first().waitFor({ state: 'attached', timeout });
    return locator.first();
  } catch {
    let now = '(absent)';
    const element = page.locator(tid(id)).first();
    if (seen && (await element.count()) > 0) now = await seen(element).catch((e) => e.message.split('\n')[0]);
    throw new StepError(id, `${what} not seen within ${timeout / 1000} s (now: ${JSON.stringify(now)})`);
  }
}

const escapeAttr = (v) => v.replace(/["\\]/g, '\\$&');
const escapeRegex = (v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const readState = (l) => l.getAttribute('data-state', { timeout: 1000 });
const readText = async (l) => ((await l.textContent({ timeout: 1000 })) ?? '').trim().slice(0, 300);

/** Waits for data-state="state" and class state-{state} (the contract's pair for every element with a state). */
const waitState = (id, state, timeout = SHORT) =>
  until(id, page.locator(`${tid(id)}[data-state="${escapeAttr(state)}"].state-${state}`), `data-state="${state}" with class state-${state}`, {
    timeout,
    seen: async (l) => `data-state=${await readState(l)} class=${await l.getAttribute('class', { timeout: 1000 })}`,
  });

/** Waits for the element's text to contain `text`. */
const waitText = (id, text, timeout = SHORT) =>
  until(id, page.locator(tid(id)).filter({ hasText: text }), `text containing "${text}"`, { timeout, seen: readText });

/** Waits for the element's whole text (trimmed) to be `text`. */
const waitExactText = (id, text, timeout = SHORT) =>
  until(id, page.locator(tid(id)).filter({ hasText: new RegExp(`^\\s*${escapeRegex(text)}\\s*$`) }), `text "${text}"`, { timeout, seen: readText });

/** Waits for a checkbox to be checked or unchecked. */
const waitChecked = (id, checked, timeout = SHORT) =>
  until(id, page.locator(`${tid(id)}${checked ? ':checked' : ':not(:checked)'}`), checked ? 'checked' : 'unchecked', { timeout, seen: async (l) => ((await l.isChecked()) ? 'checked' : 'unchecked') });

/** Waits for an input or textarea's value to contain `text`. */
async function waitValue(id, text, timeout = SHORT) {
  await el(id, { timeout });
  try {
    await page.waitForFunction(([selector, t]) => document.querySelector(selector)?.value?.includes(t), [tid(id), text], { timeout });
  } catch {
    const now = await page.locator(tid(id)).first().inputValue({ timeout: 1000 }).catch(() => '');
    throw new StepError(id, `value containing "${text}" not seen within ${timeout / 1000} s (now: ${JSON.stringify(now.slice(0, 300))})`);
  }
}

async function hidden(id, timeout = SHORT) {
  await el(id, { state: 'hidden', timeout });
}

/** Opens a task's panel from its grid cell in run `run` (closing any open panel first). */
async function openTask(taskId, run = runId) {
  if (await page.locator(tid('task-panel')).first().isVisible()) {
    await click('ti-close');
    await hidden('task-panel');
  }
  await click('tab-grid');
  await click(`grid-cell-${run}-${taskId}`);
  await el('task-panel');
}

/**
 * Waits for the task panel to show a state and try as the UI refreshes; if the panel itself does not refresh,
 * reopening it from the grid cell (the contract's way to open it) must show the new values.
 */
async function panelShows(taskId, state, tryNumber, timeout, run = runId) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const remaining = Math.max(1000, Math.min(10_000, deadline - Date.now()));
    try {
      await waitExactText('ti-state', state, remaining);
      if (tryNumber !== undefined) await waitExactText('ti-try', String(tryNumber), 3000);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw new StepError(e.testid ?? 'ti-state', `task ${taskId}: ${state} (try ${tryNumber ?? 'any'}) not shown within ${timeout / 1000} s; ${e.message}`);
      await openTask(taskId, run);
    }
  }
}

async function confirm() {
  await click('ti-confirm');
  await el('ti-message');
}

try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 60_000,
  });
} catch (e) {
  console.error(`ui.spec.mjs: Chromium (${chromiumPath}) did not launch: ${e.message}`);
  report.message = `Chromium did not launch: ${e.message}`;
  writeReport();
  rmSync(userDataDir, { recursive: true, force: true });
  process.exit(2);
}
context.setDefaultTimeout(SHORT);
page = context.pages()[0] ?? (await context.newPage());
page.on('console', (m) => { if (m.type() === 'error') report.console_errors.push(m.text()); });
page.on('pageerror', (e) => report.page_errors.push(e.message));
report.browser = context.browser()?.version() ?? null;
console.log(`Chromium ${report.browser ?? '(version unknown)'} at ${chromiumPath}; screenshots in ${shotsDir}`);

await flow('core', async () => {
  await step('serve-health', async () => {
    // Chromium reaches gale serve at all (before any UI): the open health endpoint renders.
    const response = await page.goto(`${baseUrl}/api/v1/health`, { waitUntil: 'load', timeout: 30_000 });
    if (!response?.ok()) throw new Error(`GET /api/v1/health answered HTTP ${response?.status()}`);
  });

  await step('root-redirects-to-ui', async () => {
    let response;
    try {
      response = await page.goto(`${baseUrl}/`, { waitUntil: 'load', timeout: 30_000 });
    } catch (e) {
      // An empty error page (such as a 404 with no body) makes goto throw; say what the server answered.
      const direct = await context.request.get(`${baseUrl}/`, { maxRedirects: 0 }).catch(() => null);
      const location = direct?.headers().location;
      throw new Error(`GET / answered HTTP ${direct?.status() ?? '?'}${location ? ` (Location: ${location})` : ''}; expected a redirect to /ui/ and the UI page (${e.message.split('\n')[0]})`);
    }
    if (!response) throw new Error(`no response for ${baseUrl}/`);
    const path = new URL(page.url()).pathname;
    if (!path.startsWith('/ui/')) throw new Error(`GET / ended at ${page.url()} (HTTP ${response.status()}), expected a redirect to /ui/`);
    if (!response.ok()) throw new Error(`GET ${page.url()} answered HTTP ${response.status()}`);
  });

  await step('login-wrong-key', async () => {
    await el('login-form');
    await fill('api-key-input', `wrong-${apiKey}`);
    await click('login-submit');
    await el('login-error');
    await el('login-form');
  });

  await step('login', async () => {
    await fill('api-key-input', apiKey);
    await click('login-submit');
    await hidden('login-form');
    await el('dag-list');
  });

  if (loginUrl) {
    await step('login-from-printed-url', async () => {
      // Log out, then open the URL gale serve printed: it logs in by itself and the key leaves the address bar.
      await page.click('#logout');
      await el('login-form');
      await page.goto(loginUrl, { waitUntil: 'load', timeout: 30_000 });
      await el('dag-list');
      const address = page.url();
      if (address.includes('key=')) throw new Error(`the key is still in the address bar: ${address}`);
      if (await page.evaluate(() => sessionStorage.getItem('gale.apiKey')) === null) throw new Error('no key kept for the tab');
    });
  }

  await step('dag-list', async () => {
    await el(`dag-row-${dagId}`);
    await el(`dag-link-${dagId}`);
    await waitChecked(`pause-toggle-${dagId}`, false);
    await el(`next-run-${dagId}`, { state: 'attached' });
    await el('nav-dags');
    await el('nav-assets');
  });

  await step('tag-filter', async () => {
    await fill('tag-filter', 'no-such-tag-anywhere');
    await hidden(`dag-row-${dagId}`);
    await fill('tag-filter', 'uitest');
    await el(`dag-row-${dagId}`);
    await fill('tag-filter', '');
    await el(`dag-row-${dagId}`);
  });

  await step('dag-page', async () => {
    await click(`dag-link-${dagId}`);
    await waitText('dag-title', dagId);
    for (const tab of ['tab-grid', 'tab-graph', 'tab-gantt', 'tab-code', 'tab-details']) await el(tab);
    await el('grid', { state: 'attached' });
    await waitChecked('pause-toggle', false);
    await el('trigger-button');
  });

  await step('trigger-invalid-conf', async () => {
    await click('trigger-button');
    await el('trigger-form');
    await waitValue('trigger-conf', '"who"'); // pre-filled from the DAG's params
    await el('trigger-logical-date');
    await fill('trigger-run-id', runId);
    await fill('trigger-conf', JSON.stringify({ who: 'browser', times: 99 }));
    await click('trigger-submit');
    await waitText('trigger-error', 'times'); // the API's problem names the param that fails validation
  });

  await step('trigger-run', async () => {
    await fill('trigger-run-id', runId);
    await fill('trigger-conf', JSON.stringify({ who: 'browser', times: 2 }));
    await click('trigger-submit');
    await el(`grid-run-${runId}`, { state: 'attached', timeout: SHORT * 2 }); // the new run's column
    await click('tab-grid');
    await el(`grid-run-${runId}`);
  });

  await step('grid-turns-green', async () => {
    await waitState(`grid-cell-${runId}-hello`, 'success', RUN);
    await waitState(`grid-cell-${runId}-bye`, 'success', RUN);
    await waitState(`grid-run-${runId}`, 'success');
    for (const id of ['event-form', 'event-name', 'event-data', 'event-send']) await el(id); // for the selected run
  });

  await step('graph', async () => {
    await click('tab-graph');
    await el('graph');
    for (const task of ['hello', 'bye']) await waitState(`graph-node-${task}`, 'success');
  });

  await step('gantt', async () => {
    await click('tab-gantt');
    await el('gantt');
    for (const task of ['hello', 'bye']) await el(`gantt-bar-${task}-1`);
  });

  await step('code-and-details', async () => {
    await click('tab-code');
    await waitText('code', dagId);
    await click('tab-details');
    await el('details');
  });

  await step('task-log', async () => {
    await openTask('hello');
    await panelShows('hello', 'success', 1, SHORT);
    await click('ti-tab-log');
    await waitText('ti-log', echoed);
    for (const id of ['ti-tab-xcom', 'ti-tab-details', 'ti-clear-downstream', 'ti-clear-upstream', 'ti-clear-failed', 'ti-mark-success']) await el(id);
  });

  await step('confirm-cancel', async () => {
    await click('ti-mark-success');
    await el('ti-confirm');
    await click('ti-cancel');
    await hidden('ti-confirm');
    await waitExactText('ti-state', 'success');
  });

  await step('task-rendered', async () => {
    await click('ti-tab-rendered');
    await waitText('ti-rendered', `echo ${echoed}`);
  });

  await step('clear-task-runs-again', async () => {
    await click('ti-clear');
    await el('ti-confirm');
    await confirm();
    await panelShows('hello', 'success', 2, RUN);
    await waitState(`grid-cell-${runId}-hello`, 'success', RUN);
    await click('ti-tab-log');
    await el('ti-log-try');
    await until('ti-log-try', page.locator(`${tid('ti-log-try')} option:nth-of-type(2)`), 'two tries to choose from',
      { seen: (l) => l.locator('option').allTextContents() });
    await waitText('ti-log', echoed);
  });

  await step('mark-failed', async () => {
    await waitState(`grid-cell-${runId}-bye`, 'success', RUN); // bye ran again after the clear (downstream or not)
    await openTask('bye');
    await click('ti-mark-failed');
    await confirm();
    await waitText('ti-message', 'fail');
    await waitState(`grid-cell-${runId}-bye`, 'failed', SHORT * 2);
    await panelShows('bye', 'failed', undefined, SHORT);
  });

  await step('assets-page', async () => {
    await click('ti-close');
    await hidden('task-panel');
    await click('nav-assets');
    await el('asset-list');
    if (assetUri) {
      const row = page.locator(`${tid('asset-row')}[data-uri="${escapeAttr(assetUri)}"]`).first();
      await until('asset-row', row, `a row with data-uri="${assetUri}"`, { seen: (l) => l.getAttribute('data-uri', { timeout: 1000 }) });
      await row.click(); // other DAGs' assets are listed too: select this one
      await waitText('asset-events', runId); // hello's success emitted an event for its outlet
    }
  });

  await step('dag-list-after-runs', async () => {
    await click('nav-dags');
    await el('dag-list');
    await el(`recent-runs-${dagId}`);
    await until(`last-run-${dagId}`, page.locator(`${tid(`last-run-${dagId}`)}[data-state]:not([data-state="none"]):not([data-state=""])`),
      'a last run with a state', { seen: readState });
  });
}, { required: true });

// ---- the flows after 'core': each starts from the nav bar, so one failing does not stop the next ----

/** The DAG list, from the nav bar (logging in again if the page lost the key); leaving a DAG page closes its task panel. */
async function toDagList() {
  if (await page.locator(tid('login-form')).first().isVisible()) {
    await fill('api-key-input', apiKey);
    await click('login-submit');
    await hidden('login-form');
  }
  await click('nav-dags');
  await el('dag-list');
}

/** A DAG's page (grid tab), from the DAG list. */
async function openDag(id) {
  await toDagList();
  await click(`dag-link-${id}`);
  await waitText('dag-title', id);
  await click('tab-grid');
  await el('grid', { state: 'attached' });
}

/** Triggers the open DAG from the trigger form with run id `run` and waits for the run's grid column. */
async function triggerFromUi(run) {
  await click('trigger-button');
  await el('trigger-form');
  await fill('trigger-run-id', run);
  await click('trigger-submit');
  await hidden('trigger-form', SHORT * 2);
  await el(`grid-run-${run}`, { timeout: SHORT * 2 });
}

/** Waits for a pause checkbox to be (un)checked and no longer disabled: the UI has stored it (the PATCH answered). */
const waitPauseStored = (id, paused, timeout = SHORT) =>
  until(id, page.locator(`${tid(id)}${paused ? ':checked' : ':not(:checked)'}:not(:disabled)`), `${paused ? 'checked' : 'unchecked'} and enabled`, {
    timeout,
    seen: async (l) => `${(await l.isChecked()) ? 'checked' : 'unchecked'}${(await l.isDisabled()) ? ', disabled' : ''}`,
  });

function note(text) {
  (report.notes ??= []).push(text);
  console.log(`note: ${text}`);
}

if (brokenFile) {
  await flow('import-errors', async () => {
    await step('import-errors-banner', async () => {
      await toDagList();
      await el('import-errors');
      // Names the file where a person sees it (visible text, not only inside a closed error message).
      const named = page.locator(tid('import-errors')).getByText(brokenFile).first();
      try {
        await named.waitFor({ state: 'visible', timeout: SHORT });
      } catch {
        const shown = await page.locator(tid('import-errors')).first().innerText({ timeout: 1000 }).catch(() => '');
        throw new StepError('import-errors', `does not show "${brokenFile}" (visible text: ${JSON.stringify(shown.slice(0, 300))})`);
      }
      await el(`dag-row-${dagId}`); // the other files still load
      await named.click(); // opens the entry: the error itself
      await waitText('import-errors', 'no_such_task');
    });
  });
}

if (liveDag) {
  await flow('live', async () => {
    const liveRun = `ui_live_${Date.now()}`;
    const slowCell = `grid-cell-${liveRun}-slow`;
    const seenStates = () => page.evaluate(() => window.galeTestStates ?? '(recorder gone: the page was reloaded)').catch((e) => e.message);

    await step('live-trigger', async () => {
      await openDag(liveDag);
      // Mark the document (a reload loses the mark) and record every data-state the cell of `slow` shows, from now on.
      await page.evaluate((selector) => {
        window.galeTestNoReload = true;
        window.galeTestStates = [];
        const record = () => {
          const state = document.querySelector(selector)?.getAttribute('data-state') ?? 'absent';
          if (window.galeTestStates[window.galeTestStates.length - 1] !== state) window.galeTestStates.push(state);
        };
        new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
        record();
      }, tid(slowCell));
      await triggerFromUi(liveRun);
    });

    await step('live-cell-running', async () => {
      try {
        // (Also ends at once if the recorder is gone: the page was reloaded.)
        await page.waitForFunction(() => !window.galeTestStates || window.galeTestStates.includes('running'), null, { timeout: RUN });
      } catch {
        throw new StepError(slowCell, `data-state="running" not shown within ${RUN / 1000} s (states shown: ${JSON.stringify(await seenStates())})`);
      }
      if (!(await page.evaluate(() => window.galeTestNoReload === true))) throw new StepError(slowCell, 'the page was reloaded (the mark set before the trigger is gone)');
      await waitState(`grid-run-${liveRun}`, 'running');
    });

    await step('live-cell-success-without-reload', async () => {
      await waitState(slowCell, 'success', RUN);
      const seen = await page.evaluate(() => ({ mark: window.galeTestNoReload === true, states: window.galeTestStates ?? [] }));
      if (!seen.mark) throw new StepError(slowCell, 'the page was reloaded (the mark set before the trigger is gone)');
      const running = seen.states.indexOf('running');
      if (running < 0 || seen.states.indexOf('success', running) < 0) {
        throw new StepError(slowCell, `expected running then success in one document, saw ${JSON.stringify(seen.states)}`);
      }
      note(`live: the cell of slow showed ${seen.states.join(' -> ')} without a reload`);
    });

    await step('live-failed-task-shown', async () => {
      await waitState(`grid-cell-${liveRun}-boom`, 'failed', RUN);
      await waitState(`grid-run-${liveRun}`, 'failed', RUN);
      if (!(await page.evaluate(() => window.galeTestNoReload === true))) throw new StepError(`grid-cell-${liveRun}-boom`, 'the page was reloaded');
    });

    await step('mark-success-on-failed-task', async () => {
      await openTask('boom', liveRun);
      await panelShows('boom', 'failed', undefined, SHORT, liveRun);
      await click('ti-mark-success');
      await el('ti-confirm');
      await confirm();
      await waitText('ti-message', 'success');
      await waitState(`grid-cell-${liveRun}-boom`, 'success', SHORT * 2);
      await panelShows('boom', 'success', undefined, SHORT, liveRun);
      note(`live: after marking boom success the run's column shows data-state=${await page.locator(tid(`grid-run-${liveRun}`)).first().getAttribute('data-state')}`);
    });
  });
}

if (shapesDag) {
  await flow('groups-and-mapping', async () => {
    const shapesRun = `ui_shapes_${Date.now()}`;
    const groupTasks = ['extract.users', 'extract.orders'];

    await step('shapes-trigger', async () => {
      await openDag(shapesDag);
      await triggerFromUi(shapesRun);
    });

    await step('mapped-task-counts', async () => {
      const cell = `grid-cell-${shapesRun}-each`;
      await waitState(cell, 'success', RUN);
      await waitExactText(cell, '3'); // three instances, all success
      await waitState(`grid-run-${shapesRun}`, 'success', RUN);
    });

    await step('task-group-row', async () => {
      await el('grid-group-extract');
      await el('grid-group-toggle-extract');
      for (const task of groupTasks) {
        await el(`grid-row-${task}`);
        await waitState(`grid-cell-${shapesRun}-${task}`, 'success');
      }
    });

    await step('task-group-collapse', async () => {
      await click('grid-group-toggle-extract');
      for (const task of groupTasks) await hidden(`grid-row-${task}`);
      await el('grid-group-extract'); // the group's own row stays
      await el('grid-row-each'); // and the rows outside it
    });

    await step('task-group-expand', async () => {
      await click('grid-group-toggle-extract');
      for (const task of groupTasks) await el(`grid-row-${task}`);
    });
  });
}

if (eventDag) {
  await flow('external-event', async () => {
    const eventRun = `ui_event_${Date.now()}`;

    await step('event-trigger', async () => {
      await openDag(eventDag);
      await triggerFromUi(eventRun);
    });

    await step('event-task-deferred', async () => {
      await waitState(`grid-cell-${eventRun}-wait`, 'deferred', RUN);
      await waitState(`grid-cell-${eventRun}-prepare`, 'success');
      await waitState(`grid-cell-${eventRun}-publish`, 'none');
      await el('event-form');
    });

    await step('event-send', async () => {
      await fill('event-name', 'approve');
      await fill('event-data', '"ana"');
      await click('event-send');
      await el('event-message');
      await waitText('event-message', 'approve');
    });

    await step('event-run-succeeds', async () => {
      await waitState(`grid-cell-${eventRun}-wait`, 'success', RUN);
      await waitState(`grid-cell-${eventRun}-publish`, 'success', RUN);
      await waitState(`grid-run-${eventRun}`, 'success', RUN);
      await openTask('publish', eventRun);
      await click('ti-tab-log');
      await waitText('ti-log', 'approved by ana'); // the event's data reached the run
    });
  });
}

if (watcherName) {
  await flow('watchers', async () => {
    const watermark = `watcher-watermark-${watcherName}`;

    await step('watcher-watermark', async () => {
      // The assets page loads once; the watcher polls every second, so come back until its watermark has the blob.
      const deadline = Date.now() + RUN;
      for (;;) {
        await click('nav-assets');
        await el('asset-list');
        await el(`watcher-row-${watcherName}`);
        try {
          await waitText(watermark, watchedBlob || '1 events', 5000);
          break;
        } catch (e) {
          if (Date.now() > deadline) throw e;
          await click('nav-dags');
          await el('dag-list');
        }
      }
      await waitText(watermark, 'epoch 0');
    });

    await step('watcher-reset', async () => {
      await click(`watcher-reset-${watcherName}`);
      await click(`watcher-confirm-${watcherName}`);
      await el('watcher-message');
      await waitText('watcher-message', watcherName);
      await waitText(watermark, 'epoch 1'); // a new epoch: it replays from the beginning
    });
  });
}

await flow('pause', async () => {
  const listToggle = `pause-toggle-${dagId}`;

  await step('pause-from-list', async () => {
    await toDagList();
    await waitPauseStored(listToggle, false);
    await click(listToggle);
    await waitPauseStored(listToggle, true);
    await page.reload({ waitUntil: 'load' });
    await el(`dag-row-${dagId}`); // rows appear once the DAGs are loaded
    await waitPauseStored(listToggle, true); // stored, not just ticked
  });

  await step('unpause-from-list', async () => {
    await click(listToggle);
    await waitPauseStored(listToggle, false);
    await page.reload({ waitUntil: 'load' });
    await el(`dag-row-${dagId}`);
    await waitPauseStored(listToggle, false);
  });

  await step('pause-from-dag-page', async () => {
    await openDag(dagId);
    await el(`grid-run-${runId}`, { state: 'attached' }); // the DAG is loaded, so the checkbox shows its state
    await waitPauseStored('pause-toggle', false);
    await click('pause-toggle');
    await waitPauseStored('pause-toggle', true);
    await page.reload({ waitUntil: 'load' });
    await el(`grid-run-${runId}`, { state: 'attached' });
    await waitPauseStored('pause-toggle', true);
    await toDagList();
    await el(`dag-row-${dagId}`);
    await waitPauseStored(listToggle, true); // the list agrees
  });

  await step('unpause-from-dag-page', async () => {
    await click(`dag-link-${dagId}`);
    await el(`grid-run-${runId}`, { state: 'attached' });
    await waitPauseStored('pause-toggle', true);
    await click('pause-toggle');
    await waitPauseStored('pause-toggle', false);
    await page.reload({ waitUntil: 'load' });
    await el(`grid-run-${runId}`, { state: 'attached' });
    await waitPauseStored('pause-toggle', false);
  });
});

await finish();
