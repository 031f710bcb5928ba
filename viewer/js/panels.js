/*
 * panels.js - what is shown beside the timeline: the details of a slice or a marker, the
 * table of a time range (totals per function), the tooltip, and selecting a slice.
 * Calls util.js, model.js, state.js, layout.js, render.js.
 */
'use strict';

// ---------------------------------------------------------------- details pane

const details = $('detailsbody');

function sliceArgs(i) {
  const tr = state.tr;
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
  const tr = state.tr;
  const f = tr.fn[i];
  if (tr.fnLoc[f]) return tr.fnLoc[f];
  const a = tr.kind === 'json' ? sliceArgs(i) : null;
  return a && typeof a === 'object' && typeof a.file === 'string' ? a.file : null;
}

function selfTime(i, th, d) {
  const tr = state.tr;
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
  const tr = state.tr;
  if (d + 1 > th.maxDepth) return 0;
  const S = tr.start, a = th.levels[d + 1], b = th.levels[d + 2];
  const s = S[i], e = s + tr.dur[i];
  let n = 0;
  for (let j = firstStartAtOrAfter(S, a, b, s); j < b && S[j] < e; j++) if (tr.parent[j] === i) n++;
  return n;
}

// the source around @loc ("file:line") when vt-convert put the file in the page: the
// function's first line marked, the lines after it to read its body
function sourceBlock(loc) {
  const src = state.tr.sources, m = loc && /^(.*):(\d+)$/.exec(loc);
  if (!src || !m || !src.has(m[1])) return '';
  const e = src.get(m[1]), line = Number(m[2]);
  let html = '<div><div class="hint">Source <span class="mono">' + escapeHtml(m[1].split('/').pop()) + '</span></div>';
  if (e.why !== undefined) return html + '<div class="hint" id="d-src">(not in this page: ' + escapeHtml(e.why) + ')</div></div>';
  const lines = e.text.split('\n');
  if (line < 1 || line > lines.length) return html + '<div class="hint" id="d-src">(line ' + line + ' is past the end of the file: changed since the trace?)</div></div>';
  const from = Math.max(1, line - 2), to = Math.min(lines.length, line + 40), w = String(to).length;
  html += '<pre class="src" id="d-src">';
  for (let k = from; k <= to; k++) {
    const ln = '<span class="ln">' + String(k).padStart(w) + '</span> ' + escapeHtml(lines[k - 1]);
    html += k === line ? '<span class="hl" data-line="' + k + '">' + ln + '</span>\n' : ln + '\n';
  }
  return html + '</pre></div>';
}

// the details pane is there only while it has something to show
function showDetails() {
  if (!$('details').hidden) return;
  $('details').hidden = false; $('split').hidden = false;
  if (state.tr) resize();
}
function hideDetails() {
  if ($('details').hidden) return;
  $('details').hidden = true; $('split').hidden = true;
  details.innerHTML = '';
  if (state.tr) resize();
}

function showSlice(i) {
  const tr = state.tr;
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
  html += sourceBlock(loc); // beside the chain: the arguments wrap below it when both are wide
  html += '<div><div class="hint">Arguments</div>' + (args ? '<pre class="args" id="d-args">' + escapeHtml(JSON.stringify(args, null, 2)) + '</pre>' : '<div class="hint" id="d-args">(none recorded)</div>') + '</div>';
  html += '</div>';
  showDetails();
  details.innerHTML = html;
}

function showInstant(it, owner) {
  let html = '<h3><span class="swatch" style="background:#2563c9"></span><span id="d-name">' + escapeHtml(it.name) + '</span><span class="sub">marker</span></h3><table class="kv">';
  html += '<tr><td>Time</td><td class="v">' + fmtTimeExact(it.ts) + '</td></tr>';
  if (owner && owner.tid !== undefined) html += '<tr><td>Thread</td><td class="v">' + escapeHtml(owner.name) + ' <span class="hint">tid ' + escapeHtml(owner.tidLabel) + '</span></td></tr>';
  if (owner) html += '<tr><td>Process</td><td class="v">' + escapeHtml(shortCmd((owner.proc || owner).name)) + ' <span class="hint">pid ' + escapeHtml((owner.proc || owner).pid) + '</span></td></tr>';
  if (it.args) html += '<tr><td>Arguments</td><td><pre class="args">' + escapeHtml(it.args) + '</pre></td></tr>';
  html += '</table>';
  showDetails();
  details.innerHTML = html;
}

