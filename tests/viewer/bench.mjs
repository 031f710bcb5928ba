// bench.mjs - how fast the viewer opens and redraws, in headless chromium.
//
//   node tests/viewer/bench.mjs [SIZES] [--json]
//
// SIZES: comma-separated call counts (default 100000,1000000,5000000). For each, a
// synthetic trace is written through tools/html.c (tests/viewer/html-driver.c) and opened
// from file://; with --json the same sizes are also opened as Chrome JSON files (as
// vt-convert writes them) through the file picker. Reported: file size, time from
// navigation to an interactive timeline, redraw times over 40 zoom and pan steps, search
// and range-aggregate times (search: 'e', which most names contain), and the JS heap. Needs build/viewer-test/html-driver (the
// test runner builds it: node tests/viewer/run.mjs) or builds it the same way.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveChromium, launch } from './browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const out = join(resolve(root, process.env.O || 'build'), 'viewer-test');
const args = process.argv.slice(2);
const sizes = (args.find((a) => /^\d/.test(a)) || '100000,1000000,5000000').split(',').map(Number);
const withJson = args.includes('--json');

if (!haveChromium()) { console.log('bench: /usr/bin/chromium is missing (scripts/install-viewer-deps.sh)'); process.exit(0); }
mkdirSync(out, { recursive: true });
function run(cmd, a) {
  const r = spawnSync(cmd, a, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(cmd + ' failed: ' + r.stderr);
  return r;
}
const driver = join(out, 'html-driver');
{  // always rebuilt: the viewer may have changed
  const cf = ['-std=gnu11', '-D_GNU_SOURCE', '-O2', '-iquote', root];
  run('cc', [...cf, '-o', join(out, 'mkviewer'), join(root, 'viewer/mkviewer.c')]);
  writeFileSync(join(out, 'viewer-assets.c'), run(join(out, 'mkviewer'), [join(root, 'viewer/index.html')]).stdout);
  run('cc', [...cf, '-o', driver, join(here, 'html-driver.c'), join(root, 'tools/html.c'), join(out, 'viewer-assets.c')]);
}

const { ctx, close } = await launch();
const rows = [];
const mib = (f) => (statSync(f).size / 1048576).toFixed(1);

async function measure(page, label, file, loadMs) {
  const r = await page.evaluate(() => window.vt.benchRedraw(40));
  const t = await page.evaluate(() => {
    const searchMs = window.vt.runSearch('e');
    const matches = window.vt.search().count;
    window.vt.runSearch('');
    const tl = window.vt.timeline();
    const c = performance.now();
    const aggCalls = window.vt.aggregate(tl.tMin, tl.tMax + 1);
    return { searchMs, matches, aggMs: performance.now() - c, aggCalls };
  });
  // the JS heap after a full collection (CDP), not the rounded performance.memory
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const hu = await cdp.send('Runtime.getHeapUsage');
  const heap = (hu.usedSize + (hu.backingStorageSize || 0) + (hu.embedderHeapUsedSize || 0)) / 1048576;
  await cdp.detach();
  const s = await page.evaluate(() => window.vt.stats.slices);
  rows.push({ label, calls: s, mib: mib(file), loadMs, redrawMedian: r.median, redrawP95: r.p95, redrawMax: r.max, searchMs: t.searchMs, aggMs: t.aggMs, heapMiB: heap });
}

for (const n of sizes) {
  const html = join(out, 'bench-' + n + '.html');
  run(driver, ['synth', String(n), html]);
  const page = await ctx.newPage();
  const t0 = Date.now();
  await page.goto('file://' + html);
  await page.waitForFunction(() => window.vt && (window.vt.ready || window.vt.error), null, { timeout: 120000, polling: 50 });
  const loadMs = Date.now() - t0;
  await measure(page, 'html', html, loadMs);
  await page.close();
  rmSync(html, { force: true });
  if (withJson) {
    const json = join(out, 'bench-' + n + '.json');
    run('node', [join(here, 'gen-json.mjs'), 'big', String(n), json]);
    const p2 = await ctx.newPage();
    await p2.goto('file://' + join(root, 'viewer/index.html'));
    await p2.waitForFunction(() => window.vt && window.vt.ready);
    await p2.evaluate(() => { window.vt.ready = false; });
    const t1 = Date.now();
    await p2.setInputFiles('#file', json);
    await p2.waitForFunction(() => window.vt.ready || window.vt.error, null, { timeout: 600000, polling: 100 });
    const err = await p2.evaluate(() => window.vt.error);
    if (err) throw new Error(err);
    await measure(p2, 'json', json, Date.now() - t1);
    await p2.close();
    rmSync(json, { force: true });
  }
  console.error('bench: ' + n + ' done');
}
await close();

const f = (x) => x.toFixed(1);
console.log('form  calls       file MiB  open s  redraw ms (median / p95 / max)  search ms  range ms  mem MiB');
for (const r of rows) {
  console.log(r.label.padEnd(6) + String(r.calls).padEnd(12) + r.mib.padStart(8) + (r.loadMs / 1000).toFixed(2).padStart(8) + '  ' +
    (f(r.redrawMedian) + ' / ' + f(r.redrawP95) + ' / ' + f(r.redrawMax)).padEnd(31) + f(r.searchMs).padStart(9) + f(r.aggMs).padStart(10) + f(r.heapMiB).padStart(10));
}
