/*
 * flame.js - the flame graph: every call of a scope merged by its stack (speedscope's
 * "left heavy"): a frame's width is the time spent in it and under it, children sorted
 * by that time. The scope is the selected range (all threads), else the thread of the
 * selected call, else the whole trace. G (or the Flame button) toggles it; a click zooms
 * into a frame; 0 goes back to the whole; the search box marks matching frames.
 * It draws in the timeline's place through state.altDraw. Calls util.js … search.js.
 */
'use strict';

const flame = { on: false, root: null, focus: null, scope: '', hit: [] };

// node: {fn, total, self, count, kids: Map(fn -> node), list: sorted kids, parent}
function flameNode(fn, parent) { return { fn, total: 0, self: 0, count: 0, kids: new Map(), list: null, parent }; }

function buildFlame() {
  const tr = state.tr, S = tr.start, D = tr.dur, F = tr.fn, P = tr.parent;
  const r = state.range, t0 = r ? r.t0 : -Infinity, t1 = r ? r.t1 : Infinity;
  const selTh = !r && state.sel && state.sel.kind === 'slice' ? threadOf(tr, state.sel.i) : null;
  const threads = selTh ? [selTh] : tr.threads;
  const root = flameNode(-1, null), nodeOf = new Array(tr.n);
  for (const th of threads) {
    // a thread's calls are stored level by level, so a parent comes before its children
    for (let i = th.a; i < th.b; i++) {
      const w = Math.min(S[i] + D[i], t1) - Math.max(S[i], t0);
      if (!(w > 0) && !(D[i] === 0 && S[i] >= t0 && S[i] <= t1)) continue;
      const up = P[i] >= 0 ? nodeOf[P[i]] : root;
      if (!up) continue;
      let n = up.kids.get(F[i]);
      if (!n) { n = flameNode(F[i], up); up.kids.set(F[i], n); }
      n.total += Math.max(w, 0); n.count++;
      nodeOf[i] = n;
    }
  }
  // children before parents, without recursion (a stack can be 100 000 deep)
  const order = [], st = [root];
  while (st.length) { const n = st.pop(); order.push(n); n.list = [...n.kids.values()]; for (const c of n.list) st.push(c); }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    n.list.sort((a, b) => b.total - a.total);
    let kids = 0;
    for (const c of n.list) kids += c.total;
    if (n.fn < 0) n.total = kids;
    n.self = Math.max(0, n.total - kids);
  }
  flame.root = flame.focus = root;
  flame.scope = r ? 'the range ' + fmtDur(r.t1 - r.t0) + ', all threads' : selTh ? 'thread ' + selTh.name + ' (tid ' + selTh.tidLabel + ')' : 'the whole trace, all threads';
}

function toggleFlame() {
  if (!state.tr) return;
  flame.on = !flame.on;
  if (flame.on) buildFlame();
  state.altDraw = flame.on ? drawFlame : null;
  $('flamebtn').classList.toggle('on', flame.on);
  hideTip();
  redraw();
}

function drawFlame() {
  const tr = state.tr, W = view.W, H = view.H, f = flame.focus;
  ctx.fillStyle = '#ffffff'; ctx.fillRect(0, 0, W, H);
  ctx.font = FONT; ctx.textBaseline = 'middle';
  // the header: scope and place, on the ruler's band
  ctx.fillStyle = '#f3f5f8'; ctx.fillRect(0, 0, W, RULER_H);
  ctx.fillStyle = '#17202b';
  const path = [];
  for (let n = f; n && n.fn >= 0; n = n.parent) path.unshift(tr.fnName[n.fn]);
  ctx.fillText(clipText('Flame graph of ' + flame.scope + ' \u00b7 ' + fmtDur(f.total) + (path.length ? ' in ' + path.join(' \u203a ') : '') +
    ' \u00b7 click a frame to zoom, 0 for the whole, G for the timeline', W - 20), 10, RULER_H / 2);
  flame.hit = [];
  if (!(f.total > 0)) return;
  const q = state.search.q, mask = state.search.mask;
  const k = (W - 2) / f.total;
  // the focus's callers as full-width rows above it, then its tree
  let y = RULER_H + 4;
  for (const name of path.slice(0, -1)) {
    ctx.fillStyle = '#e4e8ee'; ctx.fillRect(1, y, W - 2, ROW_H - 1);
    ctx.fillStyle = '#5f6b7a'; ctx.fillText(clipText(name, W - 12), 6, y + ROW_H / 2);
    y += ROW_H;
  }
  const stack = [[f, 1, y]];
  while (stack.length) {
    const [n, x, yy] = stack.pop();
    if (yy > H) continue;
    const w = n.total * k;
    if (n.fn >= 0) {
      const hit = q && mask && mask[n.fn];
      ctx.fillStyle = hit ? '#f5c518' : tr.fnColor[n.fn];
      ctx.fillRect(x, yy, Math.max(w - 1, 0.5), ROW_H - 1);
      if (w > 30) { ctx.fillStyle = '#17202b'; const t = textFit(tr.fnName[n.fn], n.fn, w - 8); if (t) ctx.fillText(t, x + 4, yy + ROW_H / 2); }
      flame.hit.push({ n, x, y: yy, w });
    }
    let cx = x;
    const ny = n.fn >= 0 ? yy + ROW_H : yy;
    for (const c of n.list) {
      const cw = c.total * k;
      if (cw >= 0.5) stack.push([c, cx, ny]);
      cx += cw;
    }
  }
}

function flameAt(x, y) {
  for (const h of flame.hit) if (x >= h.x && x < h.x + h.w && y >= h.y && y < h.y + ROW_H - 1) return h.n;
  return null;
}

function flameTip(n) {
  const tr = state.tr, all = flame.root.total;
  return '<b>' + escapeHtml(tr.fnName[n.fn]) + '</b> <span class="dim">' + fmtDur(n.total) + ' (' + (all ? (100 * n.total / all).toFixed(1) : '0') + '%), self ' +
    fmtDur(n.self) + ', ' + fmtNum(n.count) + ' call' + (n.count === 1 ? '' : 's') + '</span>' + (tr.fnLoc[n.fn] ? '<br><span class="dim">' + escapeHtml(tr.fnLoc[n.fn]) + '</span>' : '');
}

function flameHover(x, y, mx, my) {
  const n = flameAt(x, y);
  canvas.style.cursor = n ? 'pointer' : 'default';
  if (!n) { hideTip(); return; }
  placeTip(flameTip(n), mx, my);
}

function flameClick(x, y) {
  const n = flameAt(x, y);
  if (n) { flame.focus = n; hideTip(); redraw(); }
}

function flameHome() { flame.focus = flame.root; redraw(); }
