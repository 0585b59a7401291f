// shotcraft studio, part 1: the frame clock. Frames come from the server by number
// (/frames/<take id>/<n>, header X-Frame-Index); every pane is painted from the same number
// in the same task, and the counter shows the number of the frame actually painted, never a
// time converted to frames. Part 2 (studio.js) holds the data, the decisions and the keys.
"use strict";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
};

const ZOOMS = [0, 1, 2, 4]; // 0: fit
const SOUND = { normal: 1.0, low: 0.25, off: 0.0 };
const SOUND_ORDER = ["normal", "low", "off"];
const BITMAPS_PER_TAKE = 48;

const S = {
  film: null, shotId: null, wanted: null, detail: null, // wanted: the shot last moved to (it may still be opening); every refresh re-reads it
  sources: [], active: 0, frame: 0, target: 0, speed: 0,
  mode: "side", toggleShown: 0, wipe: 0.5,
  zoom: 0, pan: { x: 0.5, y: 0.5 }, edges: false, mobile: false,
  cold: localStorage.getItem("shotcraft.cold") === "1",
  sound: localStorage.getItem("shotcraft.sound") || "normal",
  context: null, notePos: { x: 0.5, y: 0.5 }, flagCursor: -1, seq: 0, painted: [],
};
window.studio = S; // for the browser tests and the curious

// --- frames ------------------------------------------------------------------------------------

class TakeSource {
  constructor(take, shotId) {
    this.id = take.id; this.label = take.label; this.shot = shotId; this.frames = take.frames;
    this.width = take.width; this.height = take.height; this.blobs = new Map(); this.bitmaps = new Map();
  }
  async blob(n) {
    if (!this.blobs.has(n)) {
      this.blobs.set(n, fetch(`/frames/${this.id}/${n}`).then(async (r) => {
        if (!r.ok) throw new Error(`frame ${n}: ${r.status}`);
        return { n: Number(r.headers.get("X-Frame-Index")), blob: await r.blob() };
      }).catch((e) => { this.blobs.delete(n); throw e; }));
    }
    return this.blobs.get(n);
  }
  async bitmap(n) {
    let entry = this.bitmaps.get(n);
    if (!entry) {
      entry = this.blob(n).then(async ({ n: index, blob }) => ({ n: index, image: await createImageBitmap(blob) }));
      this.bitmaps.set(n, entry);
      entry.catch(() => this.bitmaps.delete(n));
      if (this.bitmaps.size > BITMAPS_PER_TAKE) {
        const oldest = this.bitmaps.keys().next().value;
        const dropped = this.bitmaps.get(oldest);
        this.bitmaps.delete(oldest);
        dropped.then((b) => b.image.close()).catch(() => {});
      }
    } else { this.bitmaps.delete(n); this.bitmaps.set(n, entry); } // most recently used last
    return entry;
  }
  prefetch(from, count) {
    for (let n = from; n < Math.min(this.frames, from + count); n++) this.blob(n).catch(() => {});
  }
}

// The clock's frame -> what each pane shows. In context mode one pane walks through
// previous picked shot, this take, next picked shot.
function timeline() {
  if (S.context) return S.context;
  return null;
}
function lastFrame() {
  const ctx = timeline();
  if (ctx) return ctx.total - 1;
  return Math.max(0, Math.min(...S.sources.map((s) => s.frames)) - 1);
}
function visibleSources() {
  if (!S.sources.length) return [];
  if (S.mode === "toggle") return [S.sources[S.toggleShown % S.sources.length]];
  if (S.mode === "wipe") return wipePair();
  return S.sources;
}
function wipePair() {
  const a = S.sources[S.active];
  const b = S.sources.find((_, i) => i !== S.active) || a;
  return S.active === 0 ? [a, b] : [b, a];
}

