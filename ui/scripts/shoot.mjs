// Screenshots of the console against the dev mock, in headless Chromium. Usage (from ui/):
//   npx vite --host 127.0.0.1 --port PORT --strictPort &   (stop it by its PID afterwards)
//   NODE_PATH=../tests/browser/node_modules node scripts/shoot.mjs http://127.0.0.1:PORT OUTDIR [NAME]
// Prints element-box measurements (overflow checks) as JSON lines.
import { chromium } from 'playwright-core';

const base = process.argv[2];
const out = process.argv[3];
const only = process.argv[4] ?? '';
const sizes = [[1240, 800], [1440, 900]];
const shots = [
  ['participants', '/?mock&long', async () => {}],
  ['participants-details', '/?mock&long', async (p) => { await p.click('#participants tr[data-status=attention] .conn-error .details-toggle').catch(() => {}); }],
  ['participant-view', '/?mock&select=P-001', async (p) => { await p.waitForSelector('#chart-heartrate, #participant-view', { timeout: 5000 }).catch(() => {}); await p.waitForTimeout(1200); }],
  ['participant-view-scrolled', '/?mock&select=P-001', async (p) => { await p.waitForTimeout(1500); await p.mouse.wheel(0, 700); await p.waitForTimeout(400); }],
  ['participant-view-workouts', '/?mock&select=P-001', async (p) => { await p.waitForTimeout(1500); await p.evaluate(() => document.querySelector('#workouts, .workouts, [id*=workout]')?.scrollIntoView({ block: 'center' })); await p.waitForTimeout(400); }],
  ['participant-reauth', '/?mock&select=P-004', async (p) => { await p.waitForTimeout(1500); }],
  ['data', '/?mock&long&many=200', async (p) => { await p.click('#nav-data'); await p.waitForSelector('#coverage [data-user]'); await p.waitForTimeout(300); }],
  ['data-scrolled', '/?mock&long&many=200', async (p) => { await p.click('#nav-data'); await p.waitForSelector('#coverage [data-user]'); await p.evaluate(() => { const s = document.querySelector('#coverage-host .heatmap-scroll') ?? document.querySelector('#coverage-host'); s.scrollLeft = 10000; s.scrollTop = 300; }); await p.waitForTimeout(300); }],
  ['data-long-window', '/?mock&long&many=200', async (p) => { await p.fill('#window-from', '2026-05-01'); await p.dispatchEvent('#window-from', 'change'); await p.click('#nav-data'); await p.waitForTimeout(2500); await p.evaluate(() => { const s = document.querySelector('#coverage-host'); s.scrollLeft = 600; s.scrollTop = 2000; }); await p.waitForTimeout(300); }],
  ['export', '/?mock&long', async (p) => { await p.click('#nav-export'); await p.waitForTimeout(500); }],
  ['settings', '/?mock', async (p) => { await p.click('#nav-settings'); await p.waitForTimeout(600); }],
  ['settings-providers', '/?mock', async (p) => { await p.click('#nav-settings'); await p.waitForTimeout(600); await p.evaluate(() => document.querySelector('#credentials, .credentials, [id*=cred]')?.scrollIntoView({ block: 'start' })); await p.waitForTimeout(300); }],
  ['inspector', '/?mock', async (p) => { await p.click('#nav-inspector'); await p.waitForTimeout(800); }],
  ['toast-long', '/?mock&long', async (p) => { await p.click('#participants tr[data-user^="LONG-"] .sync-btn'); await p.waitForSelector('.toast'); await p.waitForTimeout(300); }],
  ['enrol-agreement', '/?mock', async (p) => { await p.click('#participants tr[data-user="P-003"] .enrol-btn'); await p.waitForSelector('#enrol #agreement'); await p.waitForTimeout(300); }],
  ['enrol-nothing', '/?mock', async (p) => { await p.click('#participants tr[data-user="P-003"] .enrol-btn'); await p.waitForSelector('#enrol #agreement'); await p.click('#link-close'); await p.waitForSelector('#enrol-done'); await p.waitForTimeout(300); }],
  ['enrol-done', '/?mock', async (p) => { await p.click('#participants tr[data-user="P-003"] .enrol-btn'); await p.waitForSelector('#enrol #agreement'); await p.click('#agree-continue'); await p.click('button.provider[data-slug=oura]'); await p.waitForSelector('#link-done', { timeout: 15000 }); await p.click('#link-done'); await p.waitForSelector('#enrol-done'); await p.waitForTimeout(300); }],
  ['link-error', '/link/?mock&token=demo&env=sandbox&scenario=error', async (p) => { await p.waitForSelector('#agree-continue'); await p.click('#agree-continue'); await p.click('button.provider[data-slug=oura]'); await p.waitForSelector('#link-result', { timeout: 15000 }); await p.waitForTimeout(300); }],
  ['link-providers', '/link/?mock&token=demo&env=sandbox', async (p) => { await p.waitForSelector('#agree-continue'); await p.click('#agree-continue'); await p.waitForSelector('#provider-list button.provider'); await p.waitForTimeout(300); }],
];

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [w, hgt] of sizes) {
  const ctx = await browser.newContext({ viewport: { width: w, height: hgt }, locale: 'en-US', timezoneId: 'UTC' });
  for (const [name, path, act] of shots) {
    if (only && !name.includes(only)) continue;
    const page = await ctx.newPage();
    page.on('pageerror', (e) => console.log(JSON.stringify({ name, w, pageerror: String(e) })));
    await page.goto(base + path);
    await page.waitForSelector(path.startsWith('/link') ? '.vlink' : '#participants tbody tr', { timeout: 40000 });
    await page.waitForTimeout(400);
    try { await act(page); } catch (e) { console.log(JSON.stringify({ name, w, error: String(e).slice(0, 200) })); }
    const m = await page.evaluate(() => {
      const box = (sel) => { const e = document.querySelector(sel); if (!e) return null; const r = e.getBoundingClientRect(); return { x: Math.round(r.x), w: Math.round(r.width), right: Math.round(r.right), sw: e.scrollWidth, cw: e.clientWidth }; };
      return {
        doc: { sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth },
        panel: box('#participants-panel'), table: box('#participants'), wrap: box('#participants-panel .table-wrap'),
        removeBtns: [...document.querySelectorAll('#participants .remove-btn')].slice(0, 8).map((b) => Math.round(b.getBoundingClientRect().right)),
        toast: box('.toast'), exportCard: box('#page-export .card'),
      };
    });
    console.log(JSON.stringify({ name, w, ...m }));
    await page.screenshot({ path: `${out}/${name}-${w}x${hgt}.png` });
    await page.close();
  }
  await ctx.close();
}
await browser.close();