function selectSlice(i, reveal) {
  state.sel = { kind: 'slice', i };
  if (reveal) revealSlice(i, false);
  showSlice(i);
  redraw();
}

// ---------------------------------------------------------------- aggregate over a range

function aggregate(t0, t1) {
  const tr = state.tr;
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
  if (!state.range) return;
  const t = performance.now();
  const r = aggregate(state.range.t0, state.range.t1);
  state.agg = { r, col: state.agg ? state.agg.col : 'total', asc: state.agg ? state.agg.asc : false, ms: performance.now() - t };
  renderAgg();
}

function renderAgg() {
  const tr = state.tr;
  const { r, col, asc } = state.agg;
  const key = col;
  r.list.sort((a, b) => {
    const x = a[key], y = b[key];
    const c = key === 'name' ? (x < y ? -1 : x > y ? 1 : 0) : x - y;
    return asc ? c : -c;
  });
  const head = (c, t) => '<th data-col="' + c + '" class="' + (col === c ? 'on' + (asc ? ' asc' : '') : '') + '">' + t + '</th>';
  let html = '<h3>Range ' + fmtTimeExact(state.range.t0) + ' \u2013 ' + fmtTimeExact(state.range.t1) +
    ' <span class="sub">' + fmtDur(state.range.t1 - state.range.t0) + ' \u00b7 ' + fmtNum(r.n) + ' calls in ' + r.threads + ' thread' + (r.threads === 1 ? '' : 's') +
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
  showDetails();
  details.innerHTML = html;
}

// ---------------------------------------------------------------- the tooltip

function updateHover(x, y, mx, my) {
  const tr = state.tr;
  const h = hitTest(x, y);
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
  else if (h && h.kind === 'label') html = labelTip(h.row);
  if (!html) { hideTip(); return; }
  placeTip(html, mx, my);
}

function placeTip(html, mx, my) {
  const tip = $('tip'), W = view.W, H = view.H;
  tip.innerHTML = html;
  tip.hidden = false;
  const tw = tip.offsetWidth, th = tip.offsetHeight;
  let left = mx + 14, top = my + 16;
  if (left + tw > W - 4) left = Math.max(4, mx - tw - 10);
  if (top + th > H - 4) top = my - th - 10;
  tip.style.left = left + 'px'; tip.style.top = top + 'px';
}
function hideTip() { $('tip').hidden = true; }


// a track's whole name, which its label may cut: the command line, the thread and its state
function labelTip(row) {
  if (row.kind === 'proc') {
    const p = row.proc;
    return '<b class="tipname">' + escapeHtml(p.name || 'pid ' + p.pid) + '</b><br><span class="dim">' + escapeHtml(p.label || 'pid ' + p.pid) + '</span>';
  }
  if (row.kind === 'thread') {
    const th = row.th;
    const state = th.collapsed ? 'collapsed: click to expand' : th.fold ? th.fold + ' of ' + (th.maxDepth + 1) + ' levels shown: click to unfold' : 'depth ' + (th.maxDepth + 1);
    return '<b class="tipname">' + escapeHtml(th.name) + '</b> <span class="dim">tid ' + escapeHtml(th.tidLabel) + '</span><br><span class="dim">' +
      escapeHtml(shortCmd(th.proc.name || '')) + ' \u00b7 ' + fmtNum(th.b - th.a) + ' calls \u00b7 ' + state + '</span>';
  }
  if (row.kind === 'counter') return '<b class="tipname">' + escapeHtml(row.ctr.name) + '</b>';
  return null;
}
