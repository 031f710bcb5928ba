/*
 * layout.js - the tracks as rows on the canvas: time <-> x, zoom limits, the rows'
 * heights, which row or slice is under a point, and moving the view to show a slice.
 * Changes the view but never draws. Calls util.js, model.js, state.js.
 */
'use strict';

function timeAt(x) { return view.t0 + (x - LABEL_W) / view.k; }
function xAt(t) { return LABEL_W + (t - view.t0) * view.k; }

function clampView() {
  const tr = state.tr, W = view.W, H = view.H;
  const span = Math.max(tr.tMax - tr.tMin, 1000);
  const w = Math.max(W - LABEL_W, 10);
  const kMin = w / (span * 1.1), kMax = 200;   // 200 px per ns at most
  if (view.k < kMin) view.k = kMin;
  if (view.k > kMax) view.k = kMax;
  const visible = w / view.k;
  const lo = tr.tMin - span * 0.05, hi = tr.tMax + span * 0.05;
  if (visible >= hi - lo) view.t0 = lo - (visible - (hi - lo)) / 2;
  else view.t0 = Math.min(Math.max(view.t0, lo), hi - visible);
  const maxScroll = Math.max(0, state.totalH - (H - RULER_H) + 40);
  view.scrollY = Math.min(Math.max(0, view.scrollY), maxScroll);
}

function fitAll() {
  const tr = state.tr, W = view.W;
  const span = Math.max(tr.tMax - tr.tMin, 1000);
  const w = Math.max(W - LABEL_W, 10);
  view.k = w / (span * 1.04);
  view.t0 = tr.tMin - span * 0.02;
  clampView();
}

// the first screen shows every process and thread: when they do not fit, each thread
// deeper than some number of levels shows only that many (folded: a click on its name
// unfolds it), the most that lets all of them fit
function foldToFit() {
  const tr = state.tr, avail = view.H - RULER_H - 8;
  let fixed = tr.globalInst ? INST_H + 8 : 0;
  const ths = [];
  for (const p of tr.procs) {
    fixed += PROC_H + p.counters.length * CTR_H;
    for (const th of p.threads) { th.fold = 0; fixed += 2 * PAD + (th.inst ? INST_H : 0); ths.push(th); }
  }
  const need = (c) => fixed + ROW_H * ths.reduce((a, th) => a + Math.min(th.maxDepth + 1, c), 0);
  let hi = ths.reduce((a, th) => Math.max(a, th.maxDepth + 1), 1);
  if (need(hi) <= avail) return;
  let lo = 1;   // the most levels that fit (at least one)
  while (lo < hi) { const m = (lo + hi + 1) >> 1; if (need(m) <= avail) lo = m; else hi = m - 1; }
  for (const th of ths) if (th.maxDepth + 1 > lo) th.fold = lo;
}

function layout() {
  const tr = state.tr, rows = state.rows = [];
  let y = 0;
  if (tr.globalInst) { rows.push({ kind: 'global', y, h: INST_H + 8 }); y += INST_H + 8; }
  for (const p of tr.procs) {
    rows.push({ kind: 'proc', y, h: PROC_H, proc: p });
    y += PROC_H;
    if (p.collapsed) continue;
    for (const c of p.counters) { rows.push({ kind: 'counter', y, h: CTR_H, ctr: c, proc: p }); y += CTR_H; }
    for (const th of p.threads) {
      const ih = th.inst ? INST_H : 0;
      const nrows = th.collapsed ? Math.min(1, th.maxDepth + 1) : th.fold || th.maxDepth + 1;
      const h = PAD + ih + Math.max(1, nrows) * ROW_H + PAD;
      rows.push({ kind: 'thread', y, h, th, proc: p, ih, nrows });
      y += h;
    }
  }
  state.totalH = y;
}

function rowAtY(y) {
  const yy = y - RULER_H + view.scrollY;
  const rows = state.rows;
  let lo = 0, hi = rows.length - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1, r = rows[m];
    if (yy < r.y) hi = m - 1; else if (yy >= r.y + r.h) lo = m + 1; else return r;
  }
  return null;
}
function rowTop(r) { return RULER_H + r.y - view.scrollY; }

function revealSlice(i, zoom) {
  const tr = state.tr, W = view.W, H = view.H;
  const th = threadOf(tr, i);
  let changed = false;
  if (th.proc.collapsed) { th.proc.collapsed = false; changed = true; }
  const d = depthOf(tr, th, i);
  if (th.collapsed && d > 0) { th.collapsed = false; changed = true; }
  if (th.fold && d >= th.fold) { th.fold = 0; changed = true; }
  if (changed) layout();
  const s = tr.start[i], e = s + tr.dur[i], w = W - LABEL_W;
  if (zoom || (e - s) * view.k > w * 0.9) {
    const span = Math.max(e - s, 50);
    view.k = w / (span * 1.25);
    view.t0 = s - span * 0.125;
  } else if (xAt(s) < LABEL_W + 20 || xAt(e) > W - 20) {
    view.t0 = (s + e) / 2 - w / 2 / view.k;
  }
  const row = state.rows.find((r) => r.kind === 'thread' && r.th === th);
  const y = row.y + PAD + row.ih + d * ROW_H;
  const vh = H - RULER_H;
  if (y < view.scrollY + 10 || y + ROW_H > view.scrollY + vh - 10) view.scrollY = y - vh / 3;
  clampView();
}

// ---------------------------------------------------------------- hit testing

function hitTest(x, y) {
  const tr = state.tr;
  if (y < RULER_H) return { kind: 'ruler' };
  const row = rowAtY(y);
  if (!row) return null;
  const pin = state.pinned;
  if (x < LABEL_W && pin && y >= pin.y && y < pin.y + pin.row.h) return { kind: 'label', row: pin.row };
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
