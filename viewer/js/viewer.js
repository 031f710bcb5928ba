/*
 * vt viewer - an offline timeline for vt traces and Chrome Trace Event JSON.
 *
 * Everything lives in typed arrays (no object per event). A trace, from the embedded
 * "VTR1" block (see README.md) or from a JSON file read in chunks, becomes the columns
 * start/dur/fn/flags/args/parent, sorted by thread, then depth, then start: each depth of
 * each thread is one contiguous run whose slices do not overlap, so both their starts and
 * their ends are sorted and the visible part is found by binary search. Drawing visits
 * only visible slices and merges everything narrower than a pixel, jumping past it with a
 * binary search, so a redraw costs O(pixels x depth x log n) whatever the trace size.
 */
'use strict';
(function () {

// ---------------------------------------------------------------- utilities

const $ = (id) => document.getElementById(id);
const td = new TextDecoder('utf-8');

function fmtNum(n) {
  return Math.round(n).toLocaleString('en-US');
}

/* a duration, 3 significant digits: 812 ns, 12.3 µs, 1.25 ms, 3.40 s */
function fmtDur(ns) {
  const a = Math.abs(ns);
  let v, u;
  if (a < 1e3) return (Math.round(ns * 10) / 10) + ' ns';
  if (a < 1e6) { v = ns / 1e3; u = ' \u00b5s'; }
  else if (a < 1e9) { v = ns / 1e6; u = ' ms'; }
  else if (a < 60e9) { v = ns / 1e9; u = ' s'; }
  else {
    const m = Math.floor(a / 60e9), s = (a - m * 60e9) / 1e9;
    return (ns < 0 ? '-' : '') + m + ' min ' + s.toFixed(1) + ' s';
  }
  const av = Math.abs(v);
  return v.toFixed(av < 10 ? 2 : av < 100 ? 1 : 0) + u;
}

/* a time with full nanosecond precision, grouped: 65.277 460 ms */
function fmtTimeExact(ns) {
  ns = Math.round(ns);
  const neg = ns < 0; ns = Math.abs(ns);
  let s;
  if (ns < 1e3) s = ns + ' ns';
  else if (ns < 1e6) s = group3(ns / 1e3, 3) + ' \u00b5s';
  else if (ns < 1e9) s = group3(ns / 1e6, 6) + ' ms';
  else s = group3(ns / 1e9, 9) + ' s';
  return (neg ? '-' : '') + s;
}
function group3(v, dec) {
  let t = v.toFixed(dec);
  const dot = t.indexOf('.');
  if (dot < 0) return t;
  const ip = t.slice(0, dot), fp = t.slice(dot + 1).replace(/0+$/, '');
  if (!fp) return ip;
  return ip + '.' + fp.replace(/(\d{3})(?=\d)/g, '$1\u2009');
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function hashStr(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  h ^= h >>> 15; h = Math.imul(h, 0x2c1b3c6d); h ^= h >>> 12;
  return h >>> 0;
}

/* growable typed array */
class Grow {
  constructor(T, cap) { this.T = T; this.a = new T(cap || 1024); this.n = 0; }
  push(v) {
    if (this.n === this.a.length) this.reserve(this.n + 1);
    this.a[this.n++] = v;
  }
  reserve(need) {
    if (need <= this.a.length) return;
    let c = this.a.length * 2;
    while (c < need) c *= 2;
    const b = new this.T(c); b.set(this.a); this.a = b;
  }
  done() { return this.a.length === this.n ? this.a : this.a.slice(0, this.n); }
}

// ---------------------------------------------------------------- the raw trace

/*
 * Builder: what a decoder produces, in any order. finish() turns it into the model.
 * Times are ns as doubles (exact integers up to 2^53 ns, 104 days).
 */
class Builder {
  constructor(kind) {
    this.kind = kind;                  // 'vtr' or 'json'
    this.fnName = []; this.fnCat = []; this.fnLoc = []; this.fnIsC = [];
    this.threads = []; this.threadMap = new Map();
    this.procs = new Map();
    this.sThr = new Grow(Uint32Array, 1 << 16);
    this.sStart = new Grow(Float64Array, 1 << 16);
    this.sDur = new Grow(Float64Array, 1 << 16);
    this.sFn = new Grow(Uint32Array, 1 << 16);
    this.sFlags = new Grow(Uint8Array, 1 << 16);
    this.sArgs = null;                 // per call, an index into args (0: none): JSON a Grow, VTR1 {a, n}
    this.args = [null]; this.argsFlags = [0];
    // instants, as columns: scope 0 thread, 1 process, 2 global
    this.iPid = new Grow(Float64Array, 64); this.iTid = new Grow(Float64Array, 64);
    this.iScope = new Grow(Uint8Array, 64); this.iTs = new Grow(Float64Array, 64);
    this.iName = new Grow(Uint32Array, 64); this.iArgs = new Grow(Uint32Array, 64);
    this.instNames = []; this.instNameMap = new Map(); this.instArgs = [null];
    this.counters = new Map();         // key -> {pid, name, ts: Grow, val: Grow}
    this.flows = [];                   // [thr, ts, thr2, ts2]
    this.ignored = 0;
    this.title = '';
    this.shift = 0;                    // ns added to every time when finishing
  }
  proc(pid) {
    let p = this.procs.get(pid);
    if (!p) { p = { pid, name: null, label: null, sort: null, idx: this.procs.size }; this.procs.set(pid, p); }
    return p;
  }
  thread(pid, tid) {
    const key = pid + ':' + tid;
    let t = this.threadMap.get(key);
    if (t === undefined) {
      t = this.threads.length;
      this.threads.push({ pid, tid, name: null, sort: null, open: null, last: -Infinity });
      this.threadMap.set(key, t);
      this.proc(pid);
    }
    return t;
  }
  slice(thr, start, dur, fn, flags) {
    this.sThr.push(thr); this.sStart.push(start); this.sDur.push(dur);
    this.sFn.push(fn); this.sFlags.push(flags);
    return this.sThr.n - 1;
  }
  instant(pid, tid, scope, ts, name, args) {
    let k = this.instNameMap.get(name);
    if (k === undefined) { k = this.instNames.length; this.instNames.push(name); this.instNameMap.set(name, k); }
    this.iPid.push(pid); this.iTid.push(tid); this.iScope.push(scope); this.iTs.push(ts); this.iName.push(k);
    if (args != null) { this.iArgs.push(this.instArgs.length); this.instArgs.push(args); } else this.iArgs.push(0);
    this.proc(pid);
  }
  counter(pid, name, ts, v) {
    const key = pid + '\u0000' + name;
    let c = this.counters.get(key);
    if (!c) { c = { pid, name, ts: new Grow(Float64Array, 64), val: new Grow(Float64Array, 64) }; this.counters.set(key, c); }
    c.ts.push(ts); c.val.push(v);
  }
}

// ---------------------------------------------------------------- embedded VTR1 decoder

function base64ToBytes(s) {
  if (typeof Uint8Array.fromBase64 === 'function') {
    try { return Uint8Array.fromBase64(s.trim()); } catch (e) { /* fall back */ }
  }
  s = s.replace(/[^A-Za-z0-9+/=]/g, '');
  const bin = atob(s), n = bin.length, u = new Uint8Array(n);
  for (let i = 0; i < n; i++) u[i] = bin.charCodeAt(i);
  return u;
}

function decodeVTR(u8) {
  let p = 0;
  const n8 = u8.length;
  function vi() {
    let b = u8[p++];
    if (b < 128) return b;
    let v = b & 127, m = 128;
    do { b = u8[p++]; v += (b & 127) * m; m *= 128; } while (b >= 128 && p < n8);
    return v;
  }
  if (u8[0] !== 86 || u8[1] !== 84 || u8[2] !== 82 || u8[3] !== 49) throw new Error('the embedded trace is not in VTR1 format');
  p = 4;
  const version = vi();
  if (version !== 1) throw new Error('embedded trace format version ' + version + ' is newer than this viewer (1)');
  const b = new Builder('vtr');
  const nstr = vi(), str = new Array(nstr);
  for (let i = 0; i < nstr; i++) { const l = vi(); str[i] = td.decode(u8.subarray(p, p + l)); p += l; }
  const nfn = vi();
  for (let i = 0; i < nfn; i++) {
    const name = vi(), loc = vi(), fl = vi();
    b.fnName.push(str[name]); b.fnLoc.push(loc ? str[loc - 1] : null);
    b.fnIsC.push(fl & 1); b.fnCat.push(fl & 1 ? 'c' : 'py');
  }
  const nproc = vi();
  for (let i = 0; i < nproc; i++) {
    const pid = vi(), zs = vi(), name = vi(), label = vi();
    const pr = b.proc(pid);
    pr.sort = zs % 2 ? -(zs + 1) / 2 : zs / 2;
    pr.name = name ? str[name - 1] : null;
    pr.label = label ? str[label - 1] : null;
  }
  const nthr = vi();
  let total = 0;
  const ranges = [];
  for (let i = 0; i < nthr; i++) {
    const pid = vi(), tid = vi(), name = vi(), n = vi();
    const t = b.thread(pid, tid);
    b.threads[t].name = name ? str[name - 1] : null;
    // the calls: varint delta start, varint dur, varint fn << 3 | flags
    const base = b.sThr.n;
    b.sThr.reserve(base + n); b.sStart.reserve(base + n); b.sDur.reserve(base + n);
    b.sFn.reserve(base + n); b.sFlags.reserve(base + n);
    const S = b.sStart.a, D = b.sDur.a, F = b.sFn.a, G = b.sFlags.a, T = b.sThr.a;
    let ts = 0, v, x, m;
    for (let k = base, e = base + n; k < e; k++) {
      x = u8[p++]; if (x < 128) v = x; else { v = x & 127; m = 128; do { x = u8[p++]; v += (x & 127) * m; m *= 128; } while (x >= 128); }
      ts += v; S[k] = ts;
      x = u8[p++]; if (x < 128) v = x; else { v = x & 127; m = 128; do { x = u8[p++]; v += (x & 127) * m; m *= 128; } while (x >= 128); }
      D[k] = v;
      x = u8[p++]; if (x < 128) v = x; else { v = x & 127; m = 128; do { x = u8[p++]; v += (x & 127) * m; m *= 128; } while (x >= 128); }
      F[k] = Math.floor(v / 8); G[k] = (v & 7) << 1; T[k] = t;
    }
    if (p > n8) throw new Error('the embedded trace is truncated');
    b.sThr.n = b.sStart.n = b.sDur.n = b.sFn.n = b.sFlags.n = base + n;
    total += n;
    ranges.push(n);
  }
  const ninst = vi();
  for (let i = 0; i < ninst; i++) {
    const pid = vi(), tid = vi(), ns = vi(), name = vi();
    b.instant(pid, tid, 0, ns, str[name], null);
  }
  const nctr = vi();
  for (let i = 0; i < nctr; i++) {
    const pid = vi(), name = vi(), n = vi();
    let ts = 0;
    const dv = new DataView(u8.buffer, u8.byteOffset);
    for (let k = 0; k < n; k++) {
      ts += vi();
      b.counter(pid, str[name], ts, dv.getFloat64(p, true)); p += 8;
    }
  }
  const nflow = vi();
  for (let i = 0; i < nflow; i++) {
    const pid = vi(), tid = vi(), ns = vi(), pid2 = vi(), tid2 = vi(), ns2 = vi();
    b.flows.push([pid, tid, ns, pid2, tid2, ns2]);
  }
  // optional: the calls' arguments, a sparse table by (thread, call), JSON object texts
  if (p < n8) {
    const nargs = vi(), A = new Uint32Array(total);
    let t = 0, k = 0, base = 0;
    for (let i = 0; i < nargs; i++) {
      const dt = vi();
      if (dt) { for (let e = t + dt; t < e && t < nthr; t++) base += ranges[t]; k = 0; }
      k += vi();
      const s = vi();
      if (t < nthr && k < ranges[t] && s < nstr) A[base + k] = s + 1;
    }
    b.sArgs = { a: A, n: total };
    b.args = [null].concat(str);
  }
  if (p > n8) throw new Error('the embedded trace is truncated');
  b.sortedHint = true;
  return b;
}

// ---------------------------------------------------------------- Chrome JSON decoder

/* strings interned by their bytes: one JS string per distinct value, not per event */
class ByteIntern {
  constructor(decode) {
    this.cap = 1 << 12; this.tab = new Int32Array(this.cap).fill(-1);
    this.keys = new Uint8Array(1 << 16); this.klen = 0;
    this.off = []; this.len = []; this.hash = []; this.strs = [];
    this.decode = decode;
  }
  id(b, s, e, esc) {
    let h = 2166136261 | 0;
    for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 16777619);
    const len = e - s, K = this.keys, tab = this.tab;
    let m = this.cap - 1, k = h & m, v;
    while ((v = tab[k]) >= 0) {
      if (this.hash[v] === h && this.len[v] === len) {
        const o = this.off[v];
        let i = 0;
        while (i < len && K[o + i] === b[s + i]) i++;
        if (i === len) return v;
      }
      k = (k + 1) & m;
    }
    v = this.strs.length;
    if (this.klen + len > K.length) {
      let c = K.length * 2; while (c < this.klen + len) c *= 2;
      const nk = new Uint8Array(c); nk.set(K.subarray(0, this.klen)); this.keys = nk;
    }
    this.keys.set(b.subarray(s, e), this.klen);
    this.off.push(this.klen); this.len.push(len); this.hash.push(h);
    this.klen += len;
    this.strs.push(this.decode(b, s, e, esc));
    tab[k] = v;
    if (this.strs.length * 2 > this.cap) this.rehash();
    return v;
  }
  rehash() {
    this.cap *= 2;
    const tab = new Int32Array(this.cap).fill(-1), m = this.cap - 1;
    for (let v = 0; v < this.strs.length; v++) {
      let k = this.hash[v] & m;
      while (tab[k] >= 0) k = (k + 1) & m;
      tab[k] = v;
    }
    this.tab = tab;
  }
}

function decodeJsonString(b, s, e, esc) {
  const t = td.decode(b.subarray(s, e));
  if (!esc) return t;
  try { return JSON.parse('"' + t + '"'); } catch (x) { return t; }
}
function decodeRaw(b, s, e) { return td.decode(b.subarray(s, e)); }

const WS = new Uint8Array(256);
WS[32] = WS[9] = WS[10] = WS[13] = 1;

/*
 * A streaming reader of the Chrome trace format, object ({"traceEvents":[...]}) or array
 * form (also without its closing bracket). feed() takes byte chunks; an event cut by a
 * chunk boundary is kept and parsed when the rest arrives. Events are parsed straight from
 * bytes into the builder's columns; names, categories and args are interned.
 */
class JsonTraceReader {
  constructor(b) {
    this.b = b;
    this.rest = null;
    this.state = 0;     // 0 start, 1 object key, 2 colon, 3 object value, 4 events, 5 skipping, 6 done
    this.afterSkip = 1;
    this.key = '';
    this.sk = { depth: 0, inStr: false, esc: false, prim: false, started: false };
    this.names = new ByteIntern(decodeJsonString);
    this.cats = new ByteIntern(decodeJsonString);
    this.argsI = new ByteIntern(decodeRaw);
    this.idsI = new ByteIntern(decodeJsonString);
    this.fnMap = new Map();
    this.flowStart = new Map();
    this.base = NaN;
    this.lastPid = NaN; this.lastTid = NaN; this.lastThr = -1;
    this.offset = 0;    // bytes consumed before the current buffer
    b.sArgs = new Grow(Uint32Array, 1 << 16);
    this.argsI.id(new Uint8Array(0), 0, 0, false); // id 0: no args
    this.cats.id(new Uint8Array(0), 0, 0, false);  // id 0: no category
    this.events = 0;
    this.sawEvents = false;
  }

  feed(chunk, last) {
    let buf = chunk;
    if (this.rest) {
      buf = new Uint8Array(this.rest.length + chunk.length);
      buf.set(this.rest); buf.set(chunk, this.rest.length);
      this.rest = null;
    }
    const n = buf.length;
    let p = 0;
    outer:
    while (p < n) {
      switch (this.state) {
      case 0: { // the first value
        while (p < n && (WS[buf[p]] || buf[p] === 0xef || buf[p] === 0xbb || buf[p] === 0xbf)) p++;
        if (p >= n) break outer;
        if (buf[p] === 91) { this.state = 4; this.form = 'array'; this.sawEvents = true; p++; }
        else if (buf[p] === 123) { this.state = 1; this.form = 'object'; p++; }
        else throw new Error('not a Chrome trace: the file does not start with [ or {');
        break;
      }
      case 1: { // an object key, or the end of the object
        while (p < n && (WS[buf[p]] || buf[p] === 44)) p++;
        if (p >= n) break outer;
        if (buf[p] === 125) { this.state = 6; p++; break; }
        if (buf[p] !== 34) throw new Error('bad JSON at byte ' + (this.offset + p));
        const e = strEnd(buf, p + 1, n);
        if (e < 0) break outer;
        this.key = td.decode(buf.subarray(p + 1, e));
        p = e + 1; this.state = 2;
        break;
      }
      case 2:
        while (p < n && WS[buf[p]]) p++;
        if (p >= n) break outer;
        if (buf[p] !== 58) throw new Error('bad JSON at byte ' + (this.offset + p));
        p++; this.state = 3;
        break;
      case 3:
        while (p < n && WS[buf[p]]) p++;
        if (p >= n) break outer;
        if (this.key === 'traceEvents' && buf[p] === 91) { p++; this.state = 4; this.sawEvents = true; break; }
        this.beginSkip(1);
        break;
      case 4: { // inside the events array
        while (p < n && (WS[buf[p]] || buf[p] === 44)) p++;
        if (p >= n) break outer;
        const c = buf[p];
        if (c === 93) { p++; this.state = this.form === 'array' ? 6 : 1; break; }
        if (c === 123) {
          const e = this.event(buf, p, n);
          if (e === -1) break outer;          // cut by the chunk's end
          if (e < 0) throw new Error('bad JSON in the event at byte ' + (this.offset + p));
          p = e;
          break;
        }
        this.beginSkip(4);
        break;
      }
      case 5:
        p = this.skip(buf, p, n);
        break;
      case 6:
        p = n;
        break;
      }
    }
    if (p < n) {
      this.rest = buf.slice(p);
      this.offset += p;
    } else {
      this.offset += n;
    }
    if (last) this.end();
  }

  beginSkip(after) {
    const s = this.sk;
    s.depth = 0; s.inStr = false; s.esc = false; s.prim = false; s.started = false;
    this.afterSkip = after; this.state = 5;
  }

  /* skips one JSON value across chunks; returns where it stopped */
  skip(b, p, n) {
    const s = this.sk;
    while (p < n) {
      const c = b[p];
      if (s.inStr) {
        if (s.esc) s.esc = false;
        else if (c === 92) s.esc = true;
        else if (c === 34) { s.inStr = false; if (s.depth === 0) { this.state = this.afterSkip; return p + 1; } }
      } else if (s.prim) {
        if (c === 44 || c === 93 || c === 125 || WS[c]) { this.state = this.afterSkip; return p; }
      } else if (c === 34) { s.inStr = true; s.started = true; }
      else if (c === 123 || c === 91) { s.depth++; s.started = true; }
      else if (c === 125 || c === 93) {
        s.depth--;
        if (s.depth <= 0) { this.state = this.afterSkip; return p + 1; }
      } else if (!WS[c] && s.depth === 0) { s.prim = true; s.started = true; }
      p++;
    }
    return p;
  }

  end() {
    if (this.rest && this.rest.length && this.state === 4) {
      // a truncated file: drop the incomplete last event
      this.rest = null;
    }
    if (!this.sawEvents) throw new Error('no "traceEvents" array in this JSON file');
    const b = this.b;
    // calls still open (B without E): close them at their thread's last time
    for (let t = 0; t < b.threads.length; t++) {
      const th = b.threads[t];
      if (!th.open) continue;
      for (const i of th.open) {
        b.sDur.a[i] = Math.max(0, th.last - b.sStart.a[i]);
        b.sFlags.a[i] |= 4;
      }
      th.open = null;
    }
    b.args = this.argsI.strs;
    b.argsFlags = b.args.map((a) => (a && a.indexOf('true') > 0 ? argFlags(a) : 0));
    const F = b.sFlags.a, A = b.sArgs.a, AF = b.argsFlags;
    for (let i = 0, n = b.sFlags.n; i < n; i++) if (A[i]) F[i] |= AF[A[i]];
  }

  fn(nameId, catId) {
    const key = catId * 67108864 + nameId;
    let f = this.fnMap.get(key);
    if (f === undefined) {
      const b = this.b, cat = this.cats.strs[catId] || '';
      f = b.fnName.length;
      b.fnName.push(this.names.strs[nameId]); b.fnCat.push(cat); b.fnLoc.push(null);
      b.fnIsC.push(cat === 'c' ? 1 : 0);
      this.fnMap.set(key, f);
    }
    return f;
  }

  thr(pid, tid) {
    if (pid === this.lastPid && tid === this.lastTid) return this.lastThr;
    this.lastPid = pid; this.lastTid = tid;
    return (this.lastThr = this.b.thread(pid, tid));
  }

  toNs(ip, fp) {
    if (this.base !== this.base) this.base = Math.abs(ip) < 1e9 ? 0 : ip;
    return Math.round((ip - this.base) * 1000 + fp * 1000);
  }

  /* one event object at b[p] == '{'; returns the index after it, -1 when cut, -2 bad */
  event(b, p, n) {
    let ph = 0, name = -1, nameEsc = false, cat = 0, pid = 0, tid = 0;
    let tsI = NaN, tsF = 0, durI = NaN, durF = 0, scope = 0, idS = -1, idE = -1, bp = 0;
    let argsS = -1, argsE = -1, hasTid = false;
    p++;
    for (;;) {
      while (p < n && WS[b[p]]) p++;
      if (p >= n) return -1;
      let c = b[p];
      if (c === 125) { p++; break; }
      if (c === 44) { p++; continue; }
      if (c !== 34) return -2;
      const ks = p + 1, ke = strEnd(b, ks, n);
      if (ke < 0) return -1;
      p = ke + 1;
      while (p < n && WS[b[p]]) p++;
      if (p >= n) return -1;
      if (b[p] !== 58) return -2;
      p++;
      while (p < n && WS[b[p]]) p++;
      if (p >= n) return -1;
      c = b[p];
      const kl = ke - ks, k0 = b[ks], k1 = b[ks + 1];
      let e;
      if (kl === 2 && k0 === 112 && k1 === 104) {            // ph
        if (c === 34) { e = strEnd(b, p + 1, n); if (e < 0) return -1; ph = b[p + 1]; p = e + 1; continue; }
      } else if (kl === 4 && k0 === 110 && k1 === 97) {      // name
        if (c === 34) { e = strEnd(b, p + 1, n); if (e < 0) return -1; name = this.names.id(b, p + 1, e, gEsc); nameEsc = gEsc; p = e + 1; continue; }
      } else if (kl === 3 && k0 === 99 && k1 === 97) {       // cat
        if (c === 34) { e = strEnd(b, p + 1, n); if (e < 0) return -1; cat = this.cats.id(b, p + 1, e, gEsc); p = e + 1; continue; }
      } else if (kl === 2 && k0 === 116 && k1 === 115) {     // ts
        e = parseNum(b, p, n); if (e === -1) return -1;
        if (e >= 0) { tsI = gI; tsF = gF; p = e; continue; }
      } else if (kl === 3 && k0 === 100 && k1 === 117) {     // dur
        e = parseNum(b, p, n); if (e === -1) return -1;
        if (e >= 0) { durI = gI; durF = gF; p = e; continue; }
      } else if (kl === 3 && k0 === 112 && k1 === 105) {     // pid
        e = this.idValue(b, p, n); if (e === -1) return -1;
        if (e >= 0) { pid = gId; p = e; continue; }
      } else if (kl === 3 && k0 === 116 && k1 === 105) {     // tid
        e = this.idValue(b, p, n); if (e === -1) return -1;
        if (e >= 0) { tid = gId; hasTid = true; p = e; continue; }
      } else if (kl === 1 && k0 === 115) {                   // s (instant scope)
        if (c === 34) { e = strEnd(b, p + 1, n); if (e < 0) return -1; scope = b[p + 1]; p = e + 1; continue; }
      } else if (kl === 2 && k0 === 105 && k1 === 100) {     // id
        e = valueEnd(b, p, n); if (e === -1) return -1; if (e < 0) return -2;
        idS = p; idE = e; p = e; continue;
      } else if (kl === 2 && k0 === 98 && k1 === 112) {      // bp
        if (c === 34) { e = strEnd(b, p + 1, n); if (e < 0) return -1; bp = b[p + 1]; p = e + 1; continue; }
      } else if (kl === 4 && k0 === 97 && k1 === 114) {      // args
        e = valueEnd(b, p, n); if (e === -1) return -1; if (e < 0) return -2;
        if (c === 123) { argsS = p; argsE = e; }
        p = e; continue;
      }
      e = valueEnd(b, p, n);
      if (e === -1) return -1;
      if (e < 0) return -2;
      p = e;
    }
    this.events++;
    this.handle(b, ph, name, cat, pid, hasTid ? tid : pid, tsI, tsF, durI, durF, scope, idS, idE, bp, argsS, argsE);
    return p;
  }

  /* pid/tid: a number, or a string (some tools) that gets a stable number of its own */
  idValue(b, p, n) {
    const c = b[p];
    if (c === 34) {
      const e = strEnd(b, p + 1, n);
      if (e < 0) return -1;
      const s = decodeJsonString(b, p + 1, e, gEsc);
      const num = Number(s);
      if (s !== '' && Number.isFinite(num)) gId = num;
      else {
        const k = this.idsI.id(b, p + 1, e, gEsc);
        gId = 1e12 + k;
        this.b.idNames = this.b.idNames || new Map();
        this.b.idNames.set(gId, s);
      }
      return e + 1;
    }
    const e = parseNum(b, p, n);
    if (e >= 0) gId = gI + gF;
    return e;
  }

  handle(b, ph, name, cat, pid, tid, tsI, tsF, durI, durF, scope, idS, idE, bp, argsS, argsE) {
    const B = this.b;
    switch (ph) {
    case 88: { // X
      if (tsI !== tsI) return;
      const t = this.thr(pid, tid), ts = this.toNs(tsI, tsF);
      const dur = durI === durI ? Math.max(0, Math.round(durI * 1000 + durF * 1000)) : 0;
      B.slice(t, ts, dur, this.fn(name < 0 ? this.names.id(NONAME, 0, 2, false) : name, cat), 0);
      B.sArgs.push(argsS >= 0 ? this.argsI.id(b, argsS, argsE, false) : 0);
      const th = B.threads[t];
      if (ts + dur > th.last) th.last = ts + dur;
      return;
    }
    case 66: { // B
      if (tsI !== tsI) return;
      const t = this.thr(pid, tid), ts = this.toNs(tsI, tsF);
      const i = B.slice(t, ts, 0, this.fn(name < 0 ? this.names.id(NONAME, 0, 2, false) : name, cat), 0);
      B.sArgs.push(argsS >= 0 ? this.argsI.id(b, argsS, argsE, false) : 0);
      const th = B.threads[t];
      (th.open || (th.open = [])).push(i);
      if (ts > th.last) th.last = ts;
      return;
    }
    case 69: { // E
      if (tsI !== tsI) return;
      const t = this.thr(pid, tid), ts = this.toNs(tsI, tsF), th = B.threads[t];
      if (ts > th.last) th.last = ts;
      if (!th.open || !th.open.length) return;
      const i = th.open.pop();
      B.sDur.a[i] = Math.max(0, ts - B.sStart.a[i]);
      if (argsS >= 0 && !B.sArgs.a[i]) B.sArgs.a[i] = this.argsI.id(b, argsS, argsE, false);
      return;
    }
    case 105: case 73: case 82: { // i, I, R (mark)
      if (tsI !== tsI) return;
      const ts = this.toNs(tsI, tsF);
      const sc = ph === 82 || scope === 103 ? 2 : scope === 112 ? 1 : 0;
      if (sc === 0) this.thr(pid, tid);
      B.instant(pid, tid, sc, ts, name >= 0 ? this.names.strs[name] : '', argsS >= 0 ? td.decode(b.subarray(argsS, argsE)) : null);
      return;
    }
    case 67: { // C
      if (tsI !== tsI || argsS < 0) return;
      const ts = this.toNs(tsI, tsF);
      let o;
      try { o = JSON.parse(td.decode(b.subarray(argsS, argsE))); } catch (e) { return; }
      let base = name >= 0 ? this.names.strs[name] : 'counter';
      if (idS >= 0) base += ' ' + td.decode(b.subarray(idS, idE)).replace(/"/g, '');
      const keys = Object.keys(o);
      for (const k of keys) {
        // null (vt-convert's NaN) is no sample, as in vt-convert's HTML; a number in a string counts
        const v = typeof o[k] === 'number' || typeof o[k] === 'string' ? +o[k] : NaN;
        if (!Number.isFinite(v)) continue;
        // one track per key, "name.key" as vt-convert names them in its HTML output
        B.counter(pid, keys.length === 1 && (k === 'value' || k === base) ? base : base + '.' + k, ts, v);
      }
      return;
    }
    case 77: { // M
      if (argsS < 0 || name < 0) return;
      const nm = this.names.strs[name];
      let o;
      try { o = JSON.parse(td.decode(b.subarray(argsS, argsE))); } catch (e) { return; }
      if (nm === 'process_name') B.proc(pid).name = String(o.name);
      else if (nm === 'process_labels') B.proc(pid).label = String(o.labels);
      else if (nm === 'process_sort_index') B.proc(pid).sort = +o.sort_index;
      else if (nm === 'thread_name') B.threads[this.thr(pid, tid)].name = String(o.name);
      else if (nm === 'thread_sort_index') B.threads[this.thr(pid, tid)].sort = +o.sort_index;
      return;
    }
    case 115: case 116: case 102: { // s, t, f: flow arrows
      if (tsI !== tsI || idS < 0) return;
      const key = (cat >= 0 ? cat : 0) + ':' + td.decode(b.subarray(idS, idE));
      const ts = this.toNs(tsI, tsF);
      if (ph === 115) { this.flowStart.set(key, [pid, tid, ts]); return; }
      const from = this.flowStart.get(key);
      if (from) {
        B.flows.push([from[0], from[1], from[2], pid, tid, ts]);
        if (ph === 116) this.flowStart.set(key, [pid, tid, ts]); else this.flowStart.delete(key);
      }
      return;
    }
    default:
      B.ignored++;
    }
  }
}

const NONAME = new TextEncoder().encode('??');
let gEsc = false, gI = 0, gF = 0, gId = 0;

/* index of the closing quote of a string whose body starts at i, or -1 */
function strEnd(b, i, n) {
  gEsc = false;
  while (i < n) {
    const c = b[i];
    if (c === 34) return i;
    if (c === 92) { gEsc = true; i += 2; continue; }
    i++;
  }
  return -1;
}

/* a JSON number: integer part to gI, fraction (same sign) to gF; -1 cut, -2 not a number */
function parseNum(b, p, n) {
  const s = p;
  let neg = false;
  if (b[p] === 45) { neg = true; p++; }
  let ip = 0, c;
  while (p < n && (c = b[p]) >= 48 && c <= 57) { ip = ip * 10 + (c - 48); p++; }
  if (p >= n) return -1;
  let fp = 0;
  if (b[p] === 46) {
    p++;
    let scale = 1, fr = 0;
    while (p < n && (c = b[p]) >= 48 && c <= 57) { if (scale < 1e15) { fr = fr * 10 + (c - 48); scale *= 10; } p++; }
    if (p >= n) return -1;
    fp = fr / scale;
  }
  if (b[p] === 101 || b[p] === 69) {
    p++;
    while (p < n && ((c = b[p]) === 43 || c === 45 || (c >= 48 && c <= 57))) p++;
    if (p >= n) return -1;
    const v = parseFloat(td.decode(b.subarray(s, p)));
    if (!Number.isFinite(v)) return -2;
    ip = Math.trunc(v); fp = v - ip;
    gI = ip; gF = fp;
    return p;
  }
  if (p === s || (neg && p === s + 1)) {
    // not a number (null, a string): let the caller skip it
    return -2;
  }
  gI = neg ? -ip : ip; gF = neg ? -fp : fp;
  return p;
}

/* the end of any JSON value at b[p]; -1 when cut */
function valueEnd(b, p, n) {
  const c = b[p];
  if (c === 34) { const e = strEnd(b, p + 1, n); return e < 0 ? -1 : e + 1; }
  if (c === 123 || c === 91) {
    let depth = 0;
    while (p < n) {
      const x = b[p];
      if (x === 34) { const e = strEnd(b, p + 1, n); if (e < 0) return -1; p = e + 1; continue; }
      if (x === 123 || x === 91) depth++;
      else if (x === 125 || x === 93) { if (--depth === 0) return p + 1; }
      p++;
    }
    return -1;
  }
  while (p < n) {
    const x = b[p];
    if (x === 44 || x === 125 || x === 93 || WS[x]) return p;
    p++;
  }
  return -1;
}

function argFlags(a) {
  let f = 0;
  if (/"exception"\s*:\s*true/.test(a)) f |= 2;
  if (/"unfinished"\s*:\s*true/.test(a)) f |= 4;
  if (/"yield"\s*:\s*true/.test(a)) f |= 8;
  return f;
}

// ---------------------------------------------------------------- the model

/*
 * finish: order the calls by (thread, start, longer first), find each call's depth and
 * parent with a stack, then regroup them by (thread, depth, start).
 */
function finish(B) {
  const n = B.sThr.n;
  const thr = B.sThr.a, start = B.sStart.a, dur = B.sDur.a;
  // times: make the earliest one 0 when some are negative (JSON with odd origins)
  let tMin = Infinity, tMax = -Infinity;
  for (let i = 0; i < n; i++) {
    const s = start[i], e = s + dur[i];
    if (s < tMin) tMin = s;
    if (e > tMax) tMax = e;
  }
  const iTs = B.iTs.a, ni = B.iTs.n;
  for (let i = 0; i < ni; i++) { const t = iTs[i]; if (t < tMin) tMin = t; if (t > tMax) tMax = t; }
  for (const c of B.counters.values()) for (let i = 0; i < c.ts.n; i++) { const t = c.ts.a[i]; if (t < tMin) tMin = t; if (t > tMax) tMax = t; }
  if (tMin === Infinity) { tMin = 0; tMax = 1000; }
  let shift = 0;
  if (tMin < 0) {
    shift = -tMin;
    for (let i = 0; i < n; i++) start[i] += shift;
    for (let i = 0; i < ni; i++) iTs[i] += shift;
    for (const c of B.counters.values()) for (let i = 0; i < c.ts.n; i++) c.ts.a[i] += shift;
    for (const f of B.flows) { f[2] += shift; f[5] += shift; }
    tMin += shift; tMax += shift;
  }
  const nthr = B.threads.length;

  // 1. order by thread, start, longer first
  let sorted = true;
  for (let i = 1; i < n; i++) {
    const a = thr[i - 1], b = thr[i];
    if (a < b) continue;
    if (a > b || start[i - 1] > start[i] || (start[i - 1] === start[i] && dur[i - 1] < dur[i])) { sorted = false; break; }
  }
  let ord;
  if (sorted) {
    ord = null;
  } else {
    ord = radixOrder(n, thr, start, dur, nthr);
  }

  // 2. depth and parent, in that order
  const depth = new Uint32Array(n), parentK = new Int32Array(n);
  const thrFirst = new Int32Array(nthr + 1);
  for (let i = 0; i < n; i++) thrFirst[thr[i] + 1]++;
  for (let t = 0; t < nthr; t++) thrFirst[t + 1] += thrFirst[t];
  let stEnd = new Float64Array(1024), stK = new Int32Array(1024);
  const maxDepth = new Int32Array(nthr).fill(-1);
  for (let t = 0; t < nthr; t++) {
    let sp = 0, md = -1;
    for (let k = thrFirst[t], e = thrFirst[t + 1]; k < e; k++) {
      const i = ord ? ord[k] : k, s = start[i];
      while (sp > 0 && stEnd[sp - 1] <= s) sp--;
      depth[k] = sp;
      parentK[k] = sp > 0 ? stK[sp - 1] : -1;
      if (sp > md) md = sp;
      if (sp === stEnd.length) {
        const a = new Float64Array(sp * 2); a.set(stEnd); stEnd = a;
        const c = new Int32Array(sp * 2); c.set(stK); stK = c;
      }
      const end = s + dur[i];
      stEnd[sp] = end; stK[sp] = k; sp++;
    }
    maxDepth[t] = md;
  }

  // 3. regroup by depth inside each thread (stable)
  const fin = new Int32Array(n);
  const threads = [];
  for (let t = 0; t < nthr; t++) {
    const a = thrFirst[t], e = thrFirst[t + 1], md = maxDepth[t];
    const levels = new Int32Array(md + 2);
    for (let k = a; k < e; k++) levels[depth[k] + 1]++;
    levels[0] = a;
    for (let d = 0; d <= md; d++) levels[d + 1] += levels[d];
    const fill = levels.slice(0, md + 1);
    for (let k = a; k < e; k++) fin[k] = fill[depth[k]]++;
    threads.push({ idx: t, levels, maxDepth: md, a, b: e });
  }
  const S = new Float64Array(n), D = new Float64Array(n), F = new Uint32Array(n);
  const G = new Uint8Array(n), P = new Int32Array(n);
  const A = B.sArgs ? new Uint32Array(n) : null;
  const fn = B.sFn.a, fl = B.sFlags.a, ar = B.sArgs ? B.sArgs.a : null;
  for (let k = 0; k < n; k++) {
    const i = ord ? ord[k] : k, j = fin[k];
    S[j] = start[i]; D[j] = dur[i]; F[j] = fn[i]; G[j] = fl[i];
    P[j] = parentK[k] >= 0 ? fin[parentK[k]] : -1;
    if (A) A[j] = ar[i];
  }

  // 4. tracks: processes in sort order, threads in theirs
  const procList = [...B.procs.values()];
  const procOf = new Map();
  for (const p of procList) {
    const pr = {
      pid: p.pid,
      name: p.name || (B.idNames && B.idNames.get(p.pid)) || 'Process ' + p.pid,
      label: p.label, sort: p.sort, idx: p.idx, threads: [], counters: [], inst: null, collapsed: false,
    };
    procOf.set(p.pid, pr);
  }
  const T = threads.map((x, t) => {
    const r = B.threads[t];
    const th = Object.assign(x, {
      pid: r.pid, tid: r.tid, sort: r.sort, tidLabel: (B.idNames && B.idNames.get(r.tid)) || String(r.tid),
      name: r.name || (B.idNames && B.idNames.get(r.tid)) || (r.tid === r.pid ? 'MainThread' : 'Thread ' + r.tid),
      proc: procOf.get(r.pid), inst: null, collapsed: false, first: x.b > x.a ? S[x.levels[0]] : Infinity,
    });
    th.proc.threads.push(th);
    return th;
  });
  const thrByKey = new Map(T.map((t) => [t.pid + ':' + t.tid, t]));
  // instants: on their thread, or on their process, or global
  const instLists = new Map(), G0 = {};
  const iPid = B.iPid.a, iTid = B.iTid.a, iSc = B.iScope.a;
  for (let i = 0; i < ni; i++) {
    let owner = G0;
    if (iSc[i] !== 2) {
      const th = iSc[i] === 0 ? thrByKey.get(iPid[i] + ':' + iTid[i]) : null;
      owner = th || procOf.get(iPid[i]) || G0;
    }
    let l = instLists.get(owner);
    if (!l) { l = new Grow(Int32Array, 16); instLists.set(owner, l); }
    l.push(i);
  }
  const iName = B.iName.a, iArgs = B.iArgs.a, instNames = B.instNames, instArgs = B.instArgs;
  const mkInst = (g) => {
    const idx = Array.from(g.done()).sort((a, b) => iTs[a] - iTs[b] || a - b);
    const ts = Float64Array.from(idx, (i) => iTs[i]);
    return {
      ts, idx: Int32Array.from(idx),
      item(k) { const i = this.idx[k]; return { ts: this.ts[k], name: instNames[iName[i]], args: instArgs[iArgs[i]] }; },
    };
  };
  let globalInst = null;
  for (const [owner, g] of instLists) {
    if (owner === G0) globalInst = mkInst(g); else owner.inst = mkInst(g);
  }
  // counters
  for (const c of B.counters.values()) {
    const pr = procOf.get(c.pid) || procOf.values().next().value;
    const ts = c.ts.done(), val = c.val.done();
    const o = new Int32Array(ts.length);
    for (let i = 0; i < o.length; i++) o[i] = i;
    let ok = true;
    for (let i = 1; i < ts.length; i++) if (ts[i] < ts[i - 1]) { ok = false; break; }
    let TS = ts, V = val;
    if (!ok) {
      const idx = Array.from(o).sort((a, b) => ts[a] - ts[b]);
      TS = Float64Array.from(idx, (i) => ts[i]); V = Float64Array.from(idx, (i) => val[i]);
    }
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < V.length; i++) { if (V[i] < lo) lo = V[i]; if (V[i] > hi) hi = V[i]; }
    if (pr) pr.counters.push({ name: c.name, ts: TS, val: V, lo: Math.min(0, lo), hi: hi > 0 ? hi : 1, proc: pr });
  }
  const procs = [...procOf.values()].filter((p) => p.threads.length || p.counters.length || p.inst);
  procs.sort((a, b) => {
    const sa = a.sort == null ? 1e15 : a.sort, sb = b.sort == null ? 1e15 : b.sort;
    return sa - sb || a.idx - b.idx;
  });
  for (const p of procs) {
    p.threads.sort((a, b) => {
      const sa = a.sort == null ? 1e15 : a.sort, sb = b.sort == null ? 1e15 : b.sort;
      return sa - sb || (b.tid === b.pid) - (a.tid === a.pid) || a.first - b.first || a.tid - b.tid;
    });
    p.counters.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const flows = B.flows.map((f) => ({ from: thrByKey.get(f[0] + ':' + f[1]) || procOf.get(f[0]), ts: f[2],
    to: thrByKey.get(f[3] + ':' + f[4]) || procOf.get(f[3]), ts2: f[5] })).filter((f) => f.from && f.to);

  // the raw columns are copied: let them go even if a closure above keeps B
  B.sThr = B.sStart = B.sDur = B.sFn = B.sFlags = B.sArgs = null;
  B.iPid = B.iTid = B.iScope = null;
  const nfn = B.fnName.length;
  const trace = {
    kind: B.kind, n, start: S, dur: D, fn: F, flags: G, parent: P, args: A,
    argStr: B.args, fnName: B.fnName, fnCat: B.fnCat, fnLoc: B.fnLoc, fnIsC: Uint8Array.from(B.fnIsC),
    fnColor: new Array(nfn), fnDim: new Array(nfn), fnTextW: new Float32Array(nfn).fill(-1),
    threads: T, procs, flows, globalInst,
    tMin, tMax, shift, ignored: B.ignored,
  };
  for (let f = 0; f < nfn; f++) {
    const h = hashStr(trace.fnName[f]);
    const hue = h % 360, c = trace.fnIsC[f];
    // Python: saturated mid tones; C: paler, so the Python structure stands out
    const sat = c ? 28 + (h >>> 9) % 12 : 48 + (h >>> 9) % 20;
    const lig = c ? 78 + (h >>> 14) % 6 : 66 + (h >>> 14) % 10;
    trace.fnColor[f] = 'hsl(' + hue + ',' + sat + '%,' + lig + '%)';
    trace.fnDim[f] = 'hsl(' + hue + ',12%,91%)';
  }
  return trace;
}

/* LSD radix sort by (thread, start asc, dur desc) on 16-bit digits; passes that would not
 * move anything are skipped */
function radixOrder(n, thr, start, dur, nthr) {
  let idx = new Int32Array(n), tmp = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const dig = new Uint16Array(n), cnt = new Int32Array(65537);
  let maxD = 0, maxS = 0;
  for (let i = 0; i < n; i++) { if (dur[i] > maxD) maxD = dur[i]; if (start[i] > maxS) maxS = start[i]; }
  const pass = () => {
    cnt.fill(0);
    for (let i = 0; i < n; i++) cnt[dig[i] + 1]++;
    for (let d = 1; d <= 65536; d++) if (cnt[d] === n) return;
    for (let d = 0; d < 65536; d++) cnt[d + 1] += cnt[d];
    for (let k = 0; k < n; k++) { const e = idx[k]; tmp[cnt[dig[e]]++] = e; }
    const x = idx; idx = tmp; tmp = x;
  };
  const digits = (arr, max, desc) => {
    for (let sh = 1; sh <= max || sh === 1; sh *= 65536) {
      for (let i = 0; i < n; i++) {
        const v = desc ? max - arr[i] : arr[i];
        dig[i] = Math.floor(v / sh) % 65536;
      }
      pass();
      if (sh > 2 ** 48) break;
    }
  };
  digits(dur, maxD, true);
  digits(start, maxS, false);
  if (nthr > 1) {
    for (let i = 0; i < n; i++) dig[i] = thr[i] & 65535;
    pass();
    if (nthr > 65536) { for (let i = 0; i < n; i++) dig[i] = thr[i] >>> 16; pass(); }
  }
  return idx;
}

// ---------------------------------------------------------------- searching the columns

/* first index in [a, b) whose end (start + dur) is > t */
function firstEndAfter(S, D, a, b, t) {
  while (a < b) { const m = (a + b) >>> 1; if (S[m] + D[m] > t) b = m; else a = m + 1; }
  return a;
}
/* first index in [a, b) whose start is >= t */
function firstStartAtOrAfter(S, a, b, t) {
  while (a < b) { const m = (a + b) >>> 1; if (S[m] >= t) b = m; else a = m + 1; }
  return a;
}

function depthOf(tr, th, i) {
  const L = th.levels;
  let lo = 0, hi = th.maxDepth;
  while (lo < hi) { const m = (lo + hi + 1) >>> 1; if (L[m] <= i) lo = m; else hi = m - 1; }
  return lo;
}
function threadOf(tr, i) {
  for (const th of tr.threads) if (i >= th.a && i < th.b) return th;
  return null;
}

// ---------------------------------------------------------------- view state

const RULER_H = 30, LABEL_W = 250, ROW_H = 18, PROC_H = 28, PAD = 4, INST_H = 12, CTR_H = 44;
const FONT = '12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';
const FONT_B = '600 12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';

const canvas = $('canvas'), ctx = canvas.getContext('2d', { alpha: false });
let W = 0, H = 0, dpr = 1;
let tr = null;                 // the trace model
let rows = [], totalH = 0;
const view = { t0: 0, k: 1, scrollY: 0 };   // k: px per ns
let sel = null;                // {kind:'slice', i} | {kind:'inst', inst, k} | null
let range = null;              // {t0, t1}
let hover = null;
let search = { q: '', mask: null, count: 0, list: null, starts: null, cur: -1 };
let dirty = false;
const api = window.vt = {
  ready: false, error: null, loadMs: 0, lastDrawMs: 0, drawCount: 0,
  stats: null, view, redrawNow: () => draw(),
};

function X0() { return LABEL_W; }
function timeAt(x) { return view.t0 + (x - LABEL_W) / view.k; }
function xAt(t) { return LABEL_W + (t - view.t0) * view.k; }

function clampView() {
  const span = Math.max(tr.tMax - tr.tMin, 1000);
  const w = Math.max(W - LABEL_W, 10);
  const kMin = w / (span * 1.1), kMax = 200;   // 200 px per ns at most
  if (view.k < kMin) view.k = kMin;
  if (view.k > kMax) view.k = kMax;
  const visible = w / view.k;
  const lo = tr.tMin - span * 0.05, hi = tr.tMax + span * 0.05;
  if (visible >= hi - lo) view.t0 = lo - (visible - (hi - lo)) / 2;
  else view.t0 = Math.min(Math.max(view.t0, lo), hi - visible);
  const maxScroll = Math.max(0, totalH - (H - RULER_H) + 40);
  view.scrollY = Math.min(Math.max(0, view.scrollY), maxScroll);
}

function fitAll() {
  const span = Math.max(tr.tMax - tr.tMin, 1000);
  const w = Math.max(W - LABEL_W, 10);
  view.k = w / (span * 1.04);
  view.t0 = tr.tMin - span * 0.02;
  clampView();
}

function zoomAt(x, factor) {
  const t = timeAt(x);
  view.k *= factor;
  clampView();
  view.t0 = t - (x - LABEL_W) / view.k;
  clampView();
  redraw();
}

function layout() {
  rows = [];
  let y = 0;
  if (tr.globalInst) { rows.push({ kind: 'global', y, h: INST_H + 8 }); y += INST_H + 8; }
  for (const p of tr.procs) {
    rows.push({ kind: 'proc', y, h: PROC_H, proc: p });
    y += PROC_H;
    if (p.collapsed) continue;
    for (const c of p.counters) { rows.push({ kind: 'counter', y, h: CTR_H, ctr: c, proc: p }); y += CTR_H; }
    for (const th of p.threads) {
      const ih = th.inst ? INST_H : 0;
      const nrows = th.collapsed ? Math.min(1, th.maxDepth + 1) : th.maxDepth + 1;
      const h = PAD + ih + Math.max(1, nrows) * ROW_H + PAD;
      rows.push({ kind: 'thread', y, h, th, proc: p, ih, nrows });
      y += h;
    }
  }
  totalH = y;
}

function rowAtY(y) {
  const yy = y - RULER_H + view.scrollY;
  let lo = 0, hi = rows.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1, r = rows[m];
    if (yy < r.y) hi = m - 1; else if (yy >= r.y + r.h) lo = m + 1; else return r;
  }
  return null;
}
function rowTop(r) { return RULER_H + r.y - view.scrollY; }

// ---------------------------------------------------------------- drawing

function redraw() {
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(() => { dirty = false; draw(); });
}

function resize() {
  const m = $('main');
  dpr = window.devicePixelRatio || 1;
  W = m.clientWidth; H = m.clientHeight;
  canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
  canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
  if (tr) { clampView(); draw(); }
}

function niceStep(minNs) {
  const p = Math.pow(10, Math.floor(Math.log10(minNs)));
  for (const m of [1, 2, 5, 10]) if (m * p >= minNs) return m * p;
  return 10 * p;
}

function unitFor(step) {
  if (step >= 1e9) return [1e9, 's'];
  if (step >= 1e6) return [1e6, 'ms'];
  if (step >= 1e3) return [1e3, '\u00b5s'];
  return [1, 'ns'];
}

function fmtTick(t, step, mag) {
  const [u, name] = unitFor(Math.max(step, mag || 0));
  const dec = Math.max(0, Math.ceil(-Math.log10(step / u) - 1e-9));
  return (t / u).toFixed(Math.min(dec, 9)) + ' ' + name;
}

function draw() {
  if (!tr) return;
  const t0 = performance.now();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.font = FONT;
  ctx.textBaseline = 'middle';

  // grid
  const step = niceStep(90 / view.k);
  const tL = timeAt(LABEL_W), tR = timeAt(W);
  const firstTick = Math.ceil(tL / step) * step;
  ctx.fillStyle = '#eef1f4';
  for (let t = firstTick; t <= tR; t += step) ctx.fillRect(Math.round(xAt(t)), RULER_H, 1, H - RULER_H);

  // tracks
  const yTop = view.scrollY, yBot = view.scrollY + H - RULER_H;
  let ri = 0;
  while (ri < rows.length && rows[ri].y + rows[ri].h <= yTop) ri++;
  ctx.save();
  ctx.beginPath(); ctx.rect(LABEL_W, RULER_H, W - LABEL_W, H - RULER_H); ctx.clip();
  const visRows = [];
  for (let r = ri; r < rows.length && rows[r].y < yBot; r++) {
    const row = rows[r], y = rowTop(row);
    visRows.push(row);
    if (row.kind === 'proc') {
      ctx.fillStyle = '#f3f5f8'; ctx.fillRect(LABEL_W, y, W - LABEL_W, row.h);
      ctx.fillStyle = '#dde2e8'; ctx.fillRect(LABEL_W, y, W - LABEL_W, 1);
      if (row.proc.inst) drawInstants(row.proc.inst, y + 8, true);
    } else if (row.kind === 'thread') {
      drawThread(row, y);
    } else if (row.kind === 'counter') {
      drawCounter(row, y);
    } else if (row.kind === 'global') {
      drawInstants(tr.globalInst, y + 4, false);
    }
  }
  drawFlows();
  // the selected range
  if (range) {
    const a = xAt(range.t0), b = xAt(range.t1);
    ctx.fillStyle = 'rgba(37, 99, 201, 0.10)';
    ctx.fillRect(a, RULER_H, b - a, H - RULER_H);
    ctx.fillStyle = 'rgba(37, 99, 201, 0.8)';
    ctx.fillRect(Math.round(a), RULER_H, 1, H - RULER_H);
    ctx.fillRect(Math.round(b), RULER_H, 1, H - RULER_H);
  }
  ctx.restore();

  // labels column
  ctx.fillStyle = '#fafbfc';
  ctx.fillRect(0, RULER_H, LABEL_W, H - RULER_H);
  ctx.save();
  ctx.beginPath(); ctx.rect(0, RULER_H, LABEL_W, H - RULER_H); ctx.clip();
  for (const row of visRows) drawLabel(row, rowTop(row));
  ctx.restore();
  ctx.fillStyle = '#d5dbe3';
  ctx.fillRect(LABEL_W - 1, RULER_H, 1, H - RULER_H);

  drawRuler(step, firstTick, tR);
  api.lastDrawMs = performance.now() - t0;
  api.drawCount++;
}

function textFit(s, f, avail) {
  // fit a label in avail px: full, or cut with an ellipsis
  let w = tr.fnTextW[f];
  if (w < 0) { w = ctx.measureText(s).width; tr.fnTextW[f] = w; }
  if (w <= avail) return s;
  const ell = 10;
  let n = Math.floor(s.length * (avail - ell) / w);
  if (n < 2) return null;
  let t = s.slice(0, n) + '\u2026';
  // the estimate assumes an even width: correct it when it overflows
  while (n > 1 && ctx.measureText(t).width > avail) { n--; t = s.slice(0, n) + '\u2026'; }
  return n > 1 ? t : null;
}

function drawThread(row, y) {
  const th = row.th, S = tr.start, D = tr.dur, F = tr.fn, G = tr.flags;
  const k = view.k, t0 = view.t0, XL = LABEL_W, XR = W;
  const top = y + PAD + row.ih;
  const tL = timeAt(XL), tR = timeAt(XR);
  const mask = search.mask;
  if (th.inst) drawInstants(th.inst, y + PAD + 1, false);
  const dFirst = Math.max(0, Math.floor((RULER_H - top) / ROW_H));
  const dLast = Math.min(row.nrows - 1, Math.floor((H - top) / ROW_H));
  const selI = sel && sel.kind === 'slice' ? sel.i : -1;
  let selBox = null;
  for (let d = dFirst; d <= dLast; d++) {
    const a = th.levels[d], b = th.levels[d + 1];
    const yy = top + d * ROW_H, hh = ROW_H - 1;
    let i = firstEndAfter(S, D, a, b, tL);
    let mx0 = -1, mx1 = -1, mcol = null;
    const flush = () => {
      if (mcol !== null) { ctx.fillStyle = mcol; ctx.fillRect(mx0, yy, mx1 - mx0, hh); mcol = null; }
    };
    while (i < b) {
      const s = S[i];
      if (s > tR) break;
      const e = s + D[i];
      const x0 = XL + (s - t0) * k, x1 = XL + (e - t0) * k;
      const f = F[i];
      if (x1 - x0 >= 1) {
        flush();
        const cx0 = Math.max(x0, XL - 2), cx1 = Math.min(x1, XR + 2), w = cx1 - cx0;
        const dim = mask !== null && !mask[f];
        ctx.fillStyle = dim ? tr.fnDim[f] : tr.fnColor[f];
        ctx.fillRect(cx0, yy, w, hh);
        const fl = G[i];
        if (fl & 6) {
          if (fl & 2) { ctx.fillStyle = '#d93025'; ctx.fillRect(cx0, yy + hh - 2, w, 2); }
          if ((fl & 4) && x1 <= XR + 2) {
            ctx.fillStyle = '#8a94a3';
            for (let hx = Math.max(cx0, x1 - 8); hx < x1; hx += 3) ctx.fillRect(hx, yy, 1, hh);
          }
        }
        if (w > 26) {
          const label = textFit(tr.fnName[f], f, w - 8);
          if (label) {
            ctx.fillStyle = dim ? '#9aa3ad' : '#17202b';
            ctx.fillText(label, cx0 + 4, yy + hh / 2 + 0.5);
          }
        }
        if (i === selI) selBox = [x0, yy, x1 - x0, hh];
        i++;
        continue;
      }
      // narrower than a pixel: merge everything up to the next pixel boundary
      const px0 = Math.floor(x0);
      let xe = x1, j;
      for (;;) {
        const bx = Math.floor(xe) + 1;
        const tB = t0 + (bx - XL) / k;
        j = firstStartAtOrAfter(S, i + 1, b, tB);
        const last = j - 1;
        if (last > i) {
          const ls = S[last], le = ls + D[last];
          const lx1 = XL + (le - t0) * k;
          if (lx1 > bx) {
            if (lx1 - (XL + (ls - t0) * k) >= 1) { j = last; xe = bx; break; }
            xe = lx1; i = last; continue;
          }
        }
        xe = bx;
        break;
      }
      if (selI >= i && selI < j) selBox = [XL + (S[selI] - t0) * k, yy, Math.max(1, D[selI] * k), hh];
      const col = mask !== null && !mask[f] ? tr.fnDim[f] : tr.fnColor[f];
      if (mcol === col && px0 <= mx1) mx1 = xe;
      else { flush(); mx0 = px0; mx1 = xe; mcol = col; }
      i = j;
    }
    flush();
  }
  if (selBox) {
    ctx.strokeStyle = '#10161f'; ctx.lineWidth = 2;
    const [x, yy, w, h] = selBox;
    ctx.strokeRect(Math.max(x, XL - 3) - 1, yy - 1, Math.min(w, XR - x + 6) + 2, h + 2);
    ctx.lineWidth = 1;
  }
  ctx.fillStyle = '#e6eaef';
  ctx.fillRect(XL, y + row.h - 1, XR - XL, 1);
}

function drawInstants(inst, y, proc) {
  const a = firstStartAtOrAfter(inst.ts, 0, inst.ts.length, timeAt(LABEL_W) - 6 / view.k);
  let lastX = -10;
  for (let i = a; i < inst.ts.length; i++) {
    const x = xAt(inst.ts[i]);
    if (x > W + 6) break;
    if (x - lastX < 2) continue;
    lastX = x;
    const it = inst.item(i);
    const isSel = sel && sel.kind === 'inst' && sel.inst === inst && sel.k === i;
    const isVt = /^vt: /.test(it.name);
    ctx.fillStyle = isSel ? '#10161f' : isVt ? '#d97706' : proc ? '#7c3aed' : '#2563c9';
    ctx.beginPath();
    ctx.moveTo(x - 5, y); ctx.lineTo(x + 5, y); ctx.lineTo(x, y + 8); ctx.closePath(); ctx.fill();
  }
}

function drawCounter(row, y) {
  const c = row.ctr, ts = c.ts, v = c.val, n = ts.length;
  const top = y + 6, h = row.h - 12;
  const sc = h / (c.hi - c.lo || 1);
  const vy = (val) => top + h - (val - c.lo) * sc;
  let i = Math.max(0, firstStartAtOrAfter(ts, 0, n, timeAt(LABEL_W)) - 1);
  ctx.fillStyle = 'rgba(13, 148, 136, 0.22)';
  ctx.strokeStyle = '#0d9488';
  ctx.beginPath();
  let started = false, lastPx = -1, x = LABEL_W, prevY = vy(0), mx = -Infinity;
  const base = vy(Math.max(0, c.lo));
  for (; i < n; i++) {
    x = Math.max(LABEL_W - 1, xAt(ts[i]));
    const yy = vy(v[i]);
    if (!started) { ctx.moveTo(x, base); ctx.lineTo(x, yy); started = true; }
    else if (Math.floor(x) === lastPx) { if (v[i] > mx) { mx = v[i]; ctx.lineTo(x, yy); } continue; }
    else { ctx.lineTo(x, prevY); ctx.lineTo(x, yy); }
    lastPx = Math.floor(x); mx = v[i]; prevY = yy;
    if (x > W) break;
  }
  if (started) {
    if (x < W) ctx.lineTo(Math.min(W, xAt(tr.tMax)), prevY);
    const xe = Math.min(W, Math.max(x, xAt(tr.tMax)));
    ctx.lineTo(xe, base);
    ctx.closePath(); ctx.fill(); ctx.stroke();
  }
  ctx.fillStyle = '#e6eaef';
  ctx.fillRect(LABEL_W, y + row.h - 1, W - LABEL_W, 1);
}

function trackY(owner, ts) {
  // the middle of the first row of a thread (or a process header) on screen, if laid out
  for (const r of rows) {
    if (r.kind === 'thread' && r.th === owner) return rowTop(r) + PAD + r.ih + ROW_H / 2;
    if (r.kind === 'proc' && (r.proc === owner || (owner.proc === r.proc && r.proc.collapsed))) return rowTop(r) + PROC_H / 2;
  }
  void ts;
  return null;
}

function drawFlows() {
  if (!tr.flows.length) return;
  ctx.strokeStyle = 'rgba(80, 88, 100, 0.55)';
  ctx.fillStyle = 'rgba(80, 88, 100, 0.9)';
  ctx.lineWidth = 1.2;
  for (const f of tr.flows) {
    const y1 = trackY(f.from), y2 = trackY(f.to);
    if (y1 == null || y2 == null) continue;
    const x1 = xAt(f.ts), x2 = xAt(f.ts2);
    if (Math.max(x1, x2) < LABEL_W || Math.min(x1, x2) > W) continue;
    if ((y1 < RULER_H || y1 > H) && (y2 < RULER_H || y2 > H)) continue;
    const dx = Math.max(30, Math.abs(x2 - x1) / 2);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.bezierCurveTo(x1 + dx, y1, x2 - dx, y2, x2, y2);
    ctx.stroke();
    ctx.beginPath(); ctx.moveTo(x2, y2); ctx.lineTo(x2 - 7, y2 - 4); ctx.lineTo(x2 - 7, y2 + 4); ctx.closePath(); ctx.fill();
    ctx.beginPath(); ctx.arc(x1, y1, 2.5, 0, 6.3); ctx.fill();
  }
  ctx.lineWidth = 1;
}

function clipText(s, maxW) {
  if (ctx.measureText(s).width <= maxW) return s;
  let lo = 0, hi = s.length;
  while (lo < hi) {
    const m = (lo + hi + 1) >> 1;
    if (ctx.measureText(s.slice(0, m) + '\u2026').width <= maxW) lo = m; else hi = m - 1;
  }
  return s.slice(0, lo) + '\u2026';
}

/* command lines: show the script, not the interpreter's path */
function shortCmd(s) {
  const parts = s.split(' ');
  if (parts.length > 1 && /(^|\/)python[0-9.]*$/.test(parts[0])) {
    parts[0] = parts[0].replace(/^.*\//, '');
    return parts.map((p, i) => (i > 0 && p.indexOf('/') >= 0 && !p.startsWith('-') ? p.replace(/^.*\//, '') : p)).join(' ');
  }
  return s;
}

function drawLabel(row, y) {
  if (row.kind === 'proc') {
    const p = row.proc;
    ctx.fillStyle = '#eef1f5'; ctx.fillRect(0, y, LABEL_W, row.h);
    ctx.fillStyle = '#d5dbe3'; ctx.fillRect(0, y, LABEL_W, 1);
    ctx.fillStyle = '#5f6b7a';
    ctx.font = '10px ' + FONT.replace(/^12px /, '');
    ctx.fillText(p.collapsed ? '\u25b6' : '\u25bc', 8, y + row.h / 2);
    ctx.font = FONT_B; ctx.fillStyle = '#17202b';
    ctx.fillText(clipText(shortCmd(p.name), LABEL_W - 32), 24, y + 10);
    ctx.font = '11px ' + FONT.replace(/^12px /, '');
    ctx.fillStyle = '#5f6b7a';
    ctx.fillText(clipText(p.label || 'pid ' + p.pid, LABEL_W - 32), 24, y + 21);
    ctx.font = FONT;
  } else if (row.kind === 'thread') {
    const th = row.th;
    ctx.fillStyle = '#5f6b7a';
    if (th.maxDepth > 0) {
      ctx.font = '9px ' + FONT.replace(/^12px /, '');
      ctx.fillText(th.collapsed ? '\u25b6' : '\u25bc', 22, y + PAD + row.ih + ROW_H / 2);
      ctx.font = FONT;
    }
    ctx.fillStyle = '#17202b';
    const name = clipText(th.name, LABEL_W - 100);
    ctx.fillText(name, 36, y + PAD + row.ih + ROW_H / 2);
    const nw = ctx.measureText(name).width;
    ctx.fillStyle = '#8a94a3';
    ctx.font = '11px ' + FONT.replace(/^12px /, '');
    ctx.fillText(clipText(th.tidLabel, LABEL_W - 50 - nw), 36 + nw + 8, y + PAD + row.ih + ROW_H / 2);
    if (row.h > 2 * ROW_H + 2 * PAD) {
      ctx.fillText(fmtNum(th.b - th.a) + ' calls, depth ' + (th.maxDepth + 1), 36, y + PAD + row.ih + ROW_H * 1.5);
    }
    ctx.font = FONT;
    ctx.fillStyle = '#e6eaef'; ctx.fillRect(0, y + row.h - 1, LABEL_W, 1);
  } else if (row.kind === 'counter') {
    const c = row.ctr;
    ctx.fillStyle = '#17202b';
    ctx.fillText(clipText(c.name, LABEL_W - 46), 36, y + 14);
    ctx.fillStyle = '#8a94a3';
    ctx.font = '11px ' + FONT.replace(/^12px /, '');
    ctx.fillText('max ' + fmtValue(c.hi), 36, y + 30);
    ctx.font = FONT;
    ctx.fillStyle = '#e6eaef'; ctx.fillRect(0, y + row.h - 1, LABEL_W, 1);
  } else if (row.kind === 'global') {
    ctx.fillStyle = '#5f6b7a';
    ctx.fillText('Global markers', 12, y + row.h / 2);
  }
}

function fmtValue(v) {
  if (Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(2);
  return String(Math.round(v * 1000) / 1000);
}

function drawRuler(step, firstTick, tR) {
  ctx.fillStyle = '#f5f7fa';
  ctx.fillRect(0, 0, W, RULER_H);
  ctx.fillStyle = '#d5dbe3';
  ctx.fillRect(0, RULER_H - 1, W, 1);
  ctx.font = '11px ' + FONT.replace(/^12px /, '');
  ctx.textBaseline = 'middle';
  // when deep in a long trace, ticks are shown relative to a round base time
  const [u] = unitFor(step);
  let base = 0;
  const tL = timeAt(LABEL_W);
  if (tL / step > 2000 && firstTick > 0) {
    const big = step * 1000;
    base = Math.floor(tL / big) * big;
  }
  ctx.save();
  ctx.beginPath(); ctx.rect(LABEL_W, 0, W - LABEL_W, RULER_H); ctx.clip();
  for (let t = firstTick - step; t <= tR + step; t += step) {
    const x = Math.round(xAt(t));
    ctx.fillStyle = '#9aa3ad';
    ctx.fillRect(x, RULER_H - 9, 1, 8);
    for (let m = 1; m < 5; m++) ctx.fillRect(Math.round(xAt(t + m * step / 5)), RULER_H - 4, 1, 3);
    if (x < LABEL_W) continue;
    ctx.fillStyle = '#3a4452';
    ctx.fillText((base ? '+' : '') + fmtTick(t - base, step, Math.min(Math.abs(tR - base), step * 1000)), x + 4, 11);
  }
  // search hits, as ticks along the ruler's bottom edge
  if (search.starts && search.starts.length) {
    ctx.fillStyle = '#e8590c';
    const st = search.starts;
    for (let x = LABEL_W; x < W; x += 2) {
      const a = firstStartAtOrAfter(st, 0, st.length, timeAt(x));
      if (a < st.length && st[a] < timeAt(x + 2)) ctx.fillRect(x, RULER_H - 4, 2, 3);
    }
  }
  if (range) {
    const a = xAt(range.t0), b = xAt(range.t1);
    ctx.fillStyle = 'rgba(37, 99, 201, 0.25)';
    ctx.fillRect(a, 0, b - a, RULER_H - 1);
    ctx.fillStyle = '#1d4f9e';
    const txt = fmtDur(range.t1 - range.t0);
    const tw = ctx.measureText(txt).width;
    if (b - a > tw + 8) { ctx.fillStyle = '#ffffff'; ctx.fillRect((a + b) / 2 - tw / 2 - 4, 13, tw + 8, 14); ctx.fillStyle = '#1d4f9e'; ctx.fillText(txt, (a + b) / 2 - tw / 2, 20); }
  }
  ctx.restore();
  ctx.fillStyle = '#f5f7fa';
  ctx.fillRect(0, 0, LABEL_W - 1, RULER_H - 1);
  ctx.fillStyle = '#5f6b7a';
  const span = (W - LABEL_W) / view.k;
  ctx.fillText(base ? 'at ' + fmtTimeExact(base) : 'visible ' + fmtDur(span), 10, RULER_H / 2);
  void u;
  ctx.font = FONT;
}

// ---------------------------------------------------------------- hit testing

function hitTest(x, y) {
  if (y < RULER_H) return { kind: 'ruler' };
  const row = rowAtY(y);
  if (!row) return null;
  if (x < LABEL_W) return { kind: 'label', row };
  const top = rowTop(row);
  if (row.kind === 'thread') {
    const th = row.th;
    if (th.inst && y < top + PAD + row.ih) {
      const k = instAt(th.inst, x);
      if (k >= 0) return { kind: 'inst', inst: th.inst, k, item: th.inst.item(k), owner: th };
    }
    const d = Math.floor((y - top - PAD - row.ih) / ROW_H);
    if (d < 0 || d >= row.nrows) return { kind: 'row', row };
    const a = th.levels[d], b = th.levels[d + 1], S = tr.start, D = tr.dur;
    const t = timeAt(x), tol = 3 / view.k;
    let i = firstEndAfter(S, D, a, b, t);
    if (i < b && S[i] <= t) return { kind: 'slice', i, row };
    // a thin slice near the cursor
    let best = -1, bd = tol;
    for (const c of [i - 1, i]) {
      if (c < a || c >= b) continue;
      const dd = t < S[c] ? S[c] - t : t - (S[c] + D[c]);
      if (dd <= bd) { bd = dd; best = c; }
    }
    if (best >= 0) return { kind: 'slice', i: best, row };
    return { kind: 'row', row };
  }
  if (row.kind === 'proc' && row.proc.inst) {
    const k = instAt(row.proc.inst, x);
    if (k >= 0) return { kind: 'inst', inst: row.proc.inst, k, item: row.proc.inst.item(k), owner: row.proc };
  }
  if (row.kind === 'global') {
    const k = instAt(tr.globalInst, x);
    if (k >= 0) return { kind: 'inst', inst: tr.globalInst, k, item: tr.globalInst.item(k), owner: null };
  }
  if (row.kind === 'counter') return { kind: 'counter', row };
  return { kind: 'row', row };
}

function instAt(inst, x) {
  const t = timeAt(x), tol = 6 / view.k;
  let i = firstStartAtOrAfter(inst.ts, 0, inst.ts.length, t - tol);
  if (i < inst.ts.length && inst.ts[i] <= t + tol) return i;
  return -1;
}

// ---------------------------------------------------------------- details pane

const details = $('detailsbody');

function sliceArgs(i) {
  if (tr.kind === 'json') {
    const a = tr.args[i];
    if (!a) return null;
    try { return JSON.parse(tr.argStr[a]); } catch (e) { return tr.argStr[a]; }
  }
  // VTR1: the same object as vt-convert's JSON args: file, the call's arguments, flags
  const f = tr.fn[i], o = {};
  if (tr.fnLoc[f]) o.file = tr.fnLoc[f];
  const a = tr.args ? tr.args[i] : 0;
  if (a) {
    let v;
    try { v = JSON.parse(tr.argStr[a]); } catch (e) { v = tr.argStr[a]; }
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      // defineProperty, not assignment: a span argument named __proto__ stays a key
      for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: v[k], enumerable: true, writable: true, configurable: true });
    } else o.args = v;
  }
  const fl = tr.flags[i];
  if (fl & 2) o.exception = true;
  if (fl & 4) o.unfinished = true;
  if (fl & 8) o.yield = true;
  return Object.keys(o).length ? o : null;
}

function locOf(i) {
  const f = tr.fn[i];
  if (tr.fnLoc[f]) return tr.fnLoc[f];
  const a = tr.kind === 'json' ? sliceArgs(i) : null;
  return a && typeof a === 'object' && typeof a.file === 'string' ? a.file : null;
}

function selfTime(i, th, d) {
  const S = tr.start, D = tr.dur;
  let self = D[i];
  if (d + 1 <= th.maxDepth) {
    const a = th.levels[d + 1], b = th.levels[d + 2];
    const s = S[i], e = s + D[i];
    for (let j = firstStartAtOrAfter(S, a, b, s); j < b && S[j] < e; j++) if (tr.parent[j] === i) self -= D[j];
  }
  return Math.max(0, self);
}

function countChildren(i, th, d) {
  if (d + 1 > th.maxDepth) return 0;
  const S = tr.start, a = th.levels[d + 1], b = th.levels[d + 2];
  const s = S[i], e = s + tr.dur[i];
  let n = 0;
  for (let j = firstStartAtOrAfter(S, a, b, s); j < b && S[j] < e; j++) if (tr.parent[j] === i) n++;
  return n;
}

function showSlice(i) {
  const th = threadOf(tr, i), d = depthOf(tr, th, i), f = tr.fn[i];
  const S = tr.start[i], Dd = tr.dur[i], fl = tr.flags[i];
  const self = selfTime(i, th, d), loc = locOf(i);
  const args = sliceArgs(i);
  const chain = [];
  for (let p = tr.parent[i]; p >= 0 && chain.length < 200; p = tr.parent[p]) chain.push(p);
  const flags = [];
  if (fl & 2) flags.push('<span class="flag exc">left by an exception</span>');
  if (fl & 4) flags.push('<span class="flag unf">unfinished: still open when the trace ended</span>');
  if (fl & 8) flags.push('<span class="flag yld">generator/coroutine suspended (yield)</span>');
  const cat = tr.fnCat[f];
  const catText = cat === 'py' ? 'Python function' : cat === 'c' ? 'C function or builtin' : (cat || '\u2014');
  let html = '<h3><span class="swatch" style="background:' + tr.fnColor[f] + '"></span><span id="d-name">' + escapeHtml(tr.fnName[f]) +
    '</span><span class="sub">' + escapeHtml(catText) + '</span></h3><div class="cols"><table class="kv">';
  const kv = (k, v, id) => { html += '<tr><td>' + k + '</td><td class="v"' + (id ? ' id="' + id + '"' : '') + '>' + v + '</td></tr>'; };
  if (loc) kv('Location', '<span class="mono">' + escapeHtml(loc) + '</span>', 'd-loc');
  kv('Start', fmtTimeExact(S), 'd-start');
  kv('Duration', fmtTimeExact(Dd) + ' <span class="hint">(' + fmtDur(Dd) + ')</span>', 'd-dur');
  kv('Self time', fmtTimeExact(self) + ' <span class="hint">(' + (Dd > 0 ? (100 * self / Dd).toFixed(1) : '100') + '%)</span>', 'd-self');
  kv('Depth', String(d), 'd-depth');
  kv('Children', fmtNum(countChildren(i, th, d)));
  kv('Thread', escapeHtml(th.name) + ' <span class="hint">tid ' + escapeHtml(th.tidLabel) + '</span>');
  kv('Process', escapeHtml(shortCmd(th.proc.name)) + ' <span class="hint">pid ' + escapeHtml(th.pid) + '</span>');
  if (flags.length) kv('Flags', flags.join(''));
  html += '</table><div><div class="hint">Parent chain</div><ul class="chain" id="d-chain">';
  if (!chain.length) html += '<li class="hint">(top level)</li>';
  for (const p of chain.slice(0, 40)) {
    html += '<li><a data-slice="' + p + '">' + escapeHtml(tr.fnName[tr.fn[p]]) + '</a> <span class="d">' + fmtDur(tr.dur[p]) + '</span></li>';
  }
  if (chain.length > 40) html += '<li class="hint">\u2026 ' + (chain.length - 40) + ' more</li>';
  html += '</ul></div>';
  html += '<div><div class="hint">Arguments</div>' + (args ? '<pre class="args" id="d-args">' + escapeHtml(JSON.stringify(args, null, 2)) + '</pre>' : '<div class="hint" id="d-args">(none recorded)</div>') + '</div>';
  html += '</div>';
  details.innerHTML = html;
}

function showInstant(it, owner) {
  let html = '<h3><span class="swatch" style="background:#2563c9"></span><span id="d-name">' + escapeHtml(it.name) + '</span><span class="sub">marker</span></h3><table class="kv">';
  html += '<tr><td>Time</td><td class="v">' + fmtTimeExact(it.ts) + '</td></tr>';
  if (owner && owner.tid !== undefined) html += '<tr><td>Thread</td><td class="v">' + escapeHtml(owner.name) + ' <span class="hint">tid ' + escapeHtml(owner.tidLabel) + '</span></td></tr>';
  if (owner) html += '<tr><td>Process</td><td class="v">' + escapeHtml(shortCmd((owner.proc || owner).name)) + ' <span class="hint">pid ' + escapeHtml((owner.proc || owner).pid) + '</span></td></tr>';
  if (it.args) html += '<tr><td>Arguments</td><td><pre class="args">' + escapeHtml(it.args) + '</pre></td></tr>';
  html += '</table>';
  details.innerHTML = html;
}

details.addEventListener('click', (e) => {
  const a = e.target.closest('[data-slice]');
  if (a) { selectSlice(+a.dataset.slice, true); return; }
  const th = e.target.closest('th[data-col]');
  if (th && aggState) {
    const c = th.dataset.col;
    if (aggState.col === c) aggState.asc = !aggState.asc; else { aggState.col = c; aggState.asc = c === 'name'; }
    renderAgg();
  }
  const fn = e.target.closest('[data-fn]');
  if (fn) { $('search').value = tr.fnName[+fn.dataset.fn]; runSearch(); }
});

function selectSlice(i, reveal) {
  sel = { kind: 'slice', i };
  if (reveal) revealSlice(i, false);
  showSlice(i);
  redraw();
}

function revealSlice(i, zoom) {
  const th = threadOf(tr, i);
  let changed = false;
  if (th.proc.collapsed) { th.proc.collapsed = false; changed = true; }
  const d = depthOf(tr, th, i);
  if (th.collapsed && d > 0) { th.collapsed = false; changed = true; }
  if (changed) layout();
  const s = tr.start[i], e = s + tr.dur[i], w = W - LABEL_W;
  if (zoom || (e - s) * view.k > w * 0.9) {
    const span = Math.max(e - s, 50);
    view.k = w / (span * 1.25);
    view.t0 = s - span * 0.125;
  } else if (xAt(s) < LABEL_W + 20 || xAt(e) > W - 20) {
    view.t0 = (s + e) / 2 - w / 2 / view.k;
  }
  const row = rows.find((r) => r.kind === 'thread' && r.th === th);
  const y = row.y + PAD + row.ih + d * ROW_H;
  const vh = H - RULER_H;
  if (y < view.scrollY + 10 || y + ROW_H > view.scrollY + vh - 10) view.scrollY = y - vh / 3;
  clampView();
}

// ---------------------------------------------------------------- aggregate over a range

let aggState = null;

function aggregate(t0, t1) {
  const nfn = tr.fnName.length;
  const cnt = new Float64Array(nfn), tot = new Float64Array(nfn), self = new Float64Array(nfn);
  const S = tr.start, D = tr.dur, F = tr.fn, P = tr.parent;
  let n = 0, threads = 0;
  for (const th of tr.threads) {
    let any = false;
    for (let d = 0; d <= th.maxDepth; d++) {
      const a = th.levels[d], b = th.levels[d + 1];
      for (let i = firstEndAfter(S, D, a, b, t0); i < b; i++) {
        const s = S[i];
        if (s >= t1) break;
        const e = s + D[i];
        const c = (e < t1 ? e : t1) - (s > t0 ? s : t0);
        const f = F[i];
        cnt[f]++; tot[f] += c; self[f] += c; n++;
        const p = P[i];
        if (p >= 0) self[F[p]] -= c;
        any = true;
      }
    }
    if (any) threads++;
  }
  const list = [];
  for (let f = 0; f < nfn; f++) if (cnt[f]) list.push({ f, name: tr.fnName[f], count: cnt[f], total: tot[f], self: Math.max(0, self[f]), avg: tot[f] / cnt[f] });
  return { list, n, threads };
}

function showRange() {
  if (!range) return;
  const t = performance.now();
  const r = aggregate(range.t0, range.t1);
  aggState = { r, col: aggState ? aggState.col : 'total', asc: aggState ? aggState.asc : false, ms: performance.now() - t };
  renderAgg();
}

function renderAgg() {
  const { r, col, asc } = aggState;
  const key = col;
  r.list.sort((a, b) => {
    const x = a[key], y = b[key];
    const c = key === 'name' ? (x < y ? -1 : x > y ? 1 : 0) : x - y;
    return asc ? c : -c;
  });
  const head = (c, t) => '<th data-col="' + c + '" class="' + (col === c ? 'on' + (asc ? ' asc' : '') : '') + '">' + t + '</th>';
  let html = '<h3>Range ' + fmtTimeExact(range.t0) + ' \u2013 ' + fmtTimeExact(range.t1) +
    ' <span class="sub">' + fmtDur(range.t1 - range.t0) + ' \u00b7 ' + fmtNum(r.n) + ' calls in ' + r.threads + ' thread' + (r.threads === 1 ? '' : 's') +
    ' \u00b7 ' + fmtNum(r.list.length) + ' functions \u00b7 times are clipped to the range</span></h3>';
  html += '<table class="agg" id="agg"><thead><tr>' + head('name', 'Name') + head('count', 'Count') + head('total', 'Total') + head('self', 'Self') + head('avg', 'Average') +
    '<th class="locth">Location</th></tr></thead><tbody>';
  const max = 500;
  for (const x of r.list.slice(0, max)) {
    html += '<tr><td><span class="swatch" style="background:' + tr.fnColor[x.f] + '"></span><a class="fn" data-fn="' + x.f + '">' + escapeHtml(x.name) + '</a></td><td>' + fmtNum(x.count) +
      '</td><td>' + fmtDur(x.total) + '</td><td>' + fmtDur(x.self) + '</td><td>' + fmtDur(x.avg) + '</td><td class="loc">' + escapeHtml(tr.fnLoc[x.f] || '') + '</td></tr>';
  }
  html += '</tbody></table>';
  if (r.list.length > max) html += '<p class="hint">\u2026 and ' + fmtNum(r.list.length - max) + ' more functions</p>';
  details.innerHTML = html;
}

// ---------------------------------------------------------------- search

function runSearch() {
  const q = $('search').value.trim().toLowerCase();
  if (!tr) return;
  if (!q) {
    search = { q: '', mask: null, count: 0, list: null, starts: null, cur: -1 };
    $('matches').textContent = '';
    redraw();
    return;
  }
  const nfn = tr.fnName.length, mask = new Uint8Array(nfn);
  let any = 0;
  for (let f = 0; f < nfn; f++) if (tr.fnName[f].toLowerCase().indexOf(q) >= 0) { mask[f] = 1; any++; }
  // matches, by start time: each level's run is sorted already; merge the runs pairwise
  const F = tr.fn, S = tr.start;
  let count = 0;
  if (any) for (let i = 0; i < tr.n; i++) count += mask[F[i]];
  let list = new Int32Array(count);
  const bounds = [0];
  if (count) {
    let k = 0;
    for (const th of tr.threads) {
      for (let d = 0; d <= th.maxDepth; d++) {
        for (let i = th.levels[d], e = th.levels[d + 1]; i < e; i++) if (mask[F[i]]) list[k++] = i;
        if (k > bounds[bounds.length - 1]) bounds.push(k);
      }
    }
    list = mergeRuns(list, bounds, S);
  }
  const starts = new Float64Array(count);
  for (let j = 0; j < count; j++) starts[j] = S[list[j]];
  search = { q, mask, count, list, starts, cur: -1 };
  updateMatches();
  redraw();
}

function mergeRuns(a, bounds, key) {
  let b = new Int32Array(a.length);
  let runs = bounds;
  while (runs.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r], mid = runs[r + 1], hi = r + 2 < runs.length ? runs[r + 2] : mid;
      let i = lo, j = mid, o = lo;
      while (i < mid && j < hi) b[o++] = key[a[j]] < key[a[i]] ? a[j++] : a[i++];
      while (i < mid) b[o++] = a[i++];
      while (j < hi) b[o++] = a[j++];
      next.push(hi);
    }
    if (next[next.length - 1] !== runs[runs.length - 1]) next.push(runs[runs.length - 1]);
    const t = a; a = b; b = t;
    runs = next;
  }
  return a;
}

function updateMatches() {
  const m = $('matches');
  if (!search.q) { m.textContent = ''; return; }
  m.textContent = search.count ? (search.cur >= 0 ? fmtNum(search.cur + 1) + ' / ' : '') + fmtNum(search.count) + (search.count === 1 ? ' match' : ' matches') : 'no matches';
}

function stepMatch(dir) {
  if (!search.count) return;
  let c = search.cur;
  if (c < 0) {
    const t = timeAt(LABEL_W);
    c = firstStartAtOrAfter(search.starts, 0, search.count, t);
    if (dir < 0) c--;
  } else c += dir;
  c = (c + search.count) % search.count;
  search.cur = c;
  updateMatches();
  selectSlice(search.list[c], true);
}

// ---------------------------------------------------------------- input

let drag = null;
const keys = new Set();
let lastMouse = { x: -1, y: -1 };

canvas.addEventListener('mousedown', (e) => {
  if (!tr || e.button !== 0) return;
  canvas.focus();
  const r = canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
  const mode = x < LABEL_W && y >= RULER_H ? 'label' : (e.shiftKey || y < RULER_H) ? 'range' : 'pan';
  drag = { mode, x, y, t0: view.t0, sy: view.scrollY, moved: false, ta: timeAt(Math.max(x, LABEL_W)) };
  e.preventDefault();
});

window.addEventListener('mousemove', (e) => {
  if (!tr) return;
  const r = canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
  lastMouse = { x, y };
  if (drag) {
    if (Math.abs(x - drag.x) + Math.abs(y - drag.y) > 3) drag.moved = true;
    if (!drag.moved) return;
    if (drag.mode === 'pan') {
      view.t0 = drag.t0 - (x - drag.x) / view.k;
      view.scrollY = drag.sy - (y - drag.y);
      clampView();
      hideTip();
      redraw();
    } else if (drag.mode === 'range') {
      const tb = timeAt(Math.min(Math.max(x, LABEL_W), W));
      range = { t0: Math.min(drag.ta, tb), t1: Math.max(drag.ta, tb) };
      redraw();
    }
    return;
  }
  if (e.target !== canvas) { hideTip(); return; }
  updateHover(x, y, e.clientX - $('main').getBoundingClientRect().left, e.clientY - $('main').getBoundingClientRect().top);
});

window.addEventListener('mouseup', (e) => {
  if (!drag) return;
  const d = drag;
  drag = null;
  const r = canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
  if (d.mode === 'range' && d.moved && range && range.t1 > range.t0) { sel = null; showRange(); redraw(); return; }
  if (d.moved) return;
  const h = hitTest(x, y);
  if (d.mode === 'label' && h && h.kind === 'label') {
    const row = h.row;
    if (row.kind === 'proc') row.proc.collapsed = !row.proc.collapsed;
    else if (row.kind === 'thread' && row.th.maxDepth > 0) row.th.collapsed = !row.th.collapsed;
    layout(); clampView(); redraw();
    return;
  }
  if (h && h.kind === 'slice') { range = null; selectSlice(h.i, false); return; }
  if (h && h.kind === 'inst') { sel = { kind: 'inst', inst: h.inst, k: h.k }; showInstant(h.item, h.owner); redraw(); return; }
  if (d.mode === 'range' || (h && h.kind === 'ruler')) return;
  // a click on nothing clears the selection
  if (sel || range) { sel = null; range = null; details.innerHTML = '<p class="hint">Nothing selected.</p>'; redraw(); }
});

canvas.addEventListener('dblclick', (e) => {
  const r = canvas.getBoundingClientRect();
  const h = hitTest(e.clientX - r.left, e.clientY - r.top);
  if (h && h.kind === 'slice') { selectSlice(h.i, false); revealSlice(h.i, true); redraw(); }
});

canvas.addEventListener('wheel', (e) => {
  if (!tr) return;
  e.preventDefault();
  const r = canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
  const unit = e.deltaMode === 1 ? 33 : e.deltaMode === 2 ? H : 1;
  let dx = e.deltaX * unit, dy = e.deltaY * unit;
  if (e.shiftKey && !dx) { dx = 0; view.scrollY += dy; clampView(); redraw(); return; }
  if (x < LABEL_W && !e.ctrlKey) { view.scrollY += dy; clampView(); redraw(); return; }
  if (Math.abs(dx) > Math.abs(dy) && !e.ctrlKey) { view.t0 += dx / view.k; clampView(); redraw(); return; }
  zoomAt(Math.max(x, LABEL_W), Math.exp(-dy * (e.ctrlKey ? 0.01 : 0.0025)));
  hideTip();
}, { passive: false });

function updateHover(x, y, mx, my) {
  const h = hitTest(x, y);
  const tip = $('tip');
  canvas.style.cursor = h && h.kind === 'label' ? 'pointer' : h && (h.kind === 'slice' || h.kind === 'inst') ? 'pointer' : h && h.kind === 'ruler' ? 'col-resize' : 'default';
  let html = null;
  if (h && h.kind === 'slice') {
    const i = h.i, f = tr.fn[i];
    const loc = tr.fnLoc[f];
    html = '<b>' + escapeHtml(tr.fnName[f]) + '</b> <span class="dim">' + fmtDur(tr.dur[i]) + '</span>' + (loc ? '<br><span class="dim">' + escapeHtml(loc) + '</span>' : '');
  } else if (h && h.kind === 'inst') {
    html = '<b>' + escapeHtml(h.item.name) + '</b> <span class="dim">at ' + fmtTimeExact(h.item.ts) + '</span>';
  } else if (h && h.kind === 'counter') {
    const c = h.row.ctr, t = timeAt(x);
    const i = firstStartAtOrAfter(c.ts, 0, c.ts.length, t + 1e-9) - 1;
    if (i >= 0) html = '<b>' + escapeHtml(c.name) + '</b> ' + fmtValue(c.val[i]) + ' <span class="dim">at ' + fmtTimeExact(c.ts[i]) + '</span>';
  }
  if (!html) { hideTip(); return; }
  tip.innerHTML = html;
  tip.hidden = false;
  const tw = tip.offsetWidth, th = tip.offsetHeight;
  let left = mx + 14, top = my + 16;
  if (left + tw > W - 4) left = Math.max(4, mx - tw - 10);
  if (top + th > H - 4) top = my - th - 10;
  tip.style.left = left + 'px'; tip.style.top = top + 'px';
}
function hideTip() { $('tip').hidden = true; }
canvas.addEventListener('mouseleave', hideTip);

function inField(e) {
  const t = e.target;
  return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA');
}

window.addEventListener('keydown', (e) => {
  if (e.key === 'o' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('file').click(); return; }
  if (!tr) return;
  if ((e.key === 'f' && (e.ctrlKey || e.metaKey)) || (e.key === '/' && !inField(e))) { e.preventDefault(); $('search').focus(); $('search').select(); return; }
  if (inField(e)) {
    if (e.target.id === 'search') {
      if (e.key === 'Enter') { e.preventDefault(); clearTimeout(searchTimer); if (search.q !== $('search').value.trim().toLowerCase()) runSearch(); stepMatch(e.shiftKey ? -1 : 1); }
      else if (e.key === 'Escape') { $('search').value = ''; runSearch(); $('search').blur(); }
    }
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const k = e.key.toLowerCase();
  if (k === '?') { toggleHelp(); return; }
  if (k === 'escape') {
    if (!$('help').hidden) { toggleHelp(); return; }
    sel = null; range = null; $('search').value = ''; runSearch();
    details.innerHTML = '<p class="hint">Nothing selected.</p>';
    redraw();
    return;
  }
  if ('wasd'.includes(k) && k.length === 1) { keys.add(k); startKeyLoop(); e.preventDefault(); return; }
  if (k === 'arrowup' || k === 'arrowdown' || k === 'pageup' || k === 'pagedown') {
    const step = k.startsWith('page') ? H - RULER_H - 40 : 40;
    view.scrollY += k === 'arrowup' || k === 'pageup' ? -step : step;
    clampView(); redraw(); e.preventDefault(); return;
  }
  if (k === 'arrowleft' || k === 'arrowright') { view.t0 += (k === 'arrowleft' ? -1 : 1) * (W - LABEL_W) * 0.1 / view.k; clampView(); redraw(); e.preventDefault(); return; }
  if (k === '0' || k === 'home') { fitAll(); redraw(); return; }
  if (k === 'f') {
    if (sel && sel.kind === 'slice') { revealSlice(sel.i, true); redraw(); }
    else if (range) { const w = W - LABEL_W, sp = range.t1 - range.t0; view.k = w / (sp * 1.1); view.t0 = range.t0 - sp * 0.05; clampView(); redraw(); }
    return;
  }
  if (k === 'n') { stepMatch(e.shiftKey ? -1 : 1); return; }
  if (k === 'enter' && search.count) { stepMatch(e.shiftKey ? -1 : 1); }
});
window.addEventListener('keyup', (e) => keys.delete(e.key.toLowerCase()));
window.addEventListener('blur', () => keys.clear());

let keyLoop = 0;
function startKeyLoop() {
  if (keyLoop) return;
  let last = performance.now();
  const tick = (now) => {
    if (!keys.size) { keyLoop = 0; return; }
    const dt = Math.min(50, now - last) / 1000;
    last = now;
    const w = W - LABEL_W;
    const cx = lastMouse.x >= LABEL_W && lastMouse.x <= W && lastMouse.y >= 0 && lastMouse.y <= H ? lastMouse.x : LABEL_W + w / 2;
    if (keys.has('w')) zoomAt(cx, Math.exp(3.2 * dt));
    if (keys.has('s')) zoomAt(cx, Math.exp(-3.2 * dt));
    if (keys.has('a')) { view.t0 -= w * 0.9 * dt / view.k; clampView(); redraw(); }
    if (keys.has('d')) { view.t0 += w * 0.9 * dt / view.k; clampView(); redraw(); }
    keyLoop = requestAnimationFrame(tick);
  };
  keyLoop = requestAnimationFrame(tick);
}

function toggleHelp() { $('help').hidden = !$('help').hidden; }
$('helpbtn').addEventListener('click', toggleHelp);
$('help').addEventListener('click', (e) => { if (e.target.id === 'help') toggleHelp(); });

let searchTimer = 0;   // Enter, next and previous cancel it: it would reset the position
$('search').addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(runSearch, 120); });
$('next').addEventListener('click', () => { clearTimeout(searchTimer); if (search.q !== $('search').value.trim().toLowerCase()) runSearch(); stepMatch(1); });
$('prev').addEventListener('click', () => { clearTimeout(searchTimer); if (search.q !== $('search').value.trim().toLowerCase()) runSearch(); stepMatch(-1); });

// the split between the timeline and the details
(() => {
  const sp = $('split');
  let y0 = 0, h0 = 0, on = false;
  sp.addEventListener('mousedown', (e) => { on = true; y0 = e.clientY; h0 = $('details').offsetHeight; e.preventDefault(); });
  window.addEventListener('mousemove', (e) => {
    if (!on) return;
    $('details').style.height = Math.max(60, Math.min(window.innerHeight - 160, h0 - (e.clientY - y0))) + 'px';
    resize();
  });
  window.addEventListener('mouseup', () => { on = false; });
})();

window.addEventListener('resize', resize);
canvas.tabIndex = 0;

// ---------------------------------------------------------------- opening files

$('open').addEventListener('click', () => $('file').click());
$('open2').addEventListener('click', () => $('file').click());
$('file').addEventListener('change', (e) => { const f = e.target.files[0]; if (f) openFile(f); e.target.value = ''; });
let dragDepth = 0;
window.addEventListener('dragenter', (e) => { if (e.dataTransfer && [...e.dataTransfer.types].includes('Files')) { dragDepth++; $('drop').hidden = false; e.preventDefault(); } });
window.addEventListener('dragover', (e) => { e.preventDefault(); });
window.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; $('drop').hidden = true; } });
window.addEventListener('drop', (e) => {
  e.preventDefault(); dragDepth = 0; $('drop').hidden = true;
  const f = e.dataTransfer && e.dataTransfer.files[0];
  if (f) openFile(f);
});

