/*
 * decode-vtr.js - the trace embedded in the page by vt-convert ("VTR1", viewer/README.md):
 * base64 text to bytes, bytes to a Builder. Calls util.js, builder.js.
 */
'use strict';

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
  // (a count of 0 when only the sources follow)
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
    if (nargs) {
      b.sArgs = { a: A, n: total };
      b.args = [null].concat(str);
    }
  }
  // optional: the source files (path, text), then those left out (path, why)
  if (p < n8) {
    const text = () => { const l = vi(); const s = td.decode(u8.subarray(p, p + l)); p += l; return s; };
    b.sources = new Map();
    for (let i = 0, n = vi(); i < n && p <= n8; i++) { const path = text(); b.sources.set(path, { text: text() }); }
    for (let i = 0, n = vi(); i < n && p <= n8; i++) { const path = text(); b.sources.set(path, { why: text() }); }
  }
  if (p > n8) throw new Error('the embedded trace is truncated');
  b.sortedHint = true;
  return b;
}
