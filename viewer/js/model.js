/*
 * model.js - the trace model: finish() turns a Builder into columns sorted by thread, then
 * depth, then start (each depth of each thread one run whose slices do not overlap, so both
 * their starts and their ends are sorted and the visible part is a binary search), with
 * processes, threads, markers, counters and flows as tracks; and the searches on those
 * columns. Calls util.js (and reads a Builder).
 */
'use strict';

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
    tMin, tMax, shift, ignored: B.ignored, sources: B.sources,
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
