/*
 * render.js - drawing the canvas: the grid, the flame chart of each thread (anything
 * narrower than a pixel merged, jumping past it with a binary search, so a redraw costs
 * O(pixels x depth x log n) whatever the trace size), markers, counters, flows, the labels
 * column and the time ruler. Reads state and view; calls util.js, model.js, state.js,
 * layout.js.
 */
'use strict';

// ---------------------------------------------------------------- drawing

let dirty = false;   // a frame is requested

function redraw() {
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(() => { dirty = false; draw(); });
}

function resize() {
  const m = $('main');
  const dpr = view.dpr = window.devicePixelRatio || 1;
  const W = view.W = m.clientWidth, H = view.H = m.clientHeight;
  canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
  canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
  if (state.tr) { clampView(); draw(); }
}

function niceStep(minNs) {
  const p = Math.pow(10, Math.floor(Math.log10(minNs)));
  for (const m of [1, 2, 5, 10]) if (m * p >= minNs) return m * p;
  return 10 * p;
}

function unitFor(step) {
  if (step >= 1e9) return [1e9, 's'];
  if (step >= 1e6) return [1e6, 'ms'];
  if (step >= 1e3) return [1e3, '\u00b5s'];
  return [1, 'ns'];
}

function fmtTick(t, step, mag) {
  const [u, name] = unitFor(Math.max(step, mag || 0));
  const dec = Math.max(0, Math.ceil(-Math.log10(step / u) - 1e-9));
  return (t / u).toFixed(Math.min(dec, 9)) + ' ' + name;
}

function draw() {
  const tr = state.tr, rows = state.rows, W = view.W, H = view.H, dpr = view.dpr;
  if (!tr) return;
  const t0 = performance.now();
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (state.altDraw) { state.altDraw(); api.lastDrawMs = performance.now() - t0; api.drawCount++; return; }
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  ctx.font = FONT;
  ctx.textBaseline = 'middle';

  // grid
  const step = niceStep(90 / view.k);
  const tL = timeAt(LABEL_W), tR = timeAt(W);
  const firstTick = Math.ceil(tL / step) * step;
  ctx.fillStyle = '#eef1f4';
  for (let t = firstTick; t <= tR; t += step) ctx.fillRect(Math.round(xAt(t)), RULER_H, 1, H - RULER_H);

  // tracks
  const yTop = view.scrollY, yBot = view.scrollY + H - RULER_H;
  let ri = 0;
  while (ri < rows.length && rows[ri].y + rows[ri].h <= yTop) ri++;
  ctx.save();
  ctx.beginPath(); ctx.rect(LABEL_W, RULER_H, W - LABEL_W, H - RULER_H); ctx.clip();
  const visRows = [];
  for (let r = ri; r < rows.length && rows[r].y < yBot; r++) {
    const row = rows[r], y = rowTop(row);
    visRows.push(row);
    if (row.kind === 'proc') {
      ctx.fillStyle = '#f3f5f8'; ctx.fillRect(LABEL_W, y, W - LABEL_W, row.h);
      ctx.fillStyle = '#dde2e8'; ctx.fillRect(LABEL_W, y, W - LABEL_W, 1);
      if (row.proc.inst) drawInstants(row.proc.inst, y + 8, true);
    } else if (row.kind === 'thread') {
      drawThread(row, y);
    } else if (row.kind === 'counter') {
      drawCounter(row, y);
    } else if (row.kind === 'global') {
      drawInstants(tr.globalInst, y + 4, false);
    }
  }
  drawFlows();
  // the selected range
  if (state.range) {
    const a = xAt(state.range.t0), b = xAt(state.range.t1);
    ctx.fillStyle = 'rgba(37, 99, 201, 0.10)';
    ctx.fillRect(a, RULER_H, b - a, H - RULER_H);
    ctx.fillStyle = 'rgba(37, 99, 201, 0.8)';
    ctx.fillRect(Math.round(a), RULER_H, 1, H - RULER_H);
    ctx.fillRect(Math.round(b), RULER_H, 1, H - RULER_H);
  }
  ctx.restore();

  // labels column
  ctx.fillStyle = '#fafbfc';
  ctx.fillRect(0, RULER_H, LABEL_W, H - RULER_H);
  ctx.save();
  ctx.beginPath(); ctx.rect(0, RULER_H, LABEL_W, H - RULER_H); ctx.clip();
  for (const row of visRows) drawLabel(row, rowTop(row));
  // the header of the process whose tracks fill the top stays pinned there, pushed up by
  // the next process's header as it comes
  state.pinned = null;
  const first = visRows[0];
  if (first && first.kind !== 'proc' && first.proc) {
    const head = rows.find((r) => r.kind === 'proc' && r.proc === first.proc);
    const next = visRows.find((r) => r.kind === 'proc' && r.proc !== first.proc);
    const y = next ? Math.min(RULER_H, rowTop(next) - head.h) : RULER_H;
    drawLabel(head, y);
    ctx.fillStyle = '#d5dbe3'; ctx.fillRect(0, y + head.h - 1, LABEL_W, 1);
    state.pinned = { row: head, y };
  }
  ctx.restore();
  ctx.fillStyle = '#d5dbe3';
  ctx.fillRect(LABEL_W - 1, RULER_H, 1, H - RULER_H);

  drawRuler(step, firstTick, tR);
  api.lastDrawMs = performance.now() - t0;
  api.drawCount++;
}