async function show(n) {
  const token = ++S.seq;
  n = Math.max(0, Math.min(lastFrame(), n | 0));
  S.target = n; // steps count from the frame asked for last, so fast key repeats never get lost
  let results;
  if (S.context) {
    const seg = S.context.segments.find((s) => n >= s.start && n < s.start + s.frames);
    results = [await seg.source.bitmap(n - seg.start + seg.offset)];
    results[0].segment = seg;
  } else {
    const sources = visibleSources();
    if (!sources.length) return;
    results = await Promise.all(sources.map((s) => s.bitmap(n)));
  }
  if (token !== S.seq) return; // a later request won: never paint out of order
  paint(results);
  if (S.firstPicture === undefined) S.firstPicture = performance.now(); // since navigation start (bench/studio.py)
  // the counter is the decoded frame's own number (X-Frame-Index of what was just painted)
  const painted = results[0].segment ? results[0].n - results[0].segment.offset + results[0].segment.start : results[0].n;
  S.frame = painted;
  S.painted = results.map((r) => r.n);
  $("#frame-no").textContent = results[0].segment ? `${results[0].segment.name} · ${results[0].n}` : String(results[0].n);
  $("#viewer").dataset.frame = String(painted);
  $("#scrub").value = String(painted);
  highlightNotes();
  if (!S.speed) prefetchNeighbours(n);
}

function prefetchNeighbours(n) {
  // paused: fetch the frames a step is likely to ask for next, decode the two adjacent ones
  if (S.context) return;
  for (const s of S.sources) {
    s.prefetch(Math.max(0, n - 10), 21);
    for (const k of [n + 1, n - 1]) if (k >= 0 && k < s.frames) s.bitmap(k).catch(() => {});
  }
}

// --- painting --------------------------------------------------------------------------------

function canvases() { return [...document.querySelectorAll("#viewer canvas")]; }

function sourceRect(image) {
  const w = image.width, h = image.height;
  if (!S.mobile) return [0, 0, w, h];
  const [an, ad] = (S.film.mobile_aspect || "9:16").split(":").map(Number);
  let cw = w, ch = Math.round((w * ad) / an);
  if (ch > h) { ch = h; cw = Math.round((h * an) / ad); }
  return [Math.round((w - cw) / 2), Math.round((h - ch) / 2), cw, ch];
}

function placement(canvas, image) {
  const [sx, sy, sw, sh] = sourceRect(image);
  const scale = S.zoom === 0 ? Math.min(canvas.width / sw, canvas.height / sh) : S.zoom; // 100%: one image pixel per device pixel
  const dw = sw * scale, dh = sh * scale;
  let dx, dy;
  if (S.zoom === 0) { dx = (canvas.width - dw) / 2; dy = (canvas.height - dh) / 2; }
  else {
    dx = canvas.width / 2 - S.pan.x * dw; dy = canvas.height / 2 - S.pan.y * dh;
    dx = Math.min(Math.max(dx, canvas.width - dw), 0); dy = Math.min(Math.max(dy, canvas.height - dh), 0);
    if (dw < canvas.width) dx = (canvas.width - dw) / 2;
    if (dh < canvas.height) dy = (canvas.height - dh) / 2;
  }
  return { sx, sy, sw, sh, dx, dy, dw, dh };
}

function drawFrame(ctx, canvas, image, clipFrom = 0) {
  const p = placement(canvas, image);
  ctx.save();
  if (clipFrom > 0) { ctx.beginPath(); ctx.rect(clipFrom, 0, canvas.width - clipFrom, canvas.height); ctx.clip(); }
  ctx.imageSmoothingEnabled = S.zoom === 0;
  ctx.drawImage(image, p.sx, p.sy, p.sw, p.sh, p.dx, p.dy, p.dw, p.dh);
  ctx.restore();
  return p;
}

