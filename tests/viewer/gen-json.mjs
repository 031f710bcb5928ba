// gen-json.mjs - Chrome trace JSON inputs for the viewer's tests and benchmark.
//
//   node gen-json.mjs big N OUT.json     ~N nested X events as vt-convert writes them
//                                       (one a line, in end-time order, args.file)
//   node gen-json.mjs foreign OUT.json   what other tools write: array form without its
//                                       closing bracket, B/E pairs, X, M, C, i, s/f,
//                                       string tids, escapes, an unsupported phase
//   node gen-json.mjs object OUT.json    the object form with other keys around traceEvents
import { openSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

let seed = 12345;
function rnd(n) {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed % n;
}

function big(n, out) {
  const fd = openSync(out, 'w');
  let buf = [];
  let size = 0;
  const put = (s) => {
    buf.push(s); size += s.length;
    if (size > 1 << 22) { writeSync(fd, buf.join('')); buf = []; size = 0; }
  };
  const names = [];
  for (let i = 0; i < 400; i++) names.push(i % 5 === 4 ? ['list.append', 'dict.get', 'len', 'str.join'][i % 4] : 'mod' + (i % 13) + '.func_' + i);
  put('{"traceEvents":[\n');
  put('{"ph":"M","name":"process_name","pid":42,"tid":0,"args":{"name":"python3 bench.py"}},\n');
  put('{"ph":"M","name":"process_sort_index","pid":42,"tid":0,"args":{"sort_index":0}},\n');
  const threads = 4, per = Math.ceil(n / threads);
  let emitted = 0;
  for (let t = 0; t < threads; t++) {
    const tid = 42 + t;
    let left = per, now = 1000 + t * 333;
    const call = (depth, start, span) => {
      left--;
      let cur = start + 1 + rnd(30);
      if (depth < 20 && span > 300 && left > 0) {
        const kids = 1 + rnd(depth < 3 ? 10 : 4);
        for (let k = 0; k < kids && left > 0; k++) {
          const part = Math.floor(span / (kids + 1));
          cur = call(depth + 1, cur + rnd(Math.floor(part / 4) + 2), Math.floor(part / 2) + rnd(Math.floor(part / 2) + 1));
        }
      }
      let end = cur + 20 + rnd(50);
      if (end < start + span / 2) end = start + Math.floor(span / 2) + rnd(Math.floor(span / 2) + 1);
      const f = depth === 0 ? 3 : rnd(names.length), name = names[f], c = f % 5 === 4;
      put('{"ph":"X","cat":"' + (c ? 'c' : 'py') + '","name":"' + name + '","pid":42,"tid":' + tid + ',"ts":' + (start / 1000).toFixed(3) +
        ',"dur":' + ((end - start) / 1000).toFixed(3) + (c ? '' : ',"args":{"file":"/srv/app/mod' + (f % 13) + '.py:' + (10 + f) + '"}') + '},\n');
      emitted++;
      return end;
    };
    while (left > 0) now = call(0, now, 2000000 + rnd(30000000)) + 1000 + rnd(300000);
    put('{"ph":"M","name":"thread_name","pid":42,"tid":' + tid + ',"args":{"name":"' + (t ? 'worker-' + t : 'MainThread') + '"}}' + (t === threads - 1 ? '\n' : ',\n'));
  }
  put('],"displayTimeUnit":"ns","otherData":{"generator":"gen-json.mjs"}}\n');
  writeSync(fd, buf.join(''));
  closeSync(fd);
  process.stderr.write('gen-json: ' + emitted + ' events -> ' + out + '\n');
}

export const FOREIGN = [
  { name: 'process_name', ph: 'M', pid: 1, args: { name: 'Browser' } },
  { name: 'thread_name', ph: 'M', pid: 1, tid: 'main', args: { name: 'CrBrowserMain' } },
  { name: 'process_sort_index', ph: 'M', pid: 2, args: { sort_index: -1 } },
  { name: 'process_name', ph: 'M', pid: 2, args: { name: 'Renderer' } },
  { name: 'outer', cat: 'toplevel', ph: 'B', pid: 1, tid: 'main', ts: 1000, args: { url: 'a"b</script>' } },
  { name: 'inner', ph: 'B', pid: 1, tid: 'main', ts: 1100 },
  { name: 'inner', ph: 'E', pid: 1, tid: 'main', ts: 1300, args: { return_value: 42 } },
  { name: 'x1', ph: 'X', pid: 1, tid: 'main', ts: 1400, dur: 100 },
  { name: 'outer', ph: 'E', pid: 1, tid: 'main', ts: 2000 },
  { name: 'mem', ph: 'C', pid: 1, ts: 1000, args: { heap: 10, rss: 20 } },
  { name: 'mem', ph: 'C', pid: 1, ts: 1500, args: { heap: 15, rss: 25 } },
  { name: 'mark', ph: 'i', pid: 1, tid: 'main', ts: 1200, s: 't' },
  { name: 'gmark', ph: 'i', pid: 1, tid: 1, ts: 1250, s: 'g' },
  { name: 'flow', ph: 's', id: 7, pid: 1, tid: 'main', ts: 1150, cat: 'f' },
  { name: 'flow', ph: 'f', id: 7, pid: 2, tid: 5, ts: 1600, cat: 'f', bp: 'e' },
  { name: '\u00e9v\u00e9nement \ud83d\ude00', ph: 'X', pid: 2, tid: 5, ts: 1500, dur: 300.5, args: { nested: { a: [1, 2, { b: null }] } } },
  { name: 'child', ph: 'X', pid: 2, tid: 5, ts: 1600.25, dur: 50 },
  { name: 'async', ph: 'b', id: 1, pid: 2, tid: 5, ts: 1600 },
  { name: 'unclosed', ph: 'B', pid: 2, tid: 6, ts: 1700 },
  { name: 'later', ph: 'X', pid: 2, tid: 6, ts: 1750, dur: 100 },
];

function foreign(out) {
  // JSON.stringify writes \u escapes only for what must be; write some by hand too
  let s = '[\n' + FOREIGN.map((e) => JSON.stringify(e)).join(',\n');
  s = s.replace('"name":"child"', '"name":"\\u0063hild"');
  writeFileSync(out, s + '\n');   // no closing bracket: a cut file must still open
}

function object(out) {
  const s = '{"otherData":{"big":{"x":[1,2,3,"]}"],"y":"{{{"}},"metadata":"[", "traceEvents" : [\n' +
    FOREIGN.map((e) => JSON.stringify(e)).join(' ,\n') + '\n] , "displayTimeUnit":"ms","stackFrames":{}}';
  writeFileSync(out, s);
}

const main = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
const [mode, a, b] = main ? process.argv.slice(2) : [];
if (mode === 'big') big(+a, b);
else if (mode === 'foreign') foreign(a);
else if (mode === 'object') object(a);
else if (mode) { process.stderr.write('usage: gen-json.mjs big N OUT | foreign OUT | object OUT\n'); process.exit(2); }
