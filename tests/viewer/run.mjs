// run.mjs - browser tests of vt's offline viewer, in Debian's headless chromium driven by
// playwright-core. Ends with `N passed, N failed`; exits 1 when a test failed. Without
// /usr/bin/chromium it says so and skips (scripts/install-viewer-deps.sh installs it).
//
//   node tests/viewer/run.mjs            (make test-viewer; O=dir for another build dir)
//
// What it opens: an HTML trace of a real program (tests/viewer/sample_app.py traced with
// build/libvt.so, converted by build/vt-convert -o x.html, or, while vt-convert has no HTML
// output, by tests/viewer/html-driver.c from vt-convert's JSON), a synthetic trace written
// through tools/html.c, tests/viewer/args_app.py traced with VT_LOG_ARGS=1 VT_LOG_RETURN=1
// (a call's arguments and return value, a span's arguments, counters), and Chrome JSON
// files in the array and object forms.
// Screenshots go to build/viewer-test/*.png.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CHROMIUM, haveChromium, launch } from './browser.mjs';
import { FOREIGN } from './gen-json.mjs';
import { assert, count, eq, finish, onlyMatching, skip, test } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const build = resolve(root, process.env.O || 'build');
const out = join(build, 'viewer-test');
const EVIL = '</script><script>alert(1)</script>';

onlyMatching(process.argv[2] ? new RegExp(process.argv[2]) : null);

if (!haveChromium()) {
  console.log('viewer tests: chromium is not installed (' + CHROMIUM + '): skipping them all; scripts/install-viewer-deps.sh installs it');
  count.skipped++;
  finish();
}
try {
  await import('playwright-core');
} catch (e) {
  console.log('viewer tests: playwright-core is missing (run scripts/install-viewer-deps.sh): ' + e.message);
  count.failed++;
  finish();
}

// ---------------------------------------------------------------- inputs

mkdirSync(out, { recursive: true });
const cc = process.env.CC || 'cc';
const CFLAGS = ['-std=gnu11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-O2', '-iquote', root];
function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(cmd + ' ' + args.join(' ') + ' failed (' + r.status + '): ' + r.stderr + r.stdout);
  return r;
}

// html-driver: tools/html.c and the viewer compiled in, as vt-convert links them
run(cc, [...CFLAGS, '-o', join(out, 'mkviewer'), join(root, 'viewer/mkviewer.c')]);
const assets = run(join(out, 'mkviewer'), [join(root, 'viewer/index.html')]).stdout;
writeFileSync(join(out, 'viewer-assets.c'), assets);
run(cc, [...CFLAGS, '-o', join(out, 'html-driver'), join(here, 'html-driver.c'), join(root, 'tools/html.c'), join(out, 'viewer-assets.c')]);
const driver = join(out, 'html-driver');

// a real program, traced
const vtconv = join(build, 'vt-convert'), libvt = join(build, 'libvt.so');
const haveVt = existsSync(vtconv) && existsSync(libvt);
let sample = null;
if (haveVt) {
  const dir = join(out, 'sample-trace');
  rmSync(dir, { recursive: true, force: true });
  run('python3', [join(here, 'sample_app.py')], { env: { ...process.env, LD_PRELOAD: libvt, VT_OUTPUT: dir } });
  run(vtconv, [dir, '-o', join(out, 'sample.json'), '-q']);
  const html = join(out, 'sample.html');
  rmSync(html, { force: true });
  let via = 'vt-convert';
  const r = spawnSync(vtconv, [dir, '-o', html, '-q'], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(html) || !readFileSync(html, 'latin1').slice(0, 200).includes('<!DOCTYPE html>')) {
    via = 'html-driver (vt-convert has no HTML output yet)';
    run(driver, ['json', join(out, 'sample.json'), html]);
  }
  const json = JSON.parse(readFileSync(join(out, 'sample.json'), 'utf8'));
  sample = { html, via, json: join(out, 'sample.json'), events: json.traceEvents };
  console.log('# sample trace: ' + sample.events.filter((e) => e.ph === 'X').length + ' calls, HTML via ' + via);
} else {
  console.log('# ' + vtconv + ' or ' + libvt + ' missing (make all): the real-program tests are skipped');
}

// a call's arguments and return value, and counters: tests/viewer/args_app.py traced with
// VT_LOG_ARGS=1 VT_LOG_RETURN=1, as HTML from vt-convert and, through html.c, from its JSON
let argsApp = null;
if (haveVt) {
  const dir = join(out, 'args-trace');
  rmSync(dir, { recursive: true, force: true });
  run('python3', [join(here, 'args_app.py')], { env: { ...process.env, LD_PRELOAD: libvt, VT_OUTPUT: dir, VT_LOG_ARGS: '1', VT_LOG_RETURN: '1' } });
  const json = join(out, 'args.json'), html = join(out, 'args.html'), viaDriver = join(out, 'args-driver.html');
  run(vtconv, [dir, '-o', json, '-q']);
  rmSync(html, { force: true });
  const r = spawnSync(vtconv, [dir, '-o', html, '-q'], { encoding: 'utf8' });
  run(driver, ['json', json, viaDriver]);
  argsApp = { html: r.status === 0 && existsSync(html) ? html : null, err: r.stderr, viaDriver, json, events: JSON.parse(readFileSync(json, 'utf8')).traceEvents };
}