function drawEdges(ctx, p) {
  // the border check: everything but the outer 12 % of the frame is dimmed
  const bx = p.dw * 0.12, by = p.dh * 0.12;
  ctx.save();
  ctx.fillStyle = "rgba(20,20,20,0.82)";
  ctx.fillRect(p.dx + bx, p.dy + by, p.dw - 2 * bx, p.dh - 2 * by);
  ctx.strokeStyle = "#ffcc00"; ctx.setLineDash([6, 4]);
  ctx.strokeRect(p.dx + bx, p.dy + by, p.dw - 2 * bx, p.dh - 2 * by);
  ctx.restore();
}

function drawNotes(ctx, p, source, frame) {
  if (!S.detail) return;
  for (const note of S.detail.notes) {
    if (note.take !== source.label || note.frame !== frame) continue;
    const x = p.dx + (note.x * p.sw + 0) * (p.dw / p.sw), y = p.dy + note.y * p.sh * (p.dh / p.sh);
    ctx.save(); ctx.strokeStyle = "#ff3b30"; ctx.lineWidth = 3;
    ctx.beginPath(); ctx.arc(x, y, 14, 0, Math.PI * 2); ctx.stroke(); ctx.restore();
  }
}

function paint(results) {
  const list = canvases();
  if (!list.length) return;
  if (S.mode === "wipe" && results.length > 1 && !S.context) {
    const canvas = list[0], ctx = canvas.getContext("2d");
    ctx.fillStyle = "#000"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    const p = drawFrame(ctx, canvas, results[0].image);
    const cut = Math.round(canvas.width * S.wipe);
    drawFrame(ctx, canvas, results[1].image, cut);
    if (S.edges) drawEdges(ctx, p);
    ctx.fillStyle = "#ffcc00"; ctx.fillRect(cut - 1, 0, 2, canvas.height);
    canvas.dataset.frame = String(results[0].n);
    canvas.dataset.frameB = String(results[1].n);
    return;
  }
  results.forEach((r, i) => {
    const canvas = list[i]; if (!canvas) return;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#000"; ctx.fillRect(0, 0, canvas.width, canvas.height);
    const p = drawFrame(ctx, canvas, r.image);
    if (S.edges) drawEdges(ctx, p);
    const source = r.segment ? r.segment.source : visibleSources()[i];
    if (source) drawNotes(ctx, p, source, r.n);
    canvas.dataset.frame = String(r.n);
  });
}

function buildPanes() {
  const viewer = $("#viewer");
  viewer.replaceChildren();
  viewer.className = `${S.mode}${S.mobile ? " phone" : ""}${S.context ? " context" : ""}`;
  const sources = S.context ? [S.context.segments[0].source] : S.mode === "side" ? S.sources : [S.sources[0]];
  sources.forEach((source, i) => {
    const pane = el("div", { class: "pane" });
    const canvas = el("canvas", { "data-pane": i });
    const label = el("div", { class: "pane-label" });
    pane.append(canvas, label);
    viewer.append(pane);
    attachPointer(canvas, i);
  });
  sizeCanvases();
  labelPanes();
}

function labelPanes() {
  const labels = [...document.querySelectorAll(".pane-label")];
  if (S.context) { labels[0].textContent = "in context: previous · this · next"; return; }
  if (S.mode === "wipe") { const [a, b] = wipePair(); labels[0].textContent = `${a.label} | ${b.label}  (drag the line)`; return; }
  if (S.mode === "toggle") { labels[0].textContent = `${S.sources[S.toggleShown % S.sources.length].label}  (T switches)`; return; }
  S.sources.forEach((s, i) => { if (labels[i]) { labels[i].textContent = s.label; labels[i].classList.toggle("active", i === S.active); } });
}

function sizeCanvases() {
  const dpr = window.devicePixelRatio || 1;
  for (const canvas of canvases()) {
    const box = canvas.parentElement.getBoundingClientRect();
    canvas.width = Math.max(16, Math.round(box.width * dpr));
    canvas.height = Math.max(16, Math.round(box.height * dpr));
  }
}

