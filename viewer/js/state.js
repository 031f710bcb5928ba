/*
 * state.js - the viewer's shared state: the sizes of the tracks, the canvas, what is
 * loaded and selected (`state`), what part of it is on screen (`view`), and `api`
 * (window.vt), which the tests and the benchmark read. Calls util.js.
 */
'use strict';

// ---------------------------------------------------------------- sizes

const RULER_H = 30, LABEL_W = 250, ROW_H = 18, PROC_H = 28, PAD = 4, INST_H = 12, CTR_H = 44;
const FONT = '12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';
const FONT_B = '600 12px system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif';

// ---------------------------------------------------------------- shared state

const canvas = $('canvas'), ctx = canvas.getContext('2d', { alpha: false });

/* what is on screen: x = LABEL_W + (t - t0) * k (k: px per ns), the tracks scrolled up by
 * scrollY; the canvas is W x H CSS pixels of dpr device pixels (render.js's resize()) */
const view = { t0: 0, k: 1, scrollY: 0, W: 0, H: 0, dpr: 1 };

/* what is loaded and selected */
const state = {
  tr: null,              // the trace model (model.js's finish()); null until one is open
  rows: [], totalH: 0,   // the tracks as rows, and their height (layout.js's layout())
  sel: null,             // {kind:'slice', i} | {kind:'inst', inst, k} | null
  pinned: null,          // the process header drawn at the top: {row, y} (render.js)
  altDraw: null,         // a view drawn in the timeline's place (flame.js's), or null
  range: null,           // the selected time range {t0, t1} | null
  search: noSearch(),    // search.js's matches
  agg: null,             // the range table (panels.js): {r, col, asc, ms} | null
};
function noSearch() { return { q: '', mask: null, count: 0, list: null, starts: null, cur: -1 }; }

/* window.vt: what the tests and the benchmark read (hooks.js adds its functions) */
const api = window.vt = {
  ready: false, error: null, loadMs: 0, lastDrawMs: 0, drawCount: 0,
  stats: null, view,
};
