/*
 * decode-json.js - Chrome Trace Event JSON, read from byte chunks into a Builder by a
 * byte-level tokenizer (the file is never one string). Calls util.js, builder.js.
 */
'use strict';

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
/* the scanners' second results (a string had an escape; a number's integer and fraction
 * parts; a pid or tid), in variables rather than objects so that the hot loop allocates
 * nothing: this module's own, read right after the call that sets them */
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