function textFit(s, f, avail) {
  const tr = state.tr;
  // fit a label in avail px: full, or cut with an ellipsis
  let w = tr.fnTextW[f];
  if (w < 0) { w = ctx.measureText(s).width; tr.fnTextW[f] = w; }
  if (w <= avail) return s;
  const ell = 10;
  let n = Math.floor(s.length * (avail - ell) / w);
  if (n < 2) return null;
  let t = s.slice(0, n) + '\u2026';
  // the estimate assumes an even width: correct it when it overflows
  while (n > 1 && ctx.measureText(t).width > avail) { n--; t = s.slice(0, n) + '\u2026'; }
  return n > 1 ? t : null;
}

function drawThread(row, y) {
  const tr = state.tr, W = view.W, H = view.H;
  const th = row.th, S = tr.start, D = tr.dur, F = tr.fn, G = tr.flags;
  const k = view.k, t0 = view.t0, XL = LABEL_W, XR = W;
  const top = y + PAD + row.ih;
  const tL = timeAt(XL), tR = timeAt(XR);
  const mask = state.search.mask;
  if (th.inst) drawInstants(th.inst, y + PAD + 1, false);
  const dFirst = Math.max(0, Math.floor((RULER_H - top) / ROW_H));
  const dLast = Math.min(row.nrows - 1, Math.floor((H - top) / ROW_H));
  const selI = state.sel && state.sel.kind === 'slice' ? state.sel.i : -1;
  let selBox = null;
  for (let d = dFirst; d <= dLast; d++) {
    const a = th.levels[d], b = th.levels[d + 1];
    const yy = top + d * ROW_H, hh = ROW_H - 1;
    let i = firstEndAfter(S, D, a, b, tL);
    let mx0 = -1, mx1 = -1, mcol = null;
    const flush = () => {
      if (mcol !== null) { ctx.fillStyle = mcol; ctx.fillRect(mx0, yy, mx1 - mx0, hh); mcol = null; }
    };
    while (i < b) {
      const s = S[i];
      if (s > tR) break;
      const e = s + D[i];
      const x0 = XL + (s - t0) * k, x1 = XL + (e - t0) * k;
      const f = F[i];
      if (x1 - x0 >= 1) {
        flush();
        const cx0 = Math.max(x0, XL - 2), cx1 = Math.min(x1, XR + 2), w = cx1 - cx0;
        const dim = mask !== null && !mask[f];
        ctx.fillStyle = dim ? tr.fnDim[f] : tr.fnColor[f];
        ctx.fillRect(cx0, yy, w, hh);
        const fl = G[i];
        if (fl & 6) {
          if (fl & 2) { ctx.fillStyle = '#d93025'; ctx.fillRect(cx0, yy + hh - 2, w, 2); }
          if ((fl & 4) && x1 <= XR + 2) {
            ctx.fillStyle = '#8a94a3';
            for (let hx = Math.max(cx0, x1 - 8); hx < x1; hx += 3) ctx.fillRect(hx, yy, 1, hh);
          }
        }
        if (w > 26) {
          const label = textFit(tr.fnName[f], f, w - 8);
          if (label) {
            ctx.fillStyle = dim ? '#9aa3ad' : '#17202b';
            ctx.fillText(label, cx0 + 4, yy + hh / 2 + 0.5);
          }
        }
        if (i === selI) selBox = [x0, yy, x1 - x0, hh];
        i++;
        continue;
      }
      // narrower than a pixel: merge everything up to the next pixel boundary
      const px0 = Math.floor(x0);
      let xe = x1, j;
      for (;;) {
        const bx = Math.floor(xe) + 1;
        const tB = t0 + (bx - XL) / k;
        j = firstStartAtOrAfter(S, i + 1, b, tB);
        const last = j - 1;
        if (last > i) {
          const ls = S[last], le = ls + D[last];
          const lx1 = XL + (le - t0) * k;
          if (lx1 > bx) {
            if (lx1 - (XL + (ls - t0) * k) >= 1) { j = last; xe = bx; break; }
            xe = lx1; i = last; continue;
          }
        }
        xe = bx;
        break;
      }
      if (selI >= i && selI < j) selBox = [XL + (S[selI] - t0) * k, yy, Math.max(1, D[selI] * k), hh];
      const col = mask !== null && !mask[f] ? tr.fnDim[f] : tr.fnColor[f];
      if (mcol === col && px0 <= mx1) mx1 = xe;
      else { flush(); mx0 = px0; mx1 = xe; mcol = col; }
      i = j;
    }
    flush();
  }
  if (selBox) {
    ctx.strokeStyle = '#10161f'; ctx.lineWidth = 2;
    const [x, yy, w, h] = selBox;
    ctx.strokeRect(Math.max(x, XL - 3) - 1, yy - 1, Math.min(w, XR - x + 6) + 2, h + 2);
    ctx.lineWidth = 1;
  }
  ctx.fillStyle = '#e6eaef';
  ctx.fillRect(XL, y + row.h - 1, XR - XL, 1);
}

