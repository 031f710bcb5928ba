/*
 * open.js - opening a trace: the one embedded in the page (at start), or a JSON file
 * picked or dropped, with a progress bar; show() puts a new model on screen. The top: it
 * calls everything below it, and its last line starts the viewer.
 */
'use strict';

// ---------------------------------------------------------------- opening files

$('open').addEventListener('click', () => $('file').click());
$('open2').addEventListener('click', () => $('file').click());
$('file').addEventListener('change', (e) => { const f = e.target.files[0]; if (f) openFile(f); e.target.value = ''; });
let dragDepth = 0;   // dragenter minus dragleave: the drop hint shows while > 0
window.addEventListener('dragenter', (e) => { if (e.dataTransfer && [...e.dataTransfer.types].includes('Files')) { dragDepth++; $('drop').hidden = false; e.preventDefault(); } });
window.addEventListener('dragover', (e) => { e.preventDefault(); });
window.addEventListener('dragleave', () => { if (--dragDepth <= 0) { dragDepth = 0; $('drop').hidden = true; } });
window.addEventListener('drop', (e) => {
  e.preventDefault(); dragDepth = 0; $('drop').hidden = true;
  const f = e.dataTransfer && e.dataTransfer.files[0];
  if (f) openFile(f);
});

function progress(msg, frac) {
  $('progress').hidden = msg == null;
  if (msg != null) { $('progressmsg').textContent = msg; $('progressfill').style.width = Math.round((frac || 0) * 100) + '%'; }
}
const nextFrame = () => new Promise((r) => setTimeout(r, 0));

async function openFile(file) {
  const t0 = performance.now();
  api.ready = false; api.error = null;
  $('landing').hidden = true;
  try {
    const b = new Builder('json');
    const rd = new JsonTraceReader(b);
    const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
    const CH = api.chunkBytes || (16 << 20);
    if (head[0] === 0x1f && head[1] === 0x8b) {
      const r = file.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
      let got = 0, parts = [], have = 0;
      for (;;) {
        const { value, done } = await r.read();
        if (value) { parts.push(value); have += value.length; got += value.length; }
        if (have >= CH || (done && have)) {
          const buf = parts.length === 1 ? parts[0] : concat(parts, have);
          parts = []; have = 0;
          rd.feed(buf, false);
          progress('Reading ' + file.name + ': ' + fmtNum(rd.events) + ' events (' + (got / 1048576).toFixed(0) + ' MiB unpacked)', 0.5);
          await nextFrame();
        }
        if (done) break;
      }
      rd.feed(new Uint8Array(0), true);
    } else {
      for (let off = 0; off < file.size || off === 0; off += CH) {
        const buf = new Uint8Array(await file.slice(off, Math.min(file.size, off + CH)).arrayBuffer());
        rd.feed(buf, off + CH >= file.size);
        progress('Reading ' + file.name + ': ' + fmtNum(rd.events) + ' events', Math.min(1, (off + CH) / file.size) * 0.85);
        await nextFrame();
        if (file.size === 0) break;
      }
    }
    progress('Building the timeline: ' + fmtNum(b.sThr.n) + ' slices', 0.9);
    await nextFrame();
    const model = finish(b);
    show(model, file.name, t0);
  } catch (err) {
    fail(err);
  }
}

function concat(parts, n) {
  const u = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { u.set(p, o); o += p.length; }
  return u;
}

function fail(err) {
  progress(null);
  api.error = String(err && err.message || err);
  $('landing').hidden = false;
  showDetails();
  details.innerHTML = '<p class="err">Could not open the trace: ' + escapeHtml(api.error) + '</p>';
  console.warn(err);
}

function show(model, title, t0) {
  const tr = state.tr = model;
  state.sel = null; state.range = null; state.agg = null;
  state.search = noSearch();
  $('matches').textContent = '';
  if ($('search').value) setTimeout(runSearch, 0);
  if (title) {
    // a trace directory's path: its last part says enough, the tooltip has the rest
    const short = title.replace(/\/+$/, '').replace(/^.*\//, '') || title;
    $('title').textContent = short; $('title').title = title;
    document.title = short + ' \u2014 vt';
  }
  hideDetails();
  resize();
  foldToFit();
  layout();
  fitAll();
  draw();
  progress(null);
  $('landing').hidden = true;
  const threads = tr.threads.length, procs = tr.procs.length;
  api.loadMs = performance.now() - t0;
  $('status').textContent = fmtNum(tr.n) + ' slices \u00b7 ' + threads + ' thread' + (threads === 1 ? '' : 's') + ' \u00b7 ' + procs + ' process' + (procs === 1 ? '' : 'es') +
    ' \u00b7 ' + fmtDur(tr.tMax - tr.tMin);
  $('status').title = 'opened in ' + (api.loadMs / 1000).toFixed(2) + ' s' + (tr.ignored ? '; ' + tr.ignored + ' events of unsupported kinds ignored' : '');
  api.stats = {
    slices: tr.n, threads, processes: procs, counters: tr.procs.reduce((a, p) => a + p.counters.length, 0),
    instants: tr.threads.reduce((a, t) => a + (t.inst ? t.inst.ts.length : 0), 0) + tr.procs.reduce((a, p) => a + (p.inst ? p.inst.ts.length : 0), 0) + (tr.globalInst ? tr.globalInst.ts.length : 0),
    flows: tr.flows.length, functions: tr.fnName.length,
    threadNames: tr.procs.flatMap((p) => p.threads.map((t) => t.name)),
    processNames: tr.procs.map((p) => p.name),
    counterNames: tr.procs.flatMap((p) => p.counters.map((c) => c.name)),
    perThread: tr.procs.flatMap((p) => p.threads.map((t) => ({ pid: t.pid, tid: t.tid, name: t.name, slices: t.b - t.a, maxDepth: t.maxDepth }))),
  };
  api.ready = true;
  canvas.focus();
}

// ---------------------------------------------------------------- start

function boot() {
  const t0 = performance.now();
  const tpl = $('vt-trace');
  let text = '';
  if (tpl) {
    const c = tpl.content || tpl;
    text = c.textContent || '';
  }
  const embeddedTitle = document.title && !/^\s*\x3c!--/.test(document.title) ? document.title : '';
  resize();
  if (!text.trim()) {
    document.title = 'vt viewer';
    $('landing').hidden = false;
    api.ready = true;
    api.stats = null;
    return;
  }
  progress('Opening the trace\u2026', 0.1);
  setTimeout(() => {
    try {
      const bytes = base64ToBytes(text);
      text = '';
      (tpl.content || tpl).textContent = '';   // the DOM copy is no longer needed
      // a Chrome JSON file put in the page (vt-convert x.json -o x.html): opened as a picked one
      if (!(bytes[0] === 86 && bytes[1] === 84 && bytes[2] === 82 && bytes[3] === 49)) {
        openFile(new File([bytes], embeddedTitle || 'trace.json'));
        return;
      }
      const b = decodeVTR(bytes);
      const model = finish(b);
      show(model, embeddedTitle || 'vt trace', t0);
      api.loadMs = performance.now();   // from navigation start, the number people feel
    } catch (err) {
      fail(err);
    }
  }, 0);
}

boot();