// counters written by two threads (tests/viewer/counters_app.py): HTML and JSON
let ctrApp = null;
if (haveVt) {
  const dir = join(out, 'counters-trace');
  rmSync(dir, { recursive: true, force: true });
  run('python3', [join(here, 'counters_app.py')], { env: { ...process.env, LD_PRELOAD: libvt, VT_OUTPUT: dir } });
  const json = join(out, 'counters.json'), html = join(out, 'counters.html');
  run(vtconv, [dir, '-o', json, '-q']);
  run(vtconv, [dir, '-o', html, '-q']);
  ctrApp = { json, html };
}

// native calls (VT_NATIVE): a Python function whose os.write shows up as write() inside it
let nativeApp = null;
if (haveVt) {
  const dir = join(out, 'native-trace');
  rmSync(dir, { recursive: true, force: true });
  const prog = 'import os\ndef writer(fd):\n    return os.write(fd, b"native")\nfd = os.open(os.devnull, os.O_WRONLY)\nwriter(fd)\n';
  run('python3', ['-c', prog], { env: { ...process.env, LD_PRELOAD: libvt, VT_OUTPUT: dir, VT_NATIVE: 'write:libc', VT_NATIVE_ARGS: '1' } });
  const html = join(out, 'native.html');
  run(vtconv, [dir, '-o', html, '-q']);
  nativeApp = { html };
}

// a synthetic trace through html.c
const synth = join(out, 'synth.html');
const synthN = +(/(\d+) calls/.exec(run(driver, ['synth', '300000', synth]).stderr)[1]);
run('node', [join(here, 'gen-json.mjs'), 'foreign', join(out, 'foreign.json')]);
run('node', [join(here, 'gen-json.mjs'), 'object', join(out, 'object.json')]);

// ---------------------------------------------------------------- the browser

const { ctx, close } = await launch();
const problems = [];
ctx.on('request', (req) => {
  const u = req.url();
  if (!/^(file|data|blob|about):/.test(u)) problems.push('network request: ' + u);
});

async function open(file, wantData = true) {
  const page = await ctx.newPage();
  page.dialogs = [];
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => problems.push('page error in ' + file + ': ' + e.message));
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error in ' + file + ': ' + m.text()); });
  const t0 = Date.now();
  await page.goto('file://' + file);
  await page.waitForFunction(() => window.vt && (window.vt.ready || window.vt.error), null, { timeout: 60000 });
  page.loadMs = Date.now() - t0;
  const err = await page.evaluate(() => window.vt.error);
  assert(!err, 'the viewer failed: ' + err);
  if (wantData) assert(await page.evaluate(() => !!window.vt.stats), 'no trace shown');
  return page;
}

async function openJson(page, file, chunk) {
  await page.evaluate((c) => { window.vt.ready = false; window.vt.chunkBytes = c || 0; }, chunk || 0);
  await page.setInputFiles('#file', file);
  await page.waitForFunction(() => window.vt.ready || window.vt.error, null, { timeout: 120000 });
  const err = await page.evaluate(() => window.vt.error);
  assert(!err, 'opening ' + file + ' failed: ' + err);
}

const stats = (page) => page.evaluate(() => window.vt.stats);
const text = (page, sel) => page.$eval(sel, (e) => e.textContent);
const shot = (page, name) => page.screenshot({ path: join(out, name + '.png') });

async function clickSlice(page, i) {
  const w = await page.evaluate((k) => window.vt.reveal(k, true), i);
  assert(w.visible && w.y != null, 'slice ' + i + ' is not on screen');
  await page.mouse.click(w.x, w.y);
  return w;
}

async function findIndex(page, name, pred) {
  return page.evaluate(([n, p]) => {
    const s = window.vt.find(n, 0);
    if (!s) return -1;
    // the first such slice with depth >= p
    for (let k = 0; k < 100000; k++) {
      const w = window.vt.find(n, k);
      if (!w) return -1;
      if (w.depth >= p) return w.i;
    }
    return -1;
  }, [name, pred || 0]);
}

// ---------------------------------------------------------------- tests: a real program

