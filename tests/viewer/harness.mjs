// harness.mjs - the browser suites' test runner: named tests, counts, and the closing
// `N passed, N failed[, N skipped]` line (exit 1 when a test failed).
export const count = { passed: 0, failed: 0, skipped: 0 };
let only = null;

/** onlyMatching - run only the tests whose name matches @re (a RegExp, or null for all) */
export function onlyMatching(re) { only = re; }

export async function test(name, fn) {
  if (only && !only.test(name)) return;
  const t = Date.now();
  try {
    await fn();
    count.passed++;
    console.log('ok   ' + name + ' (' + (Date.now() - t) + ' ms)');
  } catch (e) {
    count.failed++;
    console.log('FAIL ' + name + ': ' + (e && e.stack || e));
  }
}
export function skip(name, why) { count.skipped++; console.log('skip ' + name + ': ' + why); }
export function assert(c, msg) { if (!c) throw new Error(msg); }
export function eq(a, b, msg) { if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(msg + ': got ' + JSON.stringify(a) + ', want ' + JSON.stringify(b)); }
export function finish() {
  console.log(count.passed + ' passed, ' + count.failed + ' failed' + (count.skipped ? ', ' + count.skipped + ' skipped' : ''));
  process.exit(count.failed ? 1 : 0);
}