function drawInstants(inst, y, proc) {
  const W = view.W;
  const a = firstStartAtOrAfter(inst.ts, 0, inst.ts.length, timeAt(LABEL_W) - 6 / view.k);
  let lastX = -10;
  for (let i = a; i < inst.ts.length; i++) {
    const x = xAt(inst.ts[i]);
    if (x > W + 6) break;
    if (x - lastX < 2) continue;
    lastX = x;
    const it = inst.item(i);
    const isSel = state.sel && state.sel.kind === 'inst' && state.sel.inst === inst && state.sel.k === i;
    const isVt = /^vt: /.test(it.name);
    ctx.fillStyle = isSel ? '#10161f' : isVt ? '#d97706' : proc ? '#7c3aed' : '#2563c9';
    ctx.beginPath();
    ctx.moveTo(x - 5, y); ctx.lineTo(x + 5, y); ctx.lineTo(x, y + 8); ctx.closePath(); ctx.fill();
  }
}

function drawCounter(row, y) {
  const tr = state.tr, W = view.W;
  const c = row.ctr, ts = c.ts, v = c.val, n = ts.length;
  const top = y + 6, h = row.h - 12;
  const sc = h / (c.hi - c.lo || 1);
  const vy = (val) => top + h - (val - c.lo) * sc;
  let i = Math.max(0, firstStartAtOrAfter(ts, 0, n, timeAt(LABEL_W)) - 1);
  ctx.fillStyle = 'rgba(13, 148, 136, 0.22)';
  ctx.strokeStyle = '#0d9488';
  ctx.beginPath();
  let started = false, lastPx = -1, x = LABEL_W, prevY = vy(0), mx = -Infinity;
  const base = vy(Math.max(0, c.lo));
  for (; i < n; i++) {
    x = Math.max(LABEL_W - 1, xAt(ts[i]));
    const yy = vy(v[i]);
    if (!started) { ctx.moveTo(x, base); ctx.lineTo(x, yy); started = true; }
    else if (Math.floor(x) === lastPx) { if (v[i] > mx) { mx = v[i]; ctx.lineTo(x, yy); } continue; }
    else { ctx.lineTo(x, prevY); ctx.lineTo(x, yy); }
    lastPx = Math.floor(x); mx = v[i]; prevY = yy;
    if (x > W) break;
  }
  if (started) {
    if (x < W) ctx.lineTo(Math.min(W, xAt(tr.tMax)), prevY);
    const xe = Math.min(W, Math.max(x, xAt(tr.tMax)));
    ctx.lineTo(xe, base);
    ctx.closePath(); ctx.fill(); ctx.stroke();
  }
  ctx.fillStyle = '#e6eaef';
  ctx.fillRect(LABEL_W, y + row.h - 1, W - LABEL_W, 1);
}