if (sample) {
  const X = sample.events.filter((e) => e.ph === 'X');
  const page = await open(sample.html);

  await test('sample: tracks and call counts match vt-convert\'s JSON', async () => {
    const s = await stats(page);
    eq(s.slices, X.length, 'slices');
    const procs = sample.events.filter((e) => e.ph === 'M' && e.name === 'process_name');
    eq(s.processes, procs.length, 'processes');
    assert(s.processes >= 2, 'the child process is missing');
    for (const n of ['MainThread', 'worker-0', 'worker-1']) assert(s.threadNames.includes(n), 'no thread ' + n + ' in ' + s.threadNames);
    for (const t of s.perThread) {
      const want = X.filter((e) => e.pid === t.pid && e.tid === t.tid).length;
      eq(t.slices, want, 'calls of thread ' + t.name);
    }
    // process order is the tree order (process_sort_index)
    const order = sample.events.filter((e) => e.ph === 'M' && e.name === 'process_sort_index').sort((a, b) => a.args.sort_index - b.args.sort_index).map((e) => e.pid);
    const names = new Map(procs.map((e) => [e.pid, e.args.name]));
    eq(s.processNames, order.map((p) => names.get(p)), 'process order');
  });

  await test('sample: a function named </script><script>alert(1)</script> stays text', async () => {
    assert(X.some((e) => e.name === EVIL), 'the sample did not record the hostile name (python ' + process.version + ')');
    eq(page.dialogs, [], 'dialogs');
    eq(await page.evaluate(() => document.scripts.length), 1, 'script elements');
    eq(await page.evaluate(() => document.getElementById('vt-trace').content.children.length), 0, 'elements in the data block');
    await page.fill('#search', 'alert(1)');
    await page.press('#search', 'Enter');
    await page.waitForFunction(() => document.getElementById('d-name'));
    eq(await text(page, '#d-name'), EVIL, 'details name');
    assert((await text(page, '#matches')).startsWith('1 / 1 match'), 'matches: ' + await text(page, '#matches'));
    eq(page.dialogs, [], 'dialogs');
    await page.fill('#search', '');
    await page.press('#search', 'Escape');
  });

  await test('sample: clicking a slice shows name, file:line, times, depth, parents, args', async () => {
    // depth 6 or more: a fib called by fib in any thread (a worker's outermost fib sits
    // at depth 4, under _bootstrap, _bootstrap_inner, run and worker)
    const i = await findIndex(page, 'fib', 6);
    assert(i >= 0, 'no deep fib');
    const w = await clickSlice(page, i);
    await page.waitForFunction(() => document.getElementById('d-name'));
    eq(await text(page, '#d-name'), 'fib', 'name');
    assert(/sample_app\.py:\d+$/.test(await text(page, '#d-loc')), 'location: ' + await text(page, '#d-loc'));
    eq(await text(page, '#d-depth'), String(w.depth), 'depth');
    const chain = await text(page, '#d-chain');
    assert(chain.includes('fib') && /worker|main/.test(chain), 'parent chain: ' + chain);
    assert((await text(page, '#d-args')).includes('"file"'), 'args');
    // the same call is in the JSON: same start and duration
    const ev = X.find((e) => e.name === 'fib' && Math.round(e.ts * 1000) === w.start && Math.round(e.dur * 1000) === w.dur);
    assert(ev, 'no fib at ' + w.start + ' ns lasting ' + w.dur + ' ns in the JSON');
    const selfT = await text(page, '#d-self');
    assert(/ns|µs|ms/.test(selfT), 'self time: ' + selfT);
    await shot(page, 'sample-details');
  });

  await test('sample: a clicked call shows its source, the def line marked (vt-convert embeds the files)', async () => {
    const i = await findIndex(page, 'fib', 6);
    await clickSlice(page, i);
    await page.waitForFunction(() => document.getElementById('d-src'));
    const line = Number(/:(\d+)$/.exec(await text(page, '#d-loc'))[1]);
    const hl = await page.$eval('#d-src .hl', (e) => ({ line: e.dataset.line, text: e.textContent }));
    const want = readFileSync(join(here, 'sample_app.py'), 'utf8').split('\n')[line - 1];
    eq(Number(hl.line), line, 'the marked line');
    assert(want.startsWith('def fib') && hl.text.endsWith(want), 'marked: ' + JSON.stringify(hl.text) + ', want ' + JSON.stringify(want));
    assert((await text(page, '#d-src')).includes('return n if n < 2'), 'the body follows');
    await shot(page, 'sample-source');
  });

  await test('sample: --sources-max and --no-sources: left out and said so, or no source at all', async () => {
    const small = join(out, 'sample-nosrc.html'), none = join(out, 'sample-nosource.html');
    const r = run(vtconv, [join(out, 'sample-trace'), '-o', small, '-q', '--sources-max', '100']);
    assert(/warning: sources: (\d+) of \1 files are not in the page: \S+ \(over the cap of 100 bytes for all sources \(--sources-max\)\)/.test(r.stderr), 'warning: ' + r.stderr);
    run(vtconv, [join(out, 'sample-trace'), '-o', none, '-q', '--no-sources']);
    for (const [file, want] of [[small, /not in this page: over the cap/], [none, null]]) {
      const p = await open(file);
      await clickSlice(p, await findIndex(p, 'fib', 6));
      await p.waitForFunction(() => document.getElementById('d-name'));
      const src = await p.evaluate(() => { const e = document.getElementById('d-src'); return e ? e.textContent : null; });
      if (want) assert(want.test(src || ''), file + ': ' + src);
      else assert(src === null, file + ': a source block: ' + src);
      await p.close();
    }
  });

  await test('sample: vt-convert x.json -o x.html (and .json.gz): the page opens the JSON it holds', async () => {
    const gz = join(out, 'sample-copy.json.gz');
    writeFileSync(gz, gzipSync(readFileSync(sample.json)));
    for (const src of [sample.json, gz]) {
      const html = join(out, 'wrapped-' + (src.endsWith('.gz') ? 'gz' : 'json') + '.html');
      const r = run(vtconv, [src, '-o', html]);
      assert(/in the viewer -> wrapped-/.test(r.stderr), 'vt-convert said: ' + r.stderr);
      const p = await open(html);
      const s = await stats(p);
      eq(s.slices, X.length, src + ': slices');
      assert(s.processes >= 2, src + ': processes ' + s.processes);
      await p.close();
    }
  });

  await test('sample: search counts, next and previous', async () => {
    const want = X.filter((e) => e.name.toLowerCase().includes('fib')).length;
    await page.evaluate(() => window.vt.fit());
    await page.fill('#search', 'fib');
    await page.waitForFunction((n) => document.getElementById('matches').textContent.includes(n), want.toLocaleString('en-US'));
    eq(await text(page, '#matches'), want.toLocaleString('en-US') + ' matches', 'count');
    await page.click('#next');
    eq(await text(page, '#matches'), '1 / ' + want.toLocaleString('en-US') + ' matches', 'after next');
    const first = await page.evaluate(() => window.vt.search().cur);
    await page.click('#next');
    await page.click('#prev');
    eq(await page.evaluate(() => window.vt.search().cur), first, 'next then prev');
    eq(await text(page, '#d-name'), 'fib', 'selected match');
    await shot(page, 'sample-search');
    await page.fill('#search', '');
    await page.press('#search', 'Escape');
  });

  await test('sample: wheel zooms at the cursor, drag pans, WASD, 0 fits', async () => {
    await page.evaluate(() => window.vt.fit());
    const a = await page.evaluate(() => window.vt.timeline());
    const box = await page.$eval('#canvas', (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, h: r.height }; });
    const mx = box.x + a.labelW + (a.width - a.labelW) * 0.3, my = box.y + 120;
    const tAt = (v, x) => v.t0 + (x - box.x - v.labelW) * (v.t1 - v.t0) / (v.width - v.labelW);
    const before = tAt(a, mx);
    await page.mouse.move(mx, my);
    await page.mouse.wheel(0, -400);
    await page.waitForTimeout(100);
    const b = await page.evaluate(() => window.vt.timeline());
    assert(b.t1 - b.t0 < (a.t1 - a.t0) * 0.6, 'the wheel did not zoom in');
    assert(Math.abs(tAt(b, mx) - before) < (b.t1 - b.t0) * 0.01, 'the time under the cursor moved');
    await page.mouse.move(mx, my);
    await page.mouse.down();
    await page.mouse.move(mx + 200, my, { steps: 5 });
    await page.mouse.up();
    await page.waitForTimeout(50);
    const c = await page.evaluate(() => window.vt.timeline());
    assert(c.t0 < b.t0, 'dragging right did not pan left');
    await page.keyboard.down('w'); await page.waitForTimeout(300); await page.keyboard.up('w');
    const d = await page.evaluate(() => window.vt.timeline());
    assert(d.t1 - d.t0 < (c.t1 - c.t0) * 0.8, 'W did not zoom in');
    await page.keyboard.down('d'); await page.waitForTimeout(250); await page.keyboard.up('d');
    const e = await page.evaluate(() => window.vt.timeline());
    assert(e.t0 > d.t0, 'D did not pan right');
    await page.keyboard.down('s'); await page.waitForTimeout(200); await page.keyboard.up('s');
    const f = await page.evaluate(() => window.vt.timeline());
    assert(f.t1 - f.t0 > e.t1 - e.t0, 'S did not zoom out');
    await shot(page, 'sample-zoomed');
    await page.keyboard.press('0');
    await page.waitForTimeout(50);
    const g = await page.evaluate(() => window.vt.timeline());
    assert(g.t1 - g.t0 >= g.tMax - g.tMin, '0 did not show the whole trace');
    const ms = await page.evaluate(() => window.vt.lastDrawMs);
    assert(Number.isFinite(ms), 'no redraw measured: ' + ms);
    console.log('# sample: last redraw ' + ms.toFixed(1) + ' ms');
  });

  await test('sample: dragging a range gives a sortable table of totals per function', async () => {
    await page.evaluate(() => window.vt.fit());
    const v = await page.evaluate(() => window.vt.timeline());
    const box = await page.$eval('#canvas', (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top }; });
    // the whole trace, dragged on the ruler: every call is counted once
    const xs = box.x + v.labelW + 2, xe = box.x + v.width - 2, y = box.y + 12;
    await page.mouse.move(xs, y); await page.mouse.down(); await page.mouse.move(xe, y, { steps: 8 }); await page.mouse.up();
    await page.waitForSelector('#agg');
    const counts = await page.$$eval('#agg tbody tr', (rows) => rows.map((r) => +r.children[1].textContent.replace(/,/g, '')));
    const sub = await text(page, '#details h3');
    assert(sub.includes(X.length.toLocaleString('en-US') + ' calls'), 'range header: ' + sub);
    assert(counts.length > 5, 'few rows: ' + counts.length);
    // sort by count
    await page.click('#agg th[data-col="count"]');
    const sorted = await page.$$eval('#agg tbody tr', (rows) => rows.map((r) => +r.children[1].textContent.replace(/,/g, '')));
    for (let k = 1; k < sorted.length; k++) assert(sorted[k - 1] >= sorted[k], 'not sorted by count');
    const fibRow = await page.$$eval('#agg tbody tr', (rows) => rows.map((r) => [r.children[0].textContent, +r.children[1].textContent.replace(/,/g, '')]).find((x) => x[0] === 'fib'));
    eq(fibRow[1], X.filter((e) => e.name === 'fib').length, 'fib count');
    // shift+drag over part of the tracks
    await page.mouse.move(box.x + v.labelW + 300, box.y + 200);
    await page.keyboard.down('Shift');
    await page.mouse.down(); await page.mouse.move(box.x + v.labelW + 500, box.y + 260, { steps: 5 }); await page.mouse.up();
    await page.keyboard.up('Shift');
    await page.waitForSelector('#agg');
    await shot(page, 'sample-range');
  });

  await test('sample: ? shows the keys, Esc hides them', async () => {
    await page.keyboard.press('Escape');
    await page.locator('#canvas').focus();
    await page.keyboard.press('?');
    assert(await page.isVisible('#help'), 'no help');
    assert((await text(page, '#help')).includes('zoom'), 'help text');
    await shot(page, 'sample-help');
    await page.keyboard.press('Escape');
    assert(!(await page.isVisible('#help')), 'help still shown');
  });

  await test('first look: every process and thread on the first screen, a 151-level stack folded to fit, no empty details pane', async () => {
    const dir = join(out, 'deep-trace'), html = join(out, 'deep.html');
    rmSync(dir, { recursive: true, force: true });
    run('python3', [join(here, 'deep_app.py')], { env: { ...process.env, LD_PRELOAD: libvt, VT_OUTPUT: dir } });
    run(vtconv, [dir, '-o', html, '-q']);
    const p = await open(html);
    let t = await p.evaluate(() => window.vt.tracks());
    const threads = t.rows.filter((r) => r.kind === 'thread'), procs = t.rows.filter((r) => r.kind === 'proc');
    assert(procs.length === 2 && threads.length >= 5, 'rows: ' + JSON.stringify(t.rows.map((r) => [r.kind, r.name])));
    assert(!t.details, 'the details pane shows with nothing in it');
    for (const r of t.rows) assert(r.top >= 0 && r.top + r.h <= t.height, 'off the first screen: ' + JSON.stringify(r) + ' (height ' + t.height + ')');
    const deep = threads.find((r) => r.depth > 150);
    assert(deep && deep.fold > 0 && deep.nrows === deep.fold, 'the deep thread is not folded: ' + JSON.stringify(deep));
    await shot(p, 'first-look');
    // its name unfolds it; a click on a call shows the pane; Esc hides it and scrolls back
    const box = await p.evaluate(() => canvas.getBoundingClientRect().top);
    await p.mouse.click(60, box + deep.top + 10);
    t = await p.evaluate(() => window.vt.tracks());
    const un = t.rows.find((r) => r.kind === 'thread' && r.depth > 150);
    assert(un.fold === 0 && un.nrows === un.depth, 'a click on its name did not unfold it: ' + JSON.stringify(un));
    await p.keyboard.press('PageDown');
    t = await p.evaluate(() => window.vt.tracks());
    assert(t.pinned && /deep_app\.py/.test(t.pinned.name) && t.pinned.y === 30, 'scrolled into its threads, the process header is not pinned at the top: ' + JSON.stringify(t.pinned));
    await shot(p, 'pinned-header');
    const i = await findIndex(p, 'down', 140);
    await clickSlice(p, i);
    t = await p.evaluate(() => window.vt.tracks());
    assert(t.details && t.scrollY > 0, 'after a click on a deep call: ' + JSON.stringify({ details: t.details, scrollY: t.scrollY }));
    await p.keyboard.press('Escape');
    t = await p.evaluate(() => window.vt.tracks());
    assert(!t.details && t.scrollY === 0, 'after Esc: ' + JSON.stringify({ details: t.details, scrollY: t.scrollY }));
    await p.close();
  });

  await test('sample: G shows the flame graph: every fib call in its frames, zoom by click, 0 and Esc, a range as scope', async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('g');
    let f = await page.evaluate(() => window.vt.flame('fib'));
    const fibs = X.filter((e) => e.name === 'fib').length;
    assert(f.on && f.scope === 'the whole trace, all threads', 'not on: ' + JSON.stringify(f));
    eq(f.count, fibs, 'fib calls merged into the frames');
    assert(f.total > 0 && Math.abs(f.total - f.kids) < 1e-6 && f.frames > 10, 'totals: ' + JSON.stringify(f));
    await shot(page, 'flame');
    const box = await page.evaluate(() => canvas.getBoundingClientRect().toJSON());
    await page.mouse.click(box.left + f.widest.x, box.top + f.widest.y);
    const g = await page.evaluate(() => window.vt.flame('fib'));
    eq(g.focus, f.widest.name, 'the clicked frame is the focus');
    await shot(page, 'flame-zoomed');
    await page.keyboard.press('0');
    eq((await page.evaluate(() => window.vt.flame('fib'))).focus, null, '0: back to the whole');
    await page.keyboard.press('Escape');
    assert(!(await page.evaluate(() => window.vt.flame('fib'))).on, 'Esc: back to the timeline');
    // a range on the ruler (a third of the view) is the scope: its time, all threads, no more
    const tl = await page.evaluate(() => window.vt.timeline());
    const x0 = box.left + tl.labelW + (tl.width - tl.labelW) * 0.3, x1 = box.left + tl.labelW + (tl.width - tl.labelW) * 0.6;
    await page.mouse.move(x0, box.top + 10); await page.mouse.down(); await page.mouse.move(x1, box.top + 10, { steps: 5 }); await page.mouse.up();
    await page.keyboard.press('g');
    const r = await page.evaluate(() => window.vt.flame('fib'));
    const span = (tl.t1 - tl.t0) * 0.3, nthreads = (await stats(page)).threads;
    assert(r.scope.startsWith('the range') && r.total > 0 && r.total <= span * nthreads * 1.01 && r.count < fibs,
      'range scope: ' + JSON.stringify(r) + ' span ' + span + ' x ' + nthreads + ' threads');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape');
  });

  await test('sample: vt-convert\'s JSON opened by hand gives the same counts', async () => {
    await openJson(page, sample.json);
    const s = await stats(page);
    eq(s.slices, X.length, 'slices');
    for (const n of ['MainThread', 'worker-0', 'worker-1']) assert(s.threadNames.includes(n), 'no thread ' + n);
    const i = await findIndex(page, 'fib', 2);
    await clickSlice(page, i);
    await page.waitForFunction(() => document.getElementById('d-loc'));
    assert(/sample_app\.py:\d+$/.test(await text(page, '#d-loc')), 'location from args.file');
    eq(page.dialogs, [], 'dialogs');
  });
  await shot(page, 'sample-json');
  await page.close();
} else {
  skip('sample: the real-program tests', 'build/vt-convert and build/libvt.so are needed (make all)');
}

