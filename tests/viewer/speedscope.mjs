// speedscope.mjs - vt-convert's speedscope output (-o x.speedscope.json), checked against
// speedscope's own file-format schema and imported into speedscope itself: its built app
// from npm (tests/viewer/node_modules/speedscope), in Debian's headless chromium.
// Ends with `N passed, N failed`; exits 1 when a test failed.
//
//   node tests/viewer/speedscope.mjs     (O=dir for another build dir)
//
// The traces are real: tests/viewer/ss_app.py (fib(5) in two threads, a C call) and
// fib(28) by the same program (1 028 457 calls), each traced by build/libvt.so under /usr/bin/python3.
// The import time of the big one is printed, not asserted (`make bench-viewer` style).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, haveChromium, launch } from './browser.mjs';
import { assert, count, finish, test } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const build = resolve(root, process.env.O || 'build');
const out = join(build, 'viewer-test');
const app = join(here, 'node_modules/speedscope/dist/release/index.html');
const schemaFile = join(here, 'node_modules/speedscope/dist/release/file-format-schema.json');
const PY = process.env.VT_SS_PYTHON || '/usr/bin/python3';

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(cmd + ' ' + args.join(' ') + ' failed (' + r.status + '): ' + r.stderr + r.stdout);
  return r;
}

// trace @script (args) with libvt.so and convert it to DIR.speedscope.json
function record(name, script, args) {
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  run(PY, [script, ...args], { env: { ...process.env, LD_PRELOAD: join(build, 'libvt.so'), VT_OUTPUT: dir } });
  const file = dir + '.speedscope.json';
  run(join(build, 'vt-convert'), [dir, '-q', '-o', file]);
  return file;
}

// what speedscope's schema requires of a file and its evented profiles, and the nesting
// its importer needs: each close matches the open frame on top, time never goes back
function checkFile(file) {
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')).definitions;
  const d = JSON.parse(readFileSync(file, 'utf8'));
  for (const k of schema['FileFormat.File'].required) assert(k in d, 'no ' + k + ' in the file');
  assert(d.$schema === schema['FileFormat.File'].properties.$schema.const, 'wrong $schema: ' + d.$schema);
  const frames = d.shared.frames;
  for (const f of frames) assert(typeof f.name === 'string' && (f.line === undefined || Number.isInteger(f.line)), 'bad frame ' + JSON.stringify(f));
  const units = schema['FileFormat.ValueUnit'].enum;
  const stats = [];
  for (const p of d.profiles) {
    for (const k of schema['FileFormat.EventedProfile'].required) assert(k in p, 'no ' + k + ' in profile ' + p.name);
    assert(p.type === 'evented' && units.includes(p.unit), 'profile ' + p.name + ': type ' + p.type + ', unit ' + p.unit);
    const stack = [], count = {};
    let last = -1, opens = 0;
    for (const e of p.events) {
      assert(e.at >= last, p.name + ': time goes back at ' + e.at);
      assert(e.frame >= 0 && e.frame < frames.length, p.name + ': no frame ' + e.frame);
      last = e.at;
      if (e.type === 'O') {
        stack.push(e.frame);
        opens++;
        count[frames[e.frame].name] = (count[frames[e.frame].name] || 0) + 1;
      } else {
        assert(e.type === 'C', 'event type ' + e.type);
        const top = stack.pop();
        assert(top === e.frame, p.name + ': closes frame ' + e.frame + ' over open ' + top);
      }
    }
    assert(stack.length === 0, p.name + ': ' + stack.length + ' frames left open');
    assert(p.startValue <= (p.events[0] || { at: p.startValue }).at && p.endValue >= last, p.name + ': start/end values around the events');
    stats.push({ name: p.name, opens, count });
  }
  return { d, stats };
}

// open speedscope's app and import @file through its file input; returns ms to the title
async function importInto(ctx, file) {
  const page = await ctx.newPage();
  const problems = [];
  page.on('dialog', async dlg => { problems.push('dialog: ' + dlg.message()); await dlg.dismiss(); });
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  await page.goto('file://' + app);
  await page.waitForSelector('input[type=file]', { state: 'attached' });
  const t0 = Date.now();
  await page.setInputFiles('input[type=file]', file);
  await page.waitForFunction(() => document.title !== 'speedscope' || document.body.innerText.includes('Something went wrong'),
    null, { timeout: 120000 });
  const ms = Date.now() - t0;
  const text = await page.evaluate(() => document.body.innerText);
  return { page, ms, problems, text, title: await page.title() };
}

if (!haveChromium()) {
  console.log('speedscope tests: chromium is not installed (' + CHROMIUM + '): skipping them; scripts/install-viewer-deps.sh installs it');
  count.skipped++;
  finish();
}
if (!existsSync(app)) {
  console.log('speedscope tests: speedscope is missing (' + app + '): run scripts/install-viewer-deps.sh');
  count.failed++;
  finish();
}
mkdirSync(out, { recursive: true });

const small = record('ss-small', join(here, 'ss_app.py'), []);
await test('speedscope file: the schema, nesting and time order; fib 15 times in each of 2 threads', () => {
  const { d, stats } = checkFile(small);
  const withFib = stats.filter(s => s.count.fib === 15);
  assert(withFib.length === 2, 'profiles with 15 fib calls: ' + JSON.stringify(stats.map(s => [s.name, s.count.fib])));
  assert(stats.some(s => s.name.startsWith('worker (tid ')), 'no profile named for the worker thread: ' + stats.map(s => s.name));
  const fib = d.shared.frames.filter(f => f.name === 'fib');
  assert(fib.length === 1 && fib[0].file.endsWith('ss_app.py') && fib[0].line === 5,
    'one shared frame for fib with its file and line: ' + JSON.stringify(fib));
  assert(d.shared.frames.some(f => f.name === 'sorted' && f.file === undefined), 'the C call sorted() is a frame without a file');
});

const { ctx, close } = await launch();
try {
  await test('speedscope imports the small trace: its title, no error, both threads', async () => {
    const r = await importInto(ctx, small);
    await r.page.screenshot({ path: join(out, 'speedscope-small.png') });
    assert(r.problems.length === 0, r.problems.join('; '));
    assert(!r.text.includes('Something went wrong'), 'speedscope says: ' + r.text.slice(0, 300));
    assert(r.title.endsWith(' - speedscope'), 'title ' + r.title);
    assert(/\b1\/2\b|\(1\/2\)/.test(r.text), 'no "1/2" profile selector for the two threads: ' + r.text.slice(0, 300));
    await r.page.close();
  });

  const big = record('ss-big', join(here, 'ss_app.py'), ['28']);
  await test('speedscope imports 1 028 457 calls (fib(28)); the time is printed', async () => {
    const { stats } = checkFile(big);
    const calls = stats.reduce((n, s) => n + (s.count.fib || 0), 0);
    assert(calls === 1028457, 'fib calls in the file: ' + calls);
    const r = await importInto(ctx, big);
    await r.page.screenshot({ path: join(out, 'speedscope-big.png') });
    assert(r.problems.length === 0, r.problems.join('; '));
    assert(r.title.endsWith(' - speedscope'), 'title ' + r.title);
    console.log('     speedscope import of ' + calls + ' calls (' + (statSync(big).size / 1e6).toFixed(1) + ' MB): ' + r.ms + ' ms');
    await r.page.close();
  });
} finally {
  await close();
}
finish();
