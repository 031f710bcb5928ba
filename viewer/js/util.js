/*
 * util.js - formatting, escaping, hashing and a growable typed array. Calls nothing of
 * the viewer's own. (vt viewer; the modules and their order: viewer/README.md)
 */
'use strict';

// ---------------------------------------------------------------- utilities

const $ = (id) => document.getElementById(id);
const td = new TextDecoder('utf-8');

function fmtNum(n) {
  return Math.round(n).toLocaleString('en-US');
}

/* a duration, 3 significant digits: 812 ns, 12.3 µs, 1.25 ms, 3.40 s */
function fmtDur(ns) {
  const a = Math.abs(ns);
  let v, u;
  if (a < 1e3) return (Math.round(ns * 10) / 10) + ' ns';
  if (a < 1e6) { v = ns / 1e3; u = ' \u00b5s'; }
  else if (a < 1e9) { v = ns / 1e6; u = ' ms'; }
  else if (a < 60e9) { v = ns / 1e9; u = ' s'; }
  else {
    const m = Math.floor(a / 60e9), s = (a - m * 60e9) / 1e9;
    return (ns < 0 ? '-' : '') + m + ' min ' + s.toFixed(1) + ' s';
  }
  const av = Math.abs(v);
  return v.toFixed(av < 10 ? 2 : av < 100 ? 1 : 0) + u;
}

/* a time with full nanosecond precision, grouped: 65.277 460 ms */
function fmtTimeExact(ns) {
  ns = Math.round(ns);
  const neg = ns < 0; ns = Math.abs(ns);
  let s;
  if (ns < 1e3) s = ns + ' ns';
  else if (ns < 1e6) s = group3(ns / 1e3, 3) + ' \u00b5s';
  else if (ns < 1e9) s = group3(ns / 1e6, 6) + ' ms';
  else s = group3(ns / 1e9, 9) + ' s';
  return (neg ? '-' : '') + s;
}
function group3(v, dec) {
  let t = v.toFixed(dec);
  const dot = t.indexOf('.');
  if (dot < 0) return t;
  const ip = t.slice(0, dot), fp = t.slice(dot + 1).replace(/0+$/, '');
  if (!fp) return ip;
  return ip + '.' + fp.replace(/(\d{3})(?=\d)/g, '$1\u2009');
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function hashStr(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  h ^= h >>> 15; h = Math.imul(h, 0x2c1b3c6d); h ^= h >>> 12;
  return h >>> 0;
}

/* growable typed array */
class Grow {
  constructor(T, cap) { this.T = T; this.a = new T(cap || 1024); this.n = 0; }
  push(v) {
    if (this.n === this.a.length) this.reserve(this.n + 1);
    this.a[this.n++] = v;
  }
  reserve(need) {
    if (need <= this.a.length) return;
    let c = this.a.length * 2;
    while (c < need) c *= 2;
    const b = new this.T(c); b.set(this.a); this.a = b;
  }
  done() { return this.a.length === this.n ? this.a : this.a.slice(0, this.n); }
}


/* command lines: show the script, not the interpreter's path */
function shortCmd(s) {
  const parts = s.split(' ');
  if (parts.length > 1 && /(^|\/)python[0-9.]*$/.test(parts[0])) {
    parts[0] = parts[0].replace(/^.*\//, '');
    return parts.map((p, i) => (i > 0 && p.indexOf('/') >= 0 && !p.startsWith('-') ? p.replace(/^.*\//, '') : p)).join(' ');
  }
  return s;
}

function fmtValue(v) {
  if (Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(2);
  return String(Math.round(v * 1000) / 1000);
}