function trackY(owner, ts) {
  // the middle of the first row of a thread (or a process header) on screen, if laid out
  for (const r of state.rows) {
    if (r.kind === 'thread' && r.th === owner) return rowTop(r) + PAD + r.ih + ROW_H / 2;
    if (r.kind === 'proc' && (r.proc === owner || (owner.proc === r.proc && r.proc.collapsed))) return rowTop(r) + PROC_H / 2;
  }
  void ts;
  return null;
}

function drawFlows() {
  const tr = state.tr, W = view.W, H = view.H;
  if (!tr.flows.length) return;
  ctx.strokeStyle = 'rgba(80, 88, 100, 0.55)';
  ctx.fillStyle = 'rgba(80, 88, 100, 0.9)';
  ctx.lineWidth = 1.2;
  for (const f of tr.flows) {
    const y1 = trackY(f.from), y2 = trackY(f.to);
    if (y1 == null || y2 == null) continue;
    const x1 = xAt(f.ts), x2 = xAt(f.ts2);
    if (Math.max(x1, x2) < LABEL_W || Math.min(x1, x2) > W) continue;
    if ((y1 < RULER_H || y1 > H) && (y2 < RULER_H || y2 > H)) continue;
    const dx = Math.max(30, Math.abs(x2 - x1) / 2);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.bezierCurveTo(x1 + dx, y1, x2 - dx, y2, x2, y2);
    ctx.stroke();
    ctx.beginPath(); ctx.moveTo(x2, y2); ctx.lineTo(x2 - 7, y2 - 4); ctx.lineTo(x2 - 7, y2 + 4); ctx.closePath(); ctx.fill();
    ctx.beginPath(); ctx.arc(x1, y1, 2.5, 0, 6.3); ctx.fill();
  }
  ctx.lineWidth = 1;
}

function clipText(s, maxW) {
  if (ctx.measureText(s).width <= maxW) return s;
  let lo = 0, hi = s.length;
  while (lo < hi) {
    const m = (lo + hi + 1) >> 1;
    if (ctx.measureText(s.slice(0, m) + '\u2026').width <= maxW) lo = m; else hi = m - 1;
  }
  return s.slice(0, lo) + '\u2026';
}

function drawLabel(row, y) {
  if (row.kind === 'proc') {
    const p = row.proc;
    ctx.fillStyle = '#eef1f5'; ctx.fillRect(0, y, LABEL_W, row.h);
    ctx.fillStyle = '#d5dbe3'; ctx.fillRect(0, y, LABEL_W, 1);
    ctx.fillStyle = '#5f6b7a';
    ctx.font = '10px ' + FONT.replace(/^12px /, '');
    ctx.fillText(p.collapsed ? '\u25b6' : '\u25bc', 8, y + row.h / 2);
    ctx.font = FONT_B; ctx.fillStyle = '#17202b';
    ctx.fillText(clipText(shortCmd(p.name), LABEL_W - 32), 24, y + 10);
    ctx.font = '11px ' + FONT.replace(/^12px /, '');
    ctx.fillStyle = '#5f6b7a';
    ctx.fillText(clipText(p.label || 'pid ' + p.pid, LABEL_W - 32), 24, y + 21);
    ctx.font = FONT;
  } else if (row.kind === 'thread') {
    const th = row.th;
    ctx.fillStyle = '#5f6b7a';
    if (th.maxDepth > 0) {
      ctx.font = '9px ' + FONT.replace(/^12px /, '');
      ctx.fillText(th.collapsed || th.fold ? '\u25b6' : '\u25bc', 22, y + PAD + row.ih + ROW_H / 2);
      ctx.font = FONT;
    }
    ctx.fillStyle = '#17202b';
    const name = clipText(th.name, LABEL_W - 100);
    ctx.fillText(name, 36, y + PAD + row.ih + ROW_H / 2);
    const nw = ctx.measureText(name).width;
    ctx.fillStyle = '#8a94a3';
    ctx.font = '11px ' + FONT.replace(/^12px /, '');
    ctx.fillText(clipText(th.tidLabel, LABEL_W - 50 - nw), 36 + nw + 8, y + PAD + row.ih + ROW_H / 2);
    if (th.fold && !th.collapsed && row.h > 2 * ROW_H + 2 * PAD) {
      // folded to fit the first screen (one level: the triangle and the tooltip say it)
      ctx.fillText(clipText(fmtNum(th.b - th.a) + ' calls, ' + th.fold + ' of ' + (th.maxDepth + 1) + ' levels: click to unfold', LABEL_W - 40),
        36, y + PAD + row.ih + ROW_H * 1.5);
    } else if (row.h > 2 * ROW_H + 2 * PAD) {
      ctx.fillText(fmtNum(th.b - th.a) + ' calls, depth ' + (th.maxDepth + 1), 36, y + PAD + row.ih + ROW_H * 1.5);
    }
    ctx.font = FONT;
    ctx.fillStyle = '#e6eaef'; ctx.fillRect(0, y + row.h - 1, LABEL_W, 1);
  } else if (row.kind === 'counter') {
    const c = row.ctr;
    ctx.fillStyle = '#17202b';
    ctx.fillText(clipText(c.name, LABEL_W - 46), 36, y + 14);
    ctx.fillStyle = '#8a94a3';
    ctx.font = '11px ' + FONT.replace(/^12px /, '');
    ctx.fillText('max ' + fmtValue(c.hi), 36, y + 30);
    ctx.font = FONT;
    ctx.fillStyle = '#e6eaef'; ctx.fillRect(0, y + row.h - 1, LABEL_W, 1);
  } else if (row.kind === 'global') {
    ctx.fillStyle = '#5f6b7a';
    ctx.fillText('Global markers', 12, y + row.h / 2);
  }
}

