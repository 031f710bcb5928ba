/*
 * hooks.js - window.vt's functions for the tests and the benchmark (tests/viewer/): find,
 * select and reveal a slice, set the view, search, aggregate, time redraws. Calls
 * everything below it.
 */
'use strict';

// ---------------------------------------------------------------- hooks for tests and benchmarks

api.redrawNow = () => draw();
api.find = (name, nth) => {
  const tr = state.tr;
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
  const tr = state.tr, W = view.W;
  const th = threadOf(tr, i), d = depthOf(tr, th, i);
  const row = state.rows.find((r) => r.kind === 'thread' && r.th === th);
  const canvasBox = canvas.getBoundingClientRect();
  const x0 = Math.max(LABEL_W, xAt(tr.start[i])), x1 = Math.min(W, xAt(tr.start[i] + tr.dur[i]));
  return {
    i, name: tr.fnName[tr.fn[i]], start: tr.start[i], dur: tr.dur[i], depth: d,
    x: canvasBox.left + (x0 + x1) / 2, y: row ? canvasBox.top + rowTop(row) + PAD + row.ih + d * ROW_H + ROW_H / 2 : null,
    visible: !!row && x1 > x0,
  };
};
api.counterInk = () => {
  const W = view.W, H = view.H, dpr = view.dpr;
  // per counter track: its name, samples, and how many pixels of its plot are teal (drawn)
  draw();
  return state.rows.filter((r) => r.kind === 'counter').map((r) => {
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
api.tracks = () => ({
  // the rows as laid out now: where each is on the canvas, and the view's height
  height: view.H, scrollY: view.scrollY, details: !$('details').hidden,
  pinned: state.pinned ? { name: state.pinned.row.proc.name, y: state.pinned.y } : null,
  rows: state.rows.map((r) => ({ kind: r.kind, top: rowTop(r), h: r.h, name: r.th ? r.th.name : r.proc ? r.proc.name : null,
    depth: r.th ? r.th.maxDepth + 1 : 0, fold: r.th ? r.th.fold || 0 : 0, nrows: r.nrows || 0 })),
});
api.flame = (name) => {
  // the flame graph now: on or not, its scope, the focus, the total, and for @name the
  // calls merged into its frames and their time
  if (!flame.root) return { on: flame.on };
  if (flame.on) draw();   // redraw() waits for a frame: the frames on screen now
  let count = 0, time = 0, kids = 0;
  const st = [flame.root];
  while (st.length) {
    const n = st.pop();
    if (n.fn >= 0 && state.tr.fnName[n.fn] === name) { count += n.count; time += n.total; }
    for (const c of n.list) st.push(c);
  }
  for (const c of flame.root.list) kids += c.total;
  const f = flame.focus;
  return { on: flame.on, scope: flame.scope, total: flame.root.total, kids, count, time,
    focus: f.fn >= 0 ? state.tr.fnName[f.fn] : null, frames: flame.hit.length,
    widest: flame.hit.filter((h) => h.n.parent === flame.focus || (flame.focus.fn < 0 && h.n.parent === flame.root)).sort((a, b) => b.w - a.w).slice(0, 1).map((h) => ({ name: state.tr.fnName[h.n.fn], x: h.x + h.w / 2, y: h.y + ROW_H / 2 }))[0] || null };
};
api.counterSeries = () => state.tr.procs.flatMap((p) => p.counters.map((c) => ({ pid: p.pid, name: c.name, val: Array.from(c.val) })));
api.reveal = (i, zoom) => { revealSlice(i, !!zoom); draw(); return api.where(i); };
api.select = (i) => selectSlice(i, true);
api.setView = (t0, nsPerPx) => { view.t0 = t0; view.k = 1 / nsPerPx; clampView(); draw(); };
api.fit = () => { fitAll(); draw(); };
api.search = () => state.search;
api.runSearch = (q) => { $('search').value = q; const t = performance.now(); runSearch(); return performance.now() - t; };
api.aggregate = (t0, t1) => aggregate(t0, t1).n;
api.timeline = () => ({ t0: view.t0, t1: timeAt(view.W), width: view.W, labelW: LABEL_W, rulerH: RULER_H, tMin: state.tr.tMin, tMax: state.tr.tMax });
api.benchRedraw = (steps) => {
  const W = view.W;
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
