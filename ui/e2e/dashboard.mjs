// End-to-end test of the dashboard in headless Chromium (Debian's chromium,
// driven by playwright-core): opens every view against a real clearance serve
// loaded with demo data, adjudicates a possible match, runs an impact query
// (or checks that the view says the endpoint is unavailable), submits a
// request and searches the audit log; saves a screenshot of each view.
// Usage: node e2e/dashboard.mjs BASE_URL ADMIN_TOKEN SCREENSHOT_DIR
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [base, adminToken, shots] = process.argv.slice(2);
if (!base || !adminToken || !shots) {
  console.error('usage: node e2e/dashboard.mjs BASE_URL ADMIN_TOKEN SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail ? `: ${detail}` : ''}`);
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const errors = [];
page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
page.on('console', (m) => {
  // failed requests are judged below, by their address
  if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
});
page.on('response', (r) => {
  // the one failure the page expects: a server without POST /v1/impact
  if (r.status() >= 400 && !(r.status() === 404 && r.url().endsWith('/v1/impact'))) {
    errors.push(`${r.status()} for ${r.url()}`);
  }
});

async function open(view) {
  await page.goto(`${base}/ui/#/${view}`);
  await page.waitForSelector(`section[data-view="${view.split('/')[0]}"][data-ready="1"]`, { timeout: 15000 });
}
async function shot(name) {
  await page.mouse.move(1, 1); // no tooltip over the view
  await page.waitForTimeout(300); // charts finish drawing
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}
async function text(sel) {
  return (await page.locator(sel).first().textContent({ timeout: 10000 })) || '';
}

try {
  // ---- read-only: no token ------------------------------------------------
  await open('decisions');
  check('read-only: the page says so', (await text('#mode')) === 'read-only');
  check('read-only: decisions ask for the token', /admin token/.test(await text('section .notice')));

  // ---- controls timeline ----------------------------------------------------
  await open('timeline');
  const row = async (id) => (await page.locator(`tr[data-id="${id}"]`).first().textContent()) || '';
  check('timeline: the 2026 letter imposed and lifted', /2026-06-12 → 2026-06-30/.test(await row('informed-letter-2026')));
  check('timeline: its exemption', /exemption2026-06-26 → open/.test(await row('trusted-partners-2026')));
  check('timeline: the Diffusion rule lapses', /2025-01-13 → 2025-05-13/.test(await row('weights-outside-tier1')));
  check('timeline: Cambodia leaves D:5', /always → 2026-02-03/.test(await row('D:5:KH')));
  check('timeline: the chart is drawn', (await page.locator('#timeline-chart canvas').count()) > 0);
  // the overview: a click on the letter's bar opens it
  const bar = await page.evaluate(() => {
    const el = document.querySelector('#timeline-chart');
    const row = el.chart.getOption().yAxis[0].data.indexOf('informed-letter-2026');
    const [x, y] = el.chart.convertToPixel({ gridIndex: 0 }, [Date.UTC(2026, 5, 21), row]);
    const r = el.getBoundingClientRect();
    return { x: r.left + x, y: r.top + y };
  });
  await page.mouse.click(bar.x, bar.y);
  await page.waitForSelector('#rule-detail dl[data-rule="informed-letter-2026"]');
  check('timeline: a click on a bar opens the rule', true);
  await shot('timeline');
  await page.click('button[data-zoom="letter"]');
  await page.evaluate(() => { location.hash = '#/timeline/informed-letter-2026'; });
  await page.waitForSelector('#rule-detail dl[data-rule="informed-letter-2026"]');
  check('timeline: a rule opens its citation', /744\.22/.test(await text('#rule-detail')));
  check('timeline: ... and its exemption', /trusted-partners-2026/.test(await text('#rule-detail')));
  await shot('timeline-letter');
  check('timeline: its history: lifted in a later version',
    /v3 2026-06-30 by policy-team: window 2026-06-12 → open became 2026-06-12 → 2026-06-30/.test(await text('#rule-detail li[data-version="3"]')));
  await page.evaluate(() => { location.hash = '#/timeline/trusted-partners-2026'; });
  await page.waitForSelector('#rule-detail dl[data-rule="trusted-partners-2026"]');
  check('timeline: the exemption was added by the letter of 2026-06-26',
    /v2 2026-06-26 by policy-team: added/.test(await text('#rule-detail li[data-version="2"]')));

  // ---- the admin token ---------------------------------------------------------
  await page.fill('#token', adminToken);
  await page.click('#token-use');
  await page.waitForFunction(() => document.querySelector('#mode').textContent === 'admin');
  check('token: admin mode', true);
  check('token: kept in sessionStorage only', await page.evaluate((t) =>
    sessionStorage.getItem('clearance.adminToken') === t && !Object.values(localStorage).includes(t), adminToken));

  // ---- decisions --------------------------------------------------------------
  await open('decisions');
  await page.waitForSelector('#decision-summary .badge');
  const summary = await text('#decision-summary');
  const total = Number((summary.match(/(\d+) decisions/) || [])[1]);
  check('decisions: the audit log is counted', total >= 500, summary);
  check('decisions: the chart and the world map are drawn',
    (await page.locator('#decisions-chart canvas').count()) > 0 && (await page.locator('#decisions-map canvas').count()) > 0);
  await shot('decisions');
  // a click on a day's bar, then on a country, opens their decisions
  const clickChart = async (sel, value) => {
    const pt = await page.evaluate(({ sel, value }) => {
      const el = document.querySelector(sel);
      const v = value === 'middle-day' ? [el.chart.getOption().xAxis[0].data[10], 1] : value;
      const [x, y] = el.chart.convertToPixel({ seriesIndex: 0 }, v);
      const r = el.getBoundingClientRect();
      return { x: r.left + x, y: r.top + y - 2, label: String(v[0]) };
    }, { sel, value });
    await page.mouse.click(pt.x, pt.y);
    return pt.label;
  };
  const clickedDay = await clickChart('#decisions-chart', 'middle-day');
  await page.waitForFunction((d) => document.querySelector('#decisions-drill h3')?.textContent === `Decisions on ${d}` &&
    document.querySelectorAll('#decisions-drill tbody tr').length > 0, clickedDay);
  const times = await page.locator('#decisions-drill tbody tr td:first-child').allTextContents();
  check('decisions: a day opens its decisions', times.length > 0 && times.every((t) => t.startsWith(clickedDay)), clickedDay);
  await clickChart('#decisions-map', [10.4, 51.1]); // Germany
  await page.waitForFunction(() => /Decisions for Germany \(DE\)/.test(document.querySelector('#decisions-drill h3')?.textContent || '') &&
    document.querySelectorAll('#decisions-drill tbody tr').length > 0);
  const dests = await page.locator('#decisions-drill tbody tr td:nth-child(7)').allTextContents();
  check('decisions: a country opens its decisions', dests.length > 0 && dests.every((d) => d === 'DE'), dests.slice(0, 5).join(','));
  await page.fill('#decision-filters input[name="org"]', 'org:acme');
  await page.click('#decision-filters button[type="submit"]');
  await page.waitForFunction((t) => {
    const m = document.querySelector('#decision-summary').textContent.match(/(\d+) decisions/);
    return m && Number(m[1]) < t && Number(m[1]) > 0;
  }, total);
  check('decisions: filtered by organisation', true);

  // ---- screening: adjudicate a possible match ------------------------------------
  await open('screening');
  await page.waitForSelector('#screening-results table');
  const awaiting = async () => Number(((await text('#screening-results p')).match(/(\d+) possible matches awaiting review/) || [])[1]);
  const before = await awaiting();
  check('screening: possible matches await review', before >= 3, String(before));
  check('screening: beside the list entry and programme', /ROSOBORONEKSPORT OAO/.test(await text('#screening-results')) && /RUSSIA-EO14024/.test(await text('#screening-results')));
  await shot('screening');
  const first = page.locator('#screening-results tr[data-party]').first();
  const party = await first.getAttribute('data-party');
  await first.locator('input[aria-label="reason"]').fill('Different person: date of birth and nationality differ');
  await first.locator('button[data-verdict="false_positive"]').click();
  await page.waitForSelector('#screening-status .notice.ok');
  check('screening: the verdict is recorded', new RegExp(`Recorded: ${party}`).test(await text('#screening-status')));
  await page.waitForFunction((b) => {
    const m = document.querySelector('#screening-results p')?.textContent.match(/(\d+) possible matches awaiting review/);
    return m && Number(m[1]) === b - 1;
  }, before);
  check('screening: one fewer awaits review', true);
  check('screening: listed as adjudicated', /false positive/.test(await text('#screening-results')));

  // ---- impact -------------------------------------------------------------------
  await open('impact');
  await page.click('#impact-form button[type="submit"]');
  await page.waitForSelector('#impact-result > *');
  const unavailable = await page.locator('#impact-unavailable').count();
  if (unavailable) {
    check('impact: the unavailable endpoint is said plainly', /Impact endpoint unavailable/.test(await text('#impact-unavailable')));
  } else {
    // the letter takes effect on 2026-06-12: foreign persons on Mythos 5 and Fable 5 are cut off
    await page.waitForSelector('#impact-cut');
    const cut = Number(((await text('#impact-cut')).match(/Cut off \((\d+)\)/) || [])[1]);
    check('impact: the letter cuts customers off', cut > 0, String(cut));
    check('impact: ... because of the letter', /fires us-ear\/informed-letter-2026/.test(await text('#impact-result')));
    check('impact: ... grouped by organisation', /org:acme/.test(await text('#impact-result')));
    check('impact: nobody restarts then', /May restart \(0\)/.test(await text('#impact-restart')));
    await shot('impact');
    // lifted on 2026-06-30: they may restart
    await page.fill('#impact-form input[name="at"]', '2026-06-29');
    await page.fill('#impact-form input[name="then"]', '2026-07-01');
    await page.click('#impact-form button[type="submit"]');
    await page.waitForFunction(() => /May restart \([1-9]\d*\)/.test(document.querySelector('#impact-restart')?.textContent || ''));
    check('impact: the lifting lets them restart', /Cut off \(0\)/.test(await text('#impact-cut')));
  }
  if (unavailable) await shot('impact');

  // ---- try a request ---------------------------------------------------------------
  await open('request');
  await page.click('#decide');
  await page.waitForSelector('#decision-outcome');
  check('request: the letter requires a licence', (await text('#decision-outcome')) === 'license_required');
  check('request: the rule that fired links to the timeline',
    (await page.locator('#decision a[href="#/timeline/informed-letter-2026"]').count()) > 0);
  const decisionId = ((await text('#decision')).match(/id ([0-9a-f-]{36})/) || [])[1];
  check('request: a decision id', !!decisionId);
  await shot('request');
  await page.fill('#request-form input[name="time"]', '2026-07-01T12:00:00Z');
  await page.click('#decide');
  await page.waitForFunction(() => document.querySelector('#decision-outcome')?.textContent === 'allow');
  check('request: allowed once the letter is lifted', true);

  // ---- audit ---------------------------------------------------------------------
  await open('audit');
  await page.waitForSelector('#audit-verify .notice');
  check('audit: the chain verifies', /The chain verifies/.test(await text('#audit-verify')));
  check('audit: the latest checkpoint', /Latest signed checkpoint/.test(await text('#audit-checkpoint')));
  await page.waitForSelector('#audit-results table');
  check('audit: records listed', (await page.locator('#audit-results tbody tr').count()) > 0);
  await page.fill('#audit-form input[name="decision_id"]', decisionId || '');
  await page.click('#audit-form button[type="submit"]');
  await page.waitForFunction((id) => document.querySelector('#audit-results')?.textContent.includes(id) &&
    document.querySelectorAll('#audit-results tbody tr').length === 1, decisionId);
  check('audit: the decision just made is found by id', true);
  await shot('audit');

  check('no errors in the page', errors.length === 0, errors.join(' | '));
} catch (e) {
  failed++;
  console.log(`FAIL ${e.message.split('\n')[0]}`);
  await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
