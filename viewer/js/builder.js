/*
 * builder.js - the raw trace a decoder fills, in any order (columns in growable typed
 * arrays); model.js's finish() turns it into the model. Calls util.js.
 */
'use strict';

// ---------------------------------------------------------------- the raw trace

/*
 * Builder: what a decoder produces, in any order. finish() turns it into the model.
 * Times are ns as doubles (exact integers up to 2^53 ns, 104 days).
 */
class Builder {
  constructor(kind) {
    this.kind = kind;                  // 'vtr' or 'json'
    this.fnName = []; this.fnCat = []; this.fnLoc = []; this.fnIsC = [];
    this.threads = []; this.threadMap = new Map();
    this.procs = new Map();
    this.sThr = new Grow(Uint32Array, 1 << 16);
    this.sStart = new Grow(Float64Array, 1 << 16);
    this.sDur = new Grow(Float64Array, 1 << 16);
    this.sFn = new Grow(Uint32Array, 1 << 16);
    this.sFlags = new Grow(Uint8Array, 1 << 16);
    this.sArgs = null;                 // per call, an index into args (0: none): JSON a Grow, VTR1 {a, n}
    this.args = [null]; this.argsFlags = [0];
    // instants, as columns: scope 0 thread, 1 process, 2 global
    this.iPid = new Grow(Float64Array, 64); this.iTid = new Grow(Float64Array, 64);
    this.iScope = new Grow(Uint8Array, 64); this.iTs = new Grow(Float64Array, 64);
    this.iName = new Grow(Uint32Array, 64); this.iArgs = new Grow(Uint32Array, 64);
    this.instNames = []; this.instNameMap = new Map(); this.instArgs = [null];
    this.counters = new Map();         // key -> {pid, name, ts: Grow, val: Grow}
    this.flows = [];                   // [thr, ts, thr2, ts2]
    this.ignored = 0;
    this.sources = null;               // VTR1 with sources: Map path -> {text} or {why}
    this.title = '';
    this.shift = 0;                    // ns added to every time when finishing
  }
  proc(pid) {
    let p = this.procs.get(pid);
    if (!p) { p = { pid, name: null, label: null, sort: null, idx: this.procs.size }; this.procs.set(pid, p); }
    return p;
  }
  thread(pid, tid) {
    const key = pid + ':' + tid;
    let t = this.threadMap.get(key);
    if (t === undefined) {
      t = this.threads.length;
      this.threads.push({ pid, tid, name: null, sort: null, open: null, last: -Infinity });
      this.threadMap.set(key, t);
      this.proc(pid);
    }
    return t;
  }
  slice(thr, start, dur, fn, flags) {
    this.sThr.push(thr); this.sStart.push(start); this.sDur.push(dur);
    this.sFn.push(fn); this.sFlags.push(flags);
    return this.sThr.n - 1;
  }
  instant(pid, tid, scope, ts, name, args) {
    let k = this.instNameMap.get(name);
    if (k === undefined) { k = this.instNames.length; this.instNames.push(name); this.instNameMap.set(name, k); }
    this.iPid.push(pid); this.iTid.push(tid); this.iScope.push(scope); this.iTs.push(ts); this.iName.push(k);
    if (args != null) { this.iArgs.push(this.instArgs.length); this.instArgs.push(args); } else this.iArgs.push(0);
    this.proc(pid);
  }
  counter(pid, name, ts, v) {
    const key = pid + '\u0000' + name;
    let c = this.counters.get(key);
    if (!c) { c = { pid, name, ts: new Grow(Float64Array, 64), val: new Grow(Float64Array, 64) }; this.counters.set(key, c); }
    c.ts.push(ts); c.val.push(v);
  }
}