// ---------------------------------------------------------------- tests: arguments and counters

// the details pane's "Arguments" of the first call named `name`, parsed
async function argsOf(page, name) {
  const i = await findIndex(page, name, 0);
  assert(i >= 0, 'no call named ' + name);
  await clickSlice(page, i);
  await page.waitForFunction((n) => { const e = document.getElementById('d-name'); return e && e.textContent === n; }, name);
  const t = await text(page, '#d-args');
  try { return JSON.parse(t); } catch (e) { throw new Error('the arguments of ' + name + ' are not shown as JSON: ' + t); }
}

async function checkAdd(page, shotName) {
  const a = await argsOf(page, 'add');
  eq(a.func_args, { a: '2', b: '3' }, 'func_args of add(2, 3)');
  eq(a.return_value, '5', 'return value of add(2, 3)');
  assert(/args_app\.py:\d+$/.test(a.file), 'file: ' + a.file);
  if (shotName) await shot(page, shotName);
  const sp = await argsOf(page, 'batch');
  eq(sp.size, 10, 'the span\'s own argument (a number stays a number)');
}

async function checkCounters(page) {
  const s = await stats(page);
  eq(s.counterNames, ['queue.depth', 'queue.rate'], 'counter tracks');
  const ink = await page.evaluate(() => window.vt.counterInk());
  for (const c of ink) {
    eq(c.samples, 4, 'samples of ' + c.name);
    assert(c.ink > 50, 'counter ' + c.name + ' is not drawn (' + c.ink + ' px)');
  }
}