function drawRuler(step, firstTick, tR) {
  const W = view.W;
  ctx.fillStyle = '#f5f7fa';
  ctx.fillRect(0, 0, W, RULER_H);
  ctx.fillStyle = '#d5dbe3';
  ctx.fillRect(0, RULER_H - 1, W, 1);
  ctx.font = '11px ' + FONT.replace(/^12px /, '');
  ctx.textBaseline = 'middle';
  // when deep in a long trace, ticks are shown relative to a round base time
  const [u] = unitFor(step);
  let base = 0;
  const tL = timeAt(LABEL_W);
  if (tL / step > 2000 && firstTick > 0) {
    const big = step * 1000;
    base = Math.floor(tL / big) * big;
  }
  ctx.save();
  ctx.beginPath(); ctx.rect(LABEL_W, 0, W - LABEL_W, RULER_H); ctx.clip();
  for (let t = firstTick - step; t <= tR + step; t += step) {
    const x = Math.round(xAt(t));
    ctx.fillStyle = '#9aa3ad';
    ctx.fillRect(x, RULER_H - 9, 1, 8);
    for (let m = 1; m < 5; m++) ctx.fillRect(Math.round(xAt(t + m * step / 5)), RULER_H - 4, 1, 3);
    if (x < LABEL_W) continue;
    ctx.fillStyle = '#3a4452';
    ctx.fillText((base ? '+' : '') + fmtTick(t - base, step, Math.min(Math.abs(tR - base), step * 1000)), x + 4, 11);
  }
  // search hits, as ticks along the ruler's bottom edge
  if (state.search.starts && state.search.starts.length) {
    ctx.fillStyle = '#e8590c';
    const st = state.search.starts;
    for (let x = LABEL_W; x < W; x += 2) {
      const a = firstStartAtOrAfter(st, 0, st.length, timeAt(x));
      if (a < st.length && st[a] < timeAt(x + 2)) ctx.fillRect(x, RULER_H - 4, 2, 3);
    }
  }
  if (state.range) {
    const a = xAt(state.range.t0), b = xAt(state.range.t1);
    ctx.fillStyle = 'rgba(37, 99, 201, 0.25)';
    ctx.fillRect(a, 0, b - a, RULER_H - 1);
    ctx.fillStyle = '#1d4f9e';
    const txt = fmtDur(state.range.t1 - state.range.t0);
    const tw = ctx.measureText(txt).width;
    if (b - a > tw + 8) { ctx.fillStyle = '#ffffff'; ctx.fillRect((a + b) / 2 - tw / 2 - 4, 13, tw + 8, 14); ctx.fillStyle = '#1d4f9e'; ctx.fillText(txt, (a + b) / 2 - tw / 2, 20); }
  }
  ctx.restore();
  ctx.fillStyle = '#f5f7fa';
  ctx.fillRect(0, 0, LABEL_W - 1, RULER_H - 1);
  ctx.fillStyle = '#5f6b7a';
  const span = (W - LABEL_W) / view.k;
  ctx.fillText(base ? 'at ' + fmtTimeExact(base) : 'visible ' + fmtDur(span), 10, RULER_H / 2);
  void u;
  ctx.font = FONT;
}
