/*
 * state.js - the viewer's shared state: the sizes of the tracks, the canvas, what is
 * loaded and selected (`state`), what part of it is on screen (`view`), and `api`
 * (window.vt), which the tests and the benchmark read. Calls util.js.
 */
'use strict';

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
let search = { q: '', mask: null, count: 0, list: null, starts: null, cur: -1 };
let dirty = false;
const api = window.vt = {
  ready: false, error: null, loadMs: 0, lastDrawMs: 0, drawCount: 0,
  stats: null, view, redrawNow: () => draw(),
};
