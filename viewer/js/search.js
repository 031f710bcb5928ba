/*
 * search.js - function names matching the search box: a per-function mask, the matches in
 * start order, next and previous. Calls everything below it, up to panels.js.
 */
'use strict';

// ---------------------------------------------------------------- search

function runSearch() {
  const tr = state.tr;
  const q = $('search').value.trim().toLowerCase();
  if (!tr) return;
  if (!q) {
    state.search = noSearch();
    $('matches').textContent = '';
    redraw();
    return;
  }
  const nfn = tr.fnName.length, mask = new Uint8Array(nfn);
  let any = 0;
  for (let f = 0; f < nfn; f++) if (tr.fnName[f].toLowerCase().indexOf(q) >= 0) { mask[f] = 1; any++; }
  // matches, by start time: each level's run is sorted already; merge the runs pairwise
  const F = tr.fn, S = tr.start;
  let count = 0;
  if (any) for (let i = 0; i < tr.n; i++) count += mask[F[i]];
  let list = new Int32Array(count);
  const bounds = [0];
  if (count) {
    let k = 0;
    for (const th of tr.threads) {
      for (let d = 0; d <= th.maxDepth; d++) {
        for (let i = th.levels[d], e = th.levels[d + 1]; i < e; i++) if (mask[F[i]]) list[k++] = i;
        if (k > bounds[bounds.length - 1]) bounds.push(k);
      }
    }
    list = mergeRuns(list, bounds, S);
  }
  const starts = new Float64Array(count);
  for (let j = 0; j < count; j++) starts[j] = S[list[j]];
  state.search = { q, mask, count, list, starts, cur: -1 };
  updateMatches();
  redraw();
}

function mergeRuns(a, bounds, key) {
  let b = new Int32Array(a.length);
  let runs = bounds;
  while (runs.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r], mid = runs[r + 1], hi = r + 2 < runs.length ? runs[r + 2] : mid;
      let i = lo, j = mid, o = lo;
      while (i < mid && j < hi) b[o++] = key[a[j]] < key[a[i]] ? a[j++] : a[i++];
      while (i < mid) b[o++] = a[i++];
      while (j < hi) b[o++] = a[j++];
      next.push(hi);
    }
    if (next[next.length - 1] !== runs[runs.length - 1]) next.push(runs[runs.length - 1]);
    const t = a; a = b; b = t;
    runs = next;
  }
  return a;
}

function updateMatches() {
  const m = $('matches'), search = state.search;
  if (!search.q) { m.textContent = ''; return; }
  m.textContent = search.count ? (search.cur >= 0 ? fmtNum(search.cur + 1) + ' / ' : '') + fmtNum(search.count) + (search.count === 1 ? ' match' : ' matches') : 'no matches';
}

function stepMatch(dir) {
  const search = state.search;
  if (!search.count) return;
  let c = search.cur;
  if (c < 0) {
    const t = timeAt(LABEL_W);
    c = firstStartAtOrAfter(search.starts, 0, search.count, t);
    if (dir < 0) c--;
  } else c += dir;
  c = (c + search.count) % search.count;
  search.cur = c;
  updateMatches();
  selectSlice(search.list[c], true);
}