if (nativeApp) {
  await test('native calls: write(fd, buf, 6) sits inside writer(), with its arguments and result', async () => {
    const page = await open(nativeApp.html);
    try {
      const w = await page.evaluate(() => window.vt.find('writer', 0));
      const n = await page.evaluate(() => window.vt.find('write', 0));
      assert(w && n, 'slices writer and write: ' + JSON.stringify([w, n]));
      assert(n.depth > w.depth && n.start >= w.start && n.start + n.dur <= w.start + w.dur,
        'write is not inside writer: ' + JSON.stringify([w, n]));
      await page.evaluate((k) => window.vt.select(k), n.i);
      await page.waitForFunction(() => document.getElementById('d-args'));
      const a = JSON.parse(await text(page, '#d-args'));
      eq(a.func_args.n, '6', 'n');
      eq(a.return_value, '6', 'the result');
      eq(page.dialogs, [], 'dialogs');
    } finally { await page.close(); }
  });
} else {
  skip('native calls of a real program', 'build/vt-convert and build/libvt.so are needed (make all)');
}

if (argsApp) {
  const A = argsApp;
  const want = A.events.find((e) => e.ph === 'X' && e.name === 'add');
  await test('arguments: vt-convert -o x.html shows add(2, 3): a = 2, b = 3, return value 5', async () => {
    assert(want && want.args && want.args.func_args, 'vt-convert\'s JSON has no arguments for add: ' + JSON.stringify(want));
    assert(A.html, 'vt-convert -o args.html failed: ' + A.err);
    const page = await open(A.html);
    try {
      await checkAdd(page, 'args-details');
      await checkCounters(page);
      eq(page.dialogs, [], 'dialogs');
    } finally { await page.close(); }
  });
  await test('arguments: the same trace through html.c from vt-convert\'s JSON (html-driver)', async () => {
    const page = await open(A.viaDriver);
    try {
      await checkAdd(page);
    } finally { await page.close(); }
  });
  await test('counters: vt.counter("queue", depth=, rate=) is drawn as queue.depth and queue.rate', async () => {
    const page = await open(join(root, 'viewer/index.html'), false);
    try {
      await openJson(page, A.json);
      await checkAdd(page);
      await checkCounters(page);
    } finally { await page.close(); }
  });
} else {
  skip('arguments and counters of a real program', 'build/vt-convert and build/libvt.so are needed (make all)');
}