function progress(msg, frac) {
  $('progress').hidden = msg == null;
  if (msg != null) { $('progressmsg').textContent = msg; $('progressfill').style.width = Math.round((frac || 0) * 100) + '%'; }
}
const nextFrame = () => new Promise((r) => setTimeout(r, 0));

async function openFile(file) {
  const t0 = performance.now();
  api.ready = false; api.error = null;
  $('landing').hidden = true;
  try {
    const b = new Builder('json');
    const rd = new JsonTraceReader(b);
    const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
    const CH = api.chunkBytes || (16 << 20);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      const r = file.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
      let got = 0, parts = [], have = 0;
      for (;;) {
        const { value, done } = await r.read();
        if (value) { parts.push(value); have += value.length; got += value.length; }
        if (have >= CH || (done && have)) {
          const buf = parts.length === 1 ? parts[0] : concat(parts, have);
          parts = []; have = 0;
          rd.feed(buf, false);
          progress('Reading ' + file.name + ': ' + fmtNum(rd.events) + ' events (' + (got / 1048576).toFixed(0) + ' MiB unpacked)', 0.5);
          await nextFrame();
        }
        if (done) break;
      }
      rd.feed(new Uint8Array(0), true);
    } else {
      for (let off = 0; off < file.size || off === 0; off += CH) {
        const buf = new Uint8Array(await file.slice(off, Math.min(file.size, off + CH)).arrayBuffer());
        rd.feed(buf, off + CH >= file.size);
        progress('Reading ' + file.name + ': ' + fmtNum(rd.events) + ' events', Math.min(1, (off + CH) / file.size) * 0.85);
        await nextFrame();
        if (file.size === 0) break;
      }
    }
    progress('Building the timeline: ' + fmtNum(b.sThr.n) + ' slices', 0.9);
    await nextFrame();
    const model = finish(b);
    show(model, file.name, t0);
  } catch (err) {
    fail(err);
  }
}

