/*
 * input.js - mouse, wheel and keys: zoom, pan, scroll, select, ranges, collapsing tracks,
 * the help, the search box and the split between the timeline and the details. Only wires
 * events to the modules below it; nothing below calls it.
 */
'use strict';

// ---------------------------------------------------------------- input

/* this module's own state: a drag under way, the W A S D keys held, the mouse, the key
 * loop's frame, the search box's pending run */
const ui = { drag: null, keys: new Set(), mouse: { x: -1, y: -1 }, keyLoop: 0, searchTimer: 0 };

function zoomAt(x, factor) {
  const t = timeAt(x);
  view.k *= factor;
  clampView();
  view.t0 = t - (x - LABEL_W) / view.k;
  clampView();
  redraw();
}

canvas.addEventListener('mousedown', (e) => {
  const tr = state.tr;
  if (!tr || e.button !== 0) return;
  canvas.focus();
  const r = canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
  const mode = x < LABEL_W && y >= RULER_H ? 'label' : (e.shiftKey || y < RULER_H) ? 'range' : 'pan';
  ui.drag = { mode, x, y, t0: view.t0, sy: view.scrollY, moved: false, ta: timeAt(Math.max(x, LABEL_W)) };
  e.preventDefault();
});

window.addEventListener('mousemove', (e) => {
  const tr = state.tr, W = view.W;
  if (!tr) return;
  const r = canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
  ui.mouse = { x, y };
  const drag = ui.drag;
  if (drag && flame.on) return;   // the flame graph neither pans nor selects ranges
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
      state.range = { t0: Math.min(drag.ta, tb), t1: Math.max(drag.ta, tb) };
      redraw();
    }
    return;
  }
  if (e.target !== canvas) { hideTip(); return; }
  if (flame.on) { flameHover(x, y, e.clientX - $('main').getBoundingClientRect().left, e.clientY - $('main').getBoundingClientRect().top); return; }
  updateHover(x, y, e.clientX - $('main').getBoundingClientRect().left, e.clientY - $('main').getBoundingClientRect().top);
});

window.addEventListener('mouseup', (e) => {
  if (!ui.drag) return;
  const d = ui.drag;
  ui.drag = null;
  const r = canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
  if (d.mode === 'range' && d.moved && state.range && state.range.t1 > state.range.t0) { state.sel = null; showRange(); redraw(); return; }
  if (d.moved) return;
  if (flame.on) { flameClick(x, y); return; }
  const h = hitTest(x, y);
  if (d.mode === 'label' && h && h.kind === 'label') {
    const row = h.row;
    if (row.kind === 'proc') row.proc.collapsed = !row.proc.collapsed;
    else if (row.kind === 'thread' && row.th.fold) row.th.fold = 0;   // folded to fit: unfold
    else if (row.kind === 'thread' && row.th.maxDepth > 0) row.th.collapsed = !row.th.collapsed;
    hideTip();   // it told the state before the click
    layout(); clampView(); redraw();
    return;
  }
  if (h && h.kind === 'slice') { state.range = null; selectSlice(h.i, false); return; }
  if (h && h.kind === 'inst') { state.sel = { kind: 'inst', inst: h.inst, k: h.k }; showInstant(h.item, h.owner); redraw(); return; }
  if (d.mode === 'range' || (h && h.kind === 'ruler')) return;
  // a click on nothing clears the selection
  if (state.sel || state.range) { state.sel = null; state.range = null; hideDetails(); redraw(); }
});

canvas.addEventListener('dblclick', (e) => {
  const r = canvas.getBoundingClientRect();
  const h = hitTest(e.clientX - r.left, e.clientY - r.top);
  if (h && h.kind === 'slice') { selectSlice(h.i, false); revealSlice(h.i, true); redraw(); }
});

canvas.addEventListener('wheel', (e) => {
  const tr = state.tr, H = view.H;
  if (!tr) return;
  e.preventDefault();
  if (flame.on) return;
  const r = canvas.getBoundingClientRect(), x = e.clientX - r.left, y = e.clientY - r.top;
  const unit = e.deltaMode === 1 ? 33 : e.deltaMode === 2 ? H : 1;
  let dx = e.deltaX * unit, dy = e.deltaY * unit;
  if (e.shiftKey && !dx) { dx = 0; view.scrollY += dy; clampView(); redraw(); return; }
  if (x < LABEL_W && !e.ctrlKey) { view.scrollY += dy; clampView(); redraw(); return; }
  if (Math.abs(dx) > Math.abs(dy) && !e.ctrlKey) { view.t0 += dx / view.k; clampView(); redraw(); return; }
  zoomAt(Math.max(x, LABEL_W), Math.exp(-dy * (e.ctrlKey ? 0.01 : 0.0025)));
  hideTip();
}, { passive: false });
canvas.addEventListener('mouseleave', hideTip);

function inField(e) {
  const t = e.target;
  return t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA');
}