// the counter tracks of counters_app.py, with their values in time order
const CTR_WANT = [
  { name: 'backlog (consumer)', val: [100, 101, 102, 103] },
  { name: 'backlog (producer)', val: [0, 1, 2, 3] },
  { name: 'queue (consumer).depth', val: [100, 101, 102, 103] },
  { name: 'queue (producer).depth', val: [0, 1, 2, 3] },
  { name: 'rss.mb', val: [50, 60] },
];
async function checkThreadCounters(page) {
  const got = (await page.evaluate(() => window.vt.counterSeries())).map((c) => ({ name: c.name, val: c.val }));
  eq(got, CTR_WANT, 'counter tracks and their samples');
  for (const c of await page.evaluate(() => window.vt.counterInk()))
    assert(c.ink > 50, 'counter ' + c.name + ' is not drawn (' + c.ink + ' px)');
}

if (ctrApp) {
  await test('counters of two threads: a track per thread in vt-convert -o x.html', async () => {
    const page = await open(ctrApp.html);
    try { await checkThreadCounters(page); } finally { await page.close(); }
  });
  await test('counters of two threads: the same tracks from vt-convert\'s JSON', async () => {
    const page = await open(join(root, 'viewer/index.html'), false);
    try {
      await openJson(page, ctrApp.json);
      await checkThreadCounters(page);
    } finally { await page.close(); }
  });
} else {
  skip('counters of two threads', 'build/vt-convert and build/libvt.so are needed (make all)');
}

// ---------------------------------------------------------------- tests: synthetic trace