function concat(parts, n) {
  const u = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { u.set(p, o); o += p.length; }
  return u;
}

function fail(err) {
  progress(null);
  api.error = String(err && err.message || err);
  $('landing').hidden = false;
  details.innerHTML = '<p class="err">Could not open the trace: ' + escapeHtml(api.error) + '</p>';
  console.warn(err);
}

function show(model, title, t0) {
  tr = model;
  sel = null; range = null; aggState = null;
  search = { q: '', mask: null, count: 0, list: null, starts: null, cur: -1 };
  $('matches').textContent = '';
  if ($('search').value) setTimeout(runSearch, 0);
  if (title) {
    // a trace directory's path: its last part says enough, the tooltip has the rest
    const short = title.replace(/\/+$/, '').replace(/^.*\//, '') || title;
    $('title').textContent = short; $('title').title = title;
    document.title = short + ' \u2014 vt';
  }
  layout();
  resize();
  fitAll();
  draw();
  progress(null);
  $('landing').hidden = true;
  const threads = tr.threads.length, procs = tr.procs.length;
  api.loadMs = performance.now() - t0;
  $('status').textContent = fmtNum(tr.n) + ' slices \u00b7 ' + threads + ' thread' + (threads === 1 ? '' : 's') + ' \u00b7 ' + procs + ' process' + (procs === 1 ? '' : 'es') +
    ' \u00b7 ' + fmtDur(tr.tMax - tr.tMin);
  $('status').title = 'opened in ' + (api.loadMs / 1000).toFixed(2) + ' s' + (tr.ignored ? '; ' + tr.ignored + ' events of unsupported kinds ignored' : '');
  details.innerHTML = '<p class="hint">Click a slice to see its details. Shift+drag (or drag on the time ruler) to summarise a time range. Press <kbd>?</kbd> for keys.</p>';
  api.stats = {
    slices: tr.n, threads, processes: procs, counters: tr.procs.reduce((a, p) => a + p.counters.length, 0),
    instants: tr.threads.reduce((a, t) => a + (t.inst ? t.inst.ts.length : 0), 0) + tr.procs.reduce((a, p) => a + (p.inst ? p.inst.ts.length : 0), 0) + (tr.globalInst ? tr.globalInst.ts.length : 0),
    flows: tr.flows.length, functions: tr.fnName.length,
    threadNames: tr.procs.flatMap((p) => p.threads.map((t) => t.name)),
    processNames: tr.procs.map((p) => p.name),
    counterNames: tr.procs.flatMap((p) => p.counters.map((c) => c.name)),
    perThread: tr.procs.flatMap((p) => p.threads.map((t) => ({ pid: t.pid, tid: t.tid, name: t.name, slices: t.b - t.a, maxDepth: t.maxDepth }))),
  };
  api.ready = true;
  canvas.focus();
}

// ---------------------------------------------------------------- hooks for tests and benchmarks

api.find = (name, nth) => {
  // the nth slice (by start) named exactly `name`: its index and where it is on screen now
  if (!tr) return null;
  const f = tr.fnName.indexOf(name);
  if (f < 0) return null;
  let seen = 0, best = -1;
  const F = tr.fn;
  for (let i = 0; i < tr.n; i++) if (F[i] === f) { if (seen === (nth || 0)) { best = i; break; } seen++; }
  return best < 0 ? null : api.where(best);
};
api.where = (i) => {
  const th = threadOf(tr, i), d = depthOf(tr, th, i);
  const row = rows.find((r) => r.kind === 'thread' && r.th === th);
  const canvasBox = canvas.getBoundingClientRect();
  const x0 = Math.max(LABEL_W, xAt(tr.start[i])), x1 = Math.min(W, xAt(tr.start[i] + tr.dur[i]));
  return {
    i, name: tr.fnName[tr.fn[i]], start: tr.start[i], dur: tr.dur[i], depth: d,
    x: canvasBox.left + (x0 + x1) / 2, y: row ? canvasBox.top + rowTop(row) + PAD + row.ih + d * ROW_H + ROW_H / 2 : null,
    visible: !!row && x1 > x0,
  };
};
api.counterInk = () => {
  // per counter track: its name, samples, and how many pixels of its plot are teal (drawn)
  draw();
  return rows.filter((r) => r.kind === 'counter').map((r) => {
    const top = rowTop(r), out = { name: r.ctr.name, samples: r.ctr.ts.length, ink: null };
    if (top < RULER_H || top + r.h > H) return out;
    const x0 = Math.ceil(LABEL_W * dpr), w = Math.floor((W - LABEL_W) * dpr);
    const px = ctx.getImageData(x0, Math.ceil(top * dpr), w, Math.floor(r.h * dpr)).data;
    let ink = 0;
    for (let k = 0; k < px.length; k += 4) if (px[k + 1] > px[k] + 20 && px[k + 1] > px[k + 2] - 40 && px[k + 1] > 80) ink++;
    out.ink = ink;
    return out;
  });
};
api.counterSeries = () => tr.procs.flatMap((p) => p.counters.map((c) => ({ pid: p.pid, name: c.name, val: Array.from(c.val) })));
api.reveal = (i, zoom) => { revealSlice(i, !!zoom); draw(); return api.where(i); };
api.select = (i) => selectSlice(i, true);
api.setView = (t0, nsPerPx) => { view.t0 = t0; view.k = 1 / nsPerPx; clampView(); draw(); };
api.fit = () => { fitAll(); draw(); };
api.search = () => search;
api.runSearch = (q) => { $('search').value = q; const t = performance.now(); runSearch(); return performance.now() - t; };
api.aggregate = (t0, t1) => aggregate(t0, t1).n;
api.timeline = () => ({ t0: view.t0, t1: timeAt(W), width: W, labelW: LABEL_W, rulerH: RULER_H, tMin: tr.tMin, tMax: tr.tMax });
api.benchRedraw = (steps) => {
  // zoom in stepwise at the middle, then pan; time each synchronous redraw
  const times = [];
  fitAll();
  draw();
  const mid = LABEL_W + (W - LABEL_W) / 2;
  for (let s = 0; s < steps; s++) {
    const ta = performance.now();
    if (s < steps / 2) { const t = timeAt(mid); view.k *= 1.25; view.t0 = t - (mid - LABEL_W) / view.k; clampView(); }
    else { view.t0 += (W - LABEL_W) * 0.15 / view.k; clampView(); }
    draw();
    ctx.getImageData(0, 0, 1, 1);   // wait for the pixels: rasterising is part of the cost
    times.push(performance.now() - ta);
  }
  fitAll(); draw();
  times.sort((a, b) => a - b);
  return { median: times[times.length >> 1], p95: times[Math.floor(times.length * 0.95)], max: times[times.length - 1], n: times.length };
};

// ---------------------------------------------------------------- start

function boot() {
  const t0 = performance.now();
  const tpl = $('vt-trace');
  let text = '';
  if (tpl) {
    const c = tpl.content || tpl;
    text = c.textContent || '';
  }
  const embeddedTitle = document.title && !/^\s*\x3c!--/.test(document.title) ? document.title : '';
  resize();
  if (!text.trim()) {
    document.title = 'vt viewer';
    $('landing').hidden = false;
    api.ready = true;
    api.stats = null;
    return;
  }
  progress('Opening the trace\u2026', 0.1);
  setTimeout(() => {
    try {
      const bytes = base64ToBytes(text);
      text = '';
      (tpl.content || tpl).textContent = '';   // the DOM copy is no longer needed
      const b = decodeVTR(bytes);
      const model = finish(b);
      show(model, embeddedTitle || 'vt trace', t0);
      api.loadMs = performance.now();   // from navigation start, the number people feel
    } catch (err) {
      fail(err);
    }
  }, 0);
}

boot();
})();