window.addEventListener('keydown', (e) => {
  const tr = state.tr, W = view.W, H = view.H;
  if (e.key === 'o' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $('file').click(); return; }
  if (!tr) return;
  if ((e.key === 'f' && (e.ctrlKey || e.metaKey)) || (e.key === '/' && !inField(e))) { e.preventDefault(); $('search').focus(); $('search').select(); return; }
  if (inField(e)) {
    if (e.target.id === 'search') {
      if (e.key === 'Enter') { e.preventDefault(); clearTimeout(ui.searchTimer); if (state.search.q !== $('search').value.trim().toLowerCase()) runSearch(); stepMatch(e.shiftKey ? -1 : 1); }
      else if (e.key === 'Escape') { $('search').value = ''; runSearch(); $('search').blur(); }
    }
    return;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const k = e.key.toLowerCase();
  if (k === '?') { toggleHelp(); return; }
  if (k === 'g') { toggleFlame(); return; }
  if (flame.on) {
    // the flame graph has its own few keys: 0 the whole, Esc back to the timeline
    if (k === '0' || k === 'home') flameHome();
    else if (k === 'escape') toggleFlame();
    return;
  }
  if (k === 'escape') {
    if (!$('help').hidden) { toggleHelp(); return; }
    state.sel = null; state.range = null; $('search').value = ''; runSearch();
    hideDetails();
    view.scrollY = 0; clampView();
    redraw();
    return;
  }
  if ('wasd'.includes(k) && k.length === 1) { ui.keys.add(k); startKeyLoop(); e.preventDefault(); return; }
  if (k === 'arrowup' || k === 'arrowdown' || k === 'pageup' || k === 'pagedown') {
    const step = k.startsWith('page') ? H - RULER_H - 40 : 40;
    view.scrollY += k === 'arrowup' || k === 'pageup' ? -step : step;
    clampView(); redraw(); e.preventDefault(); return;
  }
  if (k === 'arrowleft' || k === 'arrowright') { view.t0 += (k === 'arrowleft' ? -1 : 1) * (W - LABEL_W) * 0.1 / view.k; clampView(); redraw(); e.preventDefault(); return; }
  if (k === '0' || k === 'home') { fitAll(); view.scrollY = 0; clampView(); redraw(); return; }
  if (k === 'f') {
    if (state.sel && state.sel.kind === 'slice') { revealSlice(state.sel.i, true); redraw(); }
    else if (state.range) { const w = W - LABEL_W, sp = state.range.t1 - state.range.t0; view.k = w / (sp * 1.1); view.t0 = state.range.t0 - sp * 0.05; clampView(); redraw(); }
    return;
  }
  if (k === 'n') { stepMatch(e.shiftKey ? -1 : 1); return; }
  if (k === 'enter' && state.search.count) { stepMatch(e.shiftKey ? -1 : 1); }
});
window.addEventListener('keyup', (e) => ui.keys.delete(e.key.toLowerCase()));
window.addEventListener('blur', () => ui.keys.clear());

function startKeyLoop() {
  if (ui.keyLoop) return;
  let last = performance.now();
  const tick = (now) => {
    if (!ui.keys.size) { ui.keyLoop = 0; return; }
    const dt = Math.min(50, now - last) / 1000;
    last = now;
    const W = view.W, H = view.H, w = W - LABEL_W;
    const cx = ui.mouse.x >= LABEL_W && ui.mouse.x <= W && ui.mouse.y >= 0 && ui.mouse.y <= H ? ui.mouse.x : LABEL_W + w / 2;
    if (ui.keys.has('w')) zoomAt(cx, Math.exp(3.2 * dt));
    if (ui.keys.has('s')) zoomAt(cx, Math.exp(-3.2 * dt));
    if (ui.keys.has('a')) { view.t0 -= w * 0.9 * dt / view.k; clampView(); redraw(); }
    if (ui.keys.has('d')) { view.t0 += w * 0.9 * dt / view.k; clampView(); redraw(); }
    ui.keyLoop = requestAnimationFrame(tick);
  };
  ui.keyLoop = requestAnimationFrame(tick);
}

function toggleHelp() { $('help').hidden = !$('help').hidden; }
$('helpbtn').addEventListener('click', toggleHelp);
$('flamebtn').addEventListener('click', toggleFlame);
$('help').addEventListener('click', (e) => { if (e.target.id === 'help') toggleHelp(); });

// Enter, next and previous cancel a pending search: it would reset the position
$('search').addEventListener('input', () => { clearTimeout(ui.searchTimer); ui.searchTimer = setTimeout(runSearch, 120); });
$('next').addEventListener('click', () => { clearTimeout(ui.searchTimer); if (state.search.q !== $('search').value.trim().toLowerCase()) runSearch(); stepMatch(1); });
$('prev').addEventListener('click', () => { clearTimeout(ui.searchTimer); if (state.search.q !== $('search').value.trim().toLowerCase()) runSearch(); stepMatch(-1); });

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

// a click in the details: a caller in the chain, a column of the range table, a function
details.addEventListener('click', (e) => {
  const tr = state.tr;
  const a = e.target.closest('[data-slice]');
  if (a) { selectSlice(+a.dataset.slice, true); return; }
  const th = e.target.closest('th[data-col]');
  if (th && state.agg) {
    const c = th.dataset.col;
    if (state.agg.col === c) state.agg.asc = !state.agg.asc; else { state.agg.col = c; state.agg.asc = c === 'name'; }
    renderAgg();
  }
  const fn = e.target.closest('[data-fn]');
  if (fn) { $('search').value = tr.fnName[+fn.dataset.fn]; runSearch(); }
});