{
  const page = await open(synth);
  await test('synthetic: ' + synthN + ' calls in 8 threads of 2 processes, counters, markers, arrows', async () => {
    const s = await stats(page);
    eq(s.slices, synthN, 'slices');
    eq([s.threads, s.processes, s.counters, s.flows], [8, 2, 2, 1], 'threads, processes, counters, flows');
    assert(s.instants >= 9, 'instants: ' + s.instants);
    eq(s.processNames, ['/usr/bin/python3 /srv/app/main.py --port 8000', '/usr/bin/python3 /srv/app/worker.py --port 8001'], 'process order');
    eq(await page.$eval('#title', (e) => e.title), 'synthetic </title><script>alert(3)</script> trace', 'title shown as text');
    eq(page.dialogs, [], 'dialogs');
    eq(await page.evaluate(() => document.scripts.length), 1, 'script elements');
    await shot(page, 'synth');
  });
  await test('synthetic: hostile names are searchable text; the unfinished frame is flagged', async () => {
    await page.fill('#search', '<img src=x');
    await page.press('#search', 'Enter');
    await page.waitForFunction(() => document.getElementById('d-name'));
    assert((await text(page, '#d-name')).startsWith('<img src=x onerror=alert(2)> "quoted" & \'single\' été →'), 'name: ' + await text(page, '#d-name'));
    await page.press('#search', 'Escape');
    const i = await findIndex(page, 'main', 0);
    await page.evaluate((k) => window.vt.select(k), i);
    assert((await text(page, '#details')).includes('unfinished'), 'no unfinished flag');
    eq(page.dialogs, [], 'dialogs');
  });
  await test('synthetic: arguments given to vt_html_slice_args are shown, as text', async () => {
    // a top-level call other than the unfinished main, which has none
    const k = await page.evaluate(() => {
      for (let i = 0, n = window.vt.stats.slices; i < n; i++) {
        const w = window.vt.where(i);
        if (w.depth === 0 && w.name !== 'main') return i;
      }
      return -1;
    });
    assert(k >= 0, 'no top-level call');
    await page.evaluate((x) => window.vt.select(x), k);
    const a = JSON.parse(await text(page, '#d-args'));
    assert(/^\d+$/.test(a.func_args.n) && a.return_value === String(2 * +a.func_args.n), 'args: ' + JSON.stringify(a));
    eq(a.func_args.tag, "'</script><b>x'", 'hostile argument text');
    eq(await page.$$eval('#details b', (e) => e.length), 0, 'markup from an argument');
    eq(page.dialogs, [], 'dialogs');
  });
  await test('synthetic: zooming and panning redraw every step', async () => {
    const r = await page.evaluate(() => window.vt.benchRedraw(30));
    assert(r.n === 30 && Number.isFinite(r.p95), 'redraw times: ' + JSON.stringify(r));
    console.log('# synthetic: redraw median ' + r.median.toFixed(1) + ' ms, p95 ' + r.p95.toFixed(1) + ' ms');
  });
  await page.close();
}

await test('an empty trace opens and says so', async () => {
  run(driver, ['empty', join(out, 'empty.html')]);
  const page = await open(join(out, 'empty.html'));
  const s = await stats(page);
  eq([s.slices, s.threads, s.processes], [0, 0, 0], 'counts');
  assert((await text(page, '#status')).startsWith('0 slices'), 'status');
  eq(await text(page, '#title'), 'vt trace', 'default title');
  await page.close();
});

// ---------------------------------------------------------------- tests: Chrome JSON from other tools

{
  const page = await open(join(root, 'viewer/index.html'), false);
  await test('viewer/index.html on its own shows the open-a-file page', async () => {
    assert(await page.isVisible('#landing'), 'no landing page');
    eq(page.dialogs, [], 'dialogs');
  });
  const check = async (file, chunk) => {
    await openJson(page, file, chunk);
    const s = await stats(page);
    eq([s.slices, s.threads, s.processes, s.counters, s.instants, s.flows], [7, 3, 2, 2, 2, 1], 'slices, threads, processes, counters, instants, flows');
    eq(s.processNames, ['Renderer', 'Browser'], 'process order by process_sort_index');
    assert(s.threadNames.includes('CrBrowserMain'), 'thread name for a string tid');
    const per = Object.fromEntries(s.perThread.map((t) => [t.name, [t.slices, t.maxDepth]]));
    eq(per.CrBrowserMain, [3, 1], 'B/E nesting');
    // details of a B/E call: args of both ends
    const i = await findIndex(page, 'inner', 0);
    await page.evaluate((k) => window.vt.select(k), i);
    eq(await text(page, '#d-name'), 'inner', 'name');
    eq(await text(page, '#d-depth'), '1', 'depth');
    assert((await text(page, '#d-args')).includes('"return_value": 42'), 'return value: ' + await text(page, '#d-args'));
    assert((await text(page, '#d-chain')).includes('outer'), 'parent');
    eq(await text(page, '#d-dur'), '200 \u00b5s (200 \u00b5s)', 'duration');
    const u = await findIndex(page, 'unclosed', 0);
    await page.evaluate((k) => window.vt.select(k), u);
    assert((await text(page, '#details')).includes('unfinished'), 'B without E is unfinished');
    const c = await findIndex(page, 'child', 0);
    assert(c >= 0, 'a \\u-escaped name');
    const e = await findIndex(page, '\u00e9v\u00e9nement \ud83d\ude00', 0);
    assert(e >= 0, 'a non-ASCII name');
    eq(page.dialogs, [], 'dialogs');
  };
  await test('Chrome JSON, array form cut short: B/E, X, M, C, i, s/f, string tids', () => check(join(out, 'foreign.json')));
  await test('Chrome JSON read 7 bytes at a time gives the same trace', () => check(join(out, 'foreign.json'), 7));
  await test('Chrome JSON, object form with other keys around traceEvents', () => check(join(out, 'object.json'), 5));
  await test('Chrome JSON, gzip-compressed (.json.gz)', async () => {
    writeFileSync(join(out, 'foreign.json.gz'), gzipSync(readFileSync(join(out, 'foreign.json'))));
    await check(join(out, 'foreign.json.gz'));
  });
  await test('Chrome JSON dropped on the page', async () => {
    const body = readFileSync(join(out, 'object.json'), 'utf8');
    await page.evaluate((b) => {
      window.vt.ready = false; window.vt.chunkBytes = 0;
      const dt = new DataTransfer();
      dt.items.add(new File([b], 'dropped.json', { type: 'application/json' }));
      window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true }));
    }, body);
    await page.waitForFunction(() => window.vt.ready || window.vt.error);
    eq((await stats(page)).slices, 7, 'slices');
    eq(await text(page, '#title'), 'dropped.json', 'title');
    assert(!(await page.isVisible('#drop')), 'the drop overlay stayed');
  });
  await shot(page, 'foreign');
  await test('a file that is not a trace gives an error, not a hang', async () => {
    await page.evaluate(() => { window.vt.ready = false; window.vt.chunkBytes = 0; });
    await page.setInputFiles('#file', join(root, 'tests/viewer/sample_app.py'));
    await page.waitForFunction(() => window.vt.error);
    assert((await text(page, '#details')).includes('Could not open'), 'no error shown');
  });
  await page.close();
  void FOREIGN;
}