function attachPointer(canvas, paneIndex) {
  let drag = null;
  canvas.addEventListener("pointerdown", (e) => {
    canvas.setPointerCapture(e.pointerId);
    const r = canvas.getBoundingClientRect();
    const fx = (e.clientX - r.left) / r.width;
    drag = { x: e.clientX, y: e.clientY, pan: { ...S.pan }, wipe: S.mode === "wipe" && Math.abs(fx - S.wipe) < 0.06 };
    if (S.mode === "side" && !S.context) { S.active = paneIndex; labelPanes(); renderDecide(); }
    notePositionFrom(canvas, e);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const r = canvas.getBoundingClientRect();
    if (drag.wipe) { S.wipe = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)); repaint(); return; }
    if (S.zoom > 0) { // linked pan: one centre point for every pane
      const image = canvasImageSize();
      const dx = (e.clientX - drag.x) / (image.w * S.zoom / (window.devicePixelRatio || 1));
      const dy = (e.clientY - drag.y) / (image.h * S.zoom / (window.devicePixelRatio || 1));
      S.pan = { x: clamp01(drag.pan.x - dx), y: clamp01(drag.pan.y - dy) };
      repaint();
    }
  });
  canvas.addEventListener("pointerup", () => { drag = null; });
}

function canvasImageSize() {
  const s = S.sources[0];
  return { w: (s && s.width) || 1280, h: (s && s.height) || 720 };
}
const clamp01 = (v) => Math.min(1, Math.max(0, v));

function notePositionFrom(canvas, e) {
  const source = S.sources[S.active];
  if (!source) return;
  const r = canvas.getBoundingClientRect();
  const dpr = canvas.width / r.width;
  const p = placement(canvas, { width: source.width, height: source.height });
  const x = ((e.clientX - r.left) * dpr - p.dx) / p.dw, y = ((e.clientY - r.top) * dpr - p.dy) / p.dh;
  const [sx, sy, sw, sh] = sourceRect({ width: source.width, height: source.height });
  S.notePos = { x: clamp01((sx + x * sw) / source.width), y: clamp01((sy + y * sh) / source.height) };
}

function repaint() { show(S.frame); }

// --- playback ----------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function play(speed) {
  const wasPlaying = S.speed !== 0;
  S.speed = speed;
  syncSound();
  if (wasPlaying) return;
  const fps = (S.detail && S.sources[0] && S.detail.takes[0].rate) || (S.film && S.film.fps) || 24;
  while (S.speed !== 0) {
    const started = performance.now();
    const next = S.frame + Math.sign(S.speed);
    if (next < 0 || next > lastFrame()) { stop(); break; }
    await show(next);
    prefetchAround(next);
    const wait = 1000 / (fps * Math.abs(S.speed)) - (performance.now() - started);
    if (wait > 0) await sleep(wait);
  }
}
function stop() { S.speed = 0; syncSound(); }

function prefetchAround(n) {
  if (S.context) { for (const seg of S.context.segments) seg.source.prefetch(Math.max(0, n - seg.start) + seg.offset, 8); return; }
  for (const s of S.sources) s.prefetch(n + 1, 12);
}

function syncSound() {
  const audio = $("#sound");
  audio.volume = SOUND[S.sound];
  audio.muted = S.sound === "off";
  const fps = (S.film && S.film.fps) || 24;
  if (S.speed === 1 && !S.context && S.sound !== "off") {
    const src = `/sound/${encodeURIComponent(S.shotId)}`; // fetched on first play only: the bed is synthesized
    if (audio.dataset.shot !== S.shotId) { audio.src = src; audio.dataset.shot = S.shotId; }
    audio.currentTime = S.frame / fps; // the picture is the master clock; sound follows it
    audio.play().catch(() => {});
  } else audio.pause();
  $("#sound-label").textContent = `sound: ${S.sound}`;
}

function step(delta) { stop(); show((S.target ?? S.frame) + delta); }