// ---------------------------------------------------------------- tests: scale

// Times are printed, not asserted (a test on a busy machine must not fail on them): the
// goals (interactive within 5 s, redraws under 50 ms) are measured by make bench-viewer.
await test('1M calls: every call opens, and zooming redraws', async () => {
  const big = join(out, 'synth-1m.html');
  run(driver, ['synth', '1000000', big]);
  const page = await open(big);
  const s = await stats(page);
  assert(s.slices >= 1000000, 'slices: ' + s.slices);
  const r = await page.evaluate(() => window.vt.benchRedraw(30));
  assert(r.n === 30 && Number.isFinite(r.p95), 'redraw times: ' + JSON.stringify(r));
  console.log('# 1M: ' + (statSync(big).size / 1048576).toFixed(1) + ' MiB, interactive in ' + page.loadMs + ' ms, redraw median ' + r.median.toFixed(1) + ' ms, p95 ' + r.p95.toFixed(1) + ' ms');
  await page.close();
  rmSync(big, { force: true });
});

await test('mkviewer: the modules of index.html, in its order, in one script; bad modules refused', async () => {
  // the page vt-convert writes holds every module named by viewer/index.html, in that order
  const mods = [...readFileSync(join(root, 'viewer/index.html'), 'utf8').matchAll(/<script src="([^"]+)"><\/script>/g)].map((m) => m[1]);
  assert(mods.length > 1, 'index.html lists the modules: ' + mods);
  run(driver, ['empty', join(out, 'mods.html')]);
  const page = readFileSync(join(out, 'mods.html'), 'utf8');
  const scripts = [...page.matchAll(/<script([^>]*)>/g)];
  eq(scripts.map((m) => m[1]), [''], 'script elements in the page');
  const at = mods.map((m) => page.indexOf('// ---- ' + m + '\n'));
  assert(at.every((a, i) => a > 0 && (i === 0 || a > at[i - 1])), 'modules in order: ' + JSON.stringify(mods) + ' at ' + at);
  // what it refuses: a module that could end the script, a missing one, two runs of scripts, a path outside
  const dir = join(out, 'mkviewer-bad');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'js'), { recursive: true });
  writeFileSync(join(dir, 'viewer.css'), 'p {}\n');
  writeFileSync(join(dir, 'js/a.js'), "'use strict';\n");
  writeFileSync(join(dir, 'js/evil.js'), "const s = '</script>';\n");
  const head = '<link rel="stylesheet" href="viewer.css">\n<title><!--VT:TITLE--></title>\n<template><!--VT:DATA--></template>\n';
  const cases = [
    ['<script src="js/a.js"></script>\n<script src="js/evil.js"></script>\n', /js\/evil\.js must not contain '<\/script'/],
    ['<script src="js/a.js"></script>\n<script src="js/gone.js"></script>\n', /js\/gone\.js: No such file/],
    ['<script src="js/a.js"></script>\n<p>\n<script src="js/a.js"></script>\n', /index\.html:6: the scripts must be one run/],
    ['<script src="../a.js"></script>\n', /not a file beside index\.html/],
  ];
  for (const [body, want] of cases) {
    writeFileSync(join(dir, 'index.html'), head + body);
    const r = spawnSync(join(out, 'mkviewer'), [join(dir, 'index.html')], { encoding: 'utf8' });
    assert(r.status === 1 && want.test(r.stderr), body.trim() + ': exit ' + r.status + ', ' + r.stderr.trim());
  }
  writeFileSync(join(dir, 'index.html'), head + '<script src="js/a.js"></script>\n');
  eq(spawnSync(join(out, 'mkviewer'), [join(dir, 'index.html')]).status, 0, 'a good page');
});

await test('no network requests, page errors or console errors', async () => {
  eq(problems, [], 'problems');
});

await close();
finish();
