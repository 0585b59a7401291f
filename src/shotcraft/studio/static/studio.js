// shotcraft studio, part 2: the film and the shot, deciding, views and keys (part 1: player.js).
"use strict";

// --- data -------------------------------------------------------------------------------------

async function api(path, body, method = "POST") {
  const r = await fetch(path, {
    method, headers: { "Content-Type": "application/json", "X-Shotcraft": "1" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) { toast(data.error || `${r.status}`); throw new Error(data.error || r.status); }
  return data;
}

async function loadFilm() {
  S.film = await (await fetch("/api/film")).json();
  renderShotList();
}

async function openShot(shotId, options = {}) {
  if (!options.keepFrame) S.wanted = shotId; // a move to a shot; a refresh (keepFrame) re-reads the shot wanted
  S.loading = (S.loading || 0) + 1; // the page is settled only when no shot is still opening
  try { await openShotNow(shotId, options); } finally { S.loading -= 1; }
}

async function openShotNow(shotId, { keepFrame = false } = {}) {
  const detail = await (await fetch(`/api/shots/${encodeURIComponent(shotId)}`)).json();
  // the reviewer moved on while this was asked (a sign-off's refresh answered after "}"): it must not bring the
  // shot they left back over the one they went to
  if (shotId !== S.wanted) return;
  const sameShot = S.shotId === shotId;
  const previousIds = S.sources.map((s) => s.id).join();
  S.shotId = shotId; S.detail = detail;
  const done = detail.takes.filter((t) => t.id);
  if (!sameShot || done.map((t) => t.id).join() !== previousIds) {
    S.sources = done.map((t) => new TakeSource(t, shotId));
    if (!sameShot) { S.active = Math.max(0, done.findIndex((t) => t.picked)); S.context = null; S.flagCursor = -1; S.notePos = { x: 0.5, y: 0.5 }; }
    S.active = Math.min(S.active, Math.max(0, S.sources.length - 1));
    buildPanes();
  }
  if (!sameShot) S.frame = 0; // keepFrame holds the frame of the shot shown, never carries it to another
  $("#scrub").max = String(lastFrame());
  $("#frame-last").textContent = String(lastFrame());
  renderShotHeader(); renderDecide(); renderFlags(); renderNotes(); renderBrief(); renderPrompts(); renderShotList();
  history.replaceState(null, "", `#${shotId}`);
  if (S.sources.length) await show(S.frame);
  else { $("#viewer").replaceChildren(el("p", { class: "empty" }, "No rendered take yet: run shotcraft render, or shotcraft take add.")); }
}

function decided(shot) { return shot && (shot.pick_reason === "user" || Object.keys(shot.review.rejected).length > 0); }
function currentShot() { return S.film && S.film.shots.find((s) => s.id === S.shotId); }
function scoresHidden() { return S.cold && !decided(currentShot()); }

// --- rendering ----------------------------------------------------------------------------------

function renderShotList() {
  const body = $("#shot-table tbody");
  body.replaceChildren(...S.film.shots.map((shot) => {
    const hide = S.cold && !decided(shot);
    const qa = hide ? "·" : shot.verdict ? `${shot.verdict} ${Math.round(shot.score)}` : "–";
    return el("tr", {
      class: `${shot.id === S.shotId ? "current " : ""}state-${shot.review.state.replace(/ /g, "-")}`, "data-shot": shot.id,
      onclick: () => { document.body.classList.remove("show-shots"); openShot(shot.id); }, // on a phone the list closes
    }, el("td", {}, String(shot.index + 1)), el("td", {}, shot.id), el("td", {}, shot.role || shot.type),
      el("td", { class: "subject" }, shot.subject || ""), el("td", { class: `qa ${hide ? "" : shot.verdict || ""}` }, qa),
      el("td", { class: "pick" }, shot.pick ? (shot.pick_reason === "user" ? `◯ ${shot.pick}` : `${shot.pick}?`) : "–"),
      el("td", { class: "state" }, shot.review.state));
  }));
}

function renderShotHeader() {
  const shot = currentShot(); if (!shot) return;
  $("#shot-title").textContent = `${shot.id} · ${shot.role || shot.type} · ${shot.subject || ""}`;
  $("#shot-state").textContent = `${shot.review.state}: ${shot.review.reason}`;
  $("#shot-state").className = `state state-${shot.review.state.replace(/ /g, "-")}`;
  const flags = [S.mode, S.zoom ? `${S.zoom * 100}%` : "fit", S.edges && "edges", S.mobile && "mobile", S.cold && "cold", S.context && "context"].filter(Boolean);
  $("#mode-flags").textContent = flags.join(" · ");
  $("#zoom-label").textContent = S.zoom ? `loupe ${S.zoom * 100}%` : "fit";
}

function renderDecide() {
  const box = $("#decide"); const d = S.detail; if (!d) return;
  const rejected = d.review.rejected;
  const items = d.takes.map((t, i) => {
    const sourceIndex = S.sources.findIndex((s) => s.label === t.label);
    const classes = ["take", t.picked && d.user_pick === t.label ? "picked" : "", sourceIndex === S.active ? "active" : "", rejected[t.label] ? "rejected" : ""];
    const qa = t.qa && !scoresHidden() ? `${t.qa.verdict} ${Math.round(t.qa.score)}` : t.qa ? "QA hidden (cold)" : "no QA";
    return el("div", { class: classes.join(" "), "data-take": t.label, onclick: () => { if (sourceIndex >= 0) { S.active = sourceIndex; labelPanes(); renderDecide(); } } },
      el("span", { class: "circle" }, t.label),
      el("span", { class: "meta" }, `${sourceIndex >= 0 ? sourceIndex + 1 : "–"} · ${t.state} · ${t.source} · seed ${t.seed ?? "–"} · ${qa}`),
      rejected[t.label] ? el("span", { class: "reason" }, `rejected (${rejected[t.label].severity}): ${rejected[t.label].reason}`) : null,
      Object.entries(d.review.signoffs).filter(([, l]) => l === t.label).map(([role]) => el("span", { class: "signoff" }, `✓ ${role}`)));
  });
  // the same actions as the keys, for a mouse or a thumb
  const press = (key, shiftKey = false) => () => onKey({ key, shiftKey, preventDefault() {} });
  const actions = el("span", { class: "actions" }, [["p", "◯ pick"], ["x", "✕ reject"], ["n", "✎ note"], ["g", "in context"], ["m", "mobile"], ["w", "wipe"], ["s", "side"]]
    .map(([key, label]) => el("button", { title: `${label} (${key.toUpperCase()})`, "data-action": key, onclick: (e) => { e.currentTarget.blur(); press(key)(); } }, label)));
  box.replaceChildren(...items, actions, el("span", { class: "passes" }, `review passes: ${d.review.passes}`));
}

function allFlags() {
  if (!S.detail) return [];
  return S.detail.takes.flatMap((t) => (t.qa ? t.qa.flags : []).map((f) => ({ ...f, take: t.label }))).sort((a, b) => a.start_frame - b.start_frame);
}

function renderFlags() {
  const list = $("#flags");
  if (scoresHidden()) { list.replaceChildren(el("li", { class: "muted" }, "cold review: flags appear once you have decided")); return; }
  const flags = allFlags();
  list.replaceChildren(...(flags.length ? flags.map((f, i) => el("li", { class: `flag ${f.severity}${i === S.flagCursor ? " current" : ""}`, onclick: () => jumpFlag(i) },
    `${f.take} · ${f.code} · frames ${f.start_frame}–${f.end_frame} · ${f.message}`)) : [el("li", { class: "muted" }, "no QA flags")]));
}

function jumpFlag(i) {
  const flags = allFlags(); if (!flags.length || scoresHidden()) return;
  S.flagCursor = ((i % flags.length) + flags.length) % flags.length;
  const f = flags[S.flagCursor];
  const index = S.sources.findIndex((s) => s.label === f.take);
  if (index >= 0) { S.active = index; labelPanes(); renderDecide(); }
  stop(); renderFlags(); show(f.start_frame);
  toast(`${f.take} ${f.code}: ${f.message}`);
}

function renderNotes() {
  const notes = S.detail ? S.detail.notes : [];
  $("#notes").replaceChildren(...(notes.length ? notes.map((n) => el("li", { "data-frame": n.frame, onclick: () => { stop(); show(n.frame); } },
    `${n.take} · frame ${n.frame} · (${Math.round(n.x * 100)}%, ${Math.round(n.y * 100)}%) · ${n.text}`,
    el("button", { class: "small", title: "delete note", onclick: (e) => { e.stopPropagation(); api(`/api/notes/${n.id}`, undefined, "DELETE").then(() => openShot(S.wanted, { keepFrame: true })); } }, "×"))) : [el("li", { class: "muted" }, "no notes")]));
}
function highlightNotes() {
  for (const li of document.querySelectorAll("#notes li[data-frame]")) li.classList.toggle("here", Number(li.dataset.frame) === S.frame);
}

function renderBrief() {
  const d = S.detail;
  $("#brief").replaceChildren(...Object.entries(d.brief).flatMap(([k, v]) => [el("dt", {}, k.replace(/_/g, " ")), el("dd", {}, String(v))]),
    ...(d.action ? [el("dt", {}, "action"), el("dd", {}, d.action)] : []));
}

function renderPrompts() {
  const diff = S.detail.prompt_diff; const box = $("#prompts");
  const blocks = Object.entries(diff.takes).map(([label, take]) => el("div", { class: "prompt-take" },
    el("h4", {}, label, take.varies ? ` · varies: ${take.varies} = ` : "",
      take.value && label !== diff.base && take.value !== (diff.takes[diff.base] || {}).value ? el("mark", {}, take.value) : take.value || "",
      take.source ? ` · from ${take.source}` : ""),
    Object.entries(take.fields).map(([name, segments]) => el("p", { class: "prompt" }, el("b", {}, name.replace(/_/g, " ") + ": "),
      segments.map((s) => (s.changed ? el("mark", {}, s.text) : s.text))))));
  box.replaceChildren(...(blocks.length ? blocks : [el("p", { class: "muted" }, "no prompts recorded")]));
}

let toastTimer = null;
function toast(text) {
  const t = $("#toast"); t.textContent = text; t.classList.add("on");
  clearTimeout(toastTimer); toastTimer = setTimeout(() => t.classList.remove("on"), 2600);
}

// --- deciding -------------------------------------------------------------------------------------

function activeTake() { return S.sources[S.active]; }

async function pickActive() {
  const t = activeTake(); if (!t) return;
  const unpick = S.detail.user_pick === t.label;
  await api(`/api/shots/${S.shotId}/pick`, { take: unpick ? null : t.label });
  toast(unpick ? `pick cleared for ${S.shotId}` : `${S.shotId}: take ${t.label} picked`);
  await refresh();
}

function ask(title, fields) {
  // a small keyboard-first form: Enter confirms, Esc cancels; resolves to the values or null
  return new Promise((resolve) => {
    const dialog = $("#dialog"); $("#dialog-title").textContent = title;
    const inputs = fields.map((f) => f.options
      ? el("select", { name: f.name }, f.options.map((o) => el("option", { value: o }, o)))
      : el("input", { name: f.name, type: "text", placeholder: f.placeholder || "", autocomplete: "off" }));
    const confirm = () => {
      const values = Object.fromEntries(inputs.map((i) => [i.name, i.value.trim()]));
      if (fields.some((f) => !f.options && !values[f.name])) { toast("type something first"); return; }
      close(values);
    };
    const buttons = el("p", {}, el("button", { onclick: () => confirm() }, "OK"), " ", el("button", { onclick: () => close(null) }, "Cancel"));
    $("#dialog-content").replaceChildren(...fields.map((f, i) => el("label", {}, f.label, inputs[i])), buttons);
    dialog.hidden = false; inputs[0].focus();
    const close = (value) => { dialog.hidden = true; dialog.removeEventListener("keydown", onKey, true); resolve(value); };
    const onKey = (e) => {
      if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(null); }
      else if (e.key === "Enter") { e.preventDefault(); e.stopPropagation(); confirm(); }
    };
    dialog.addEventListener("keydown", onKey, true);
  });
}

async function rejectActive(severity) {
  const t = activeTake(); if (!t) return;
  const values = await ask(`Reject ${S.shotId} take ${t.label} (${severity})`, [{ name: "reason", label: "Reason", placeholder: "unstable face, six fingers, light from the wrong side…" }]);
  if (!values) return;
  const result = await api(`/api/shots/${S.shotId}/reject`, { take: t.label, reason: values.reason, severity });
  toast(result.pass_recorded ? `every take rejected: review pass ${result.review.passes} recorded` : `take ${t.label} rejected`);
  await refresh();
}

async function unrejectActive() {
  const t = activeTake(); if (!t) return;
  await api(`/api/shots/${S.shotId}/unreject`, { take: t.label });
  await refresh();
}

async function noteHere() {
  const t = activeTake(); if (!t) return;
  const frame = S.painted[0] !== undefined && !S.context ? S.frame : 0;
  const values = await ask(`Note on ${S.shotId} ${t.label}, frame ${frame} at (${Math.round(S.notePos.x * 100)}%, ${Math.round(S.notePos.y * 100)}%)`, [{ name: "text", label: "Note" }]);
  if (!values) return;
  await api(`/api/shots/${S.shotId}/notes`, { take: t.label, frame, x: S.notePos.x, y: S.notePos.y, text: values.text });
  await refresh();
}

async function signOff(role) {
  const t = activeTake(); if (!t) return;
  const mine = S.detail.review.signoffs[role] === t.label;
  await api(`/api/shots/${S.shotId}/signoff`, { role, take: mine ? null : t.label });
  toast(mine ? `${role} sign-off withdrawn` : `${role} sign-off: take ${t.label}`);
  await refresh();
}

async function refresh() {
  await loadFilm();
  if (S.wanted) await openShot(S.wanted, { keepFrame: true });
}

// --- views -------------------------------------------------------------------------------------------

function setMode(mode) {
  if (mode === "toggle" && S.mode === "toggle") S.toggleShown = (S.toggleShown + 1) % Math.max(1, S.sources.length);
  else if (mode === "toggle") S.toggleShown = S.active;
  S.mode = mode; S.context = null; buildPanes(); renderShotHeader(); repaint();
}

async function toggleContext() {
  if (S.context) { S.context = null; buildPanes(); renderShotHeader(); show(0); return; }
  const here = activeTake(); if (!here) return;
  let ctx;
  try { ctx = await api(`/api/shots/${encodeURIComponent(S.shotId)}/context`, undefined, "GET"); } catch { return; }
  const part = (p, source) => ({ name: `${p.shot} ${source.label}`, source, offset: p.start, frames: Math.min(p.frames, source.frames - p.start) });
  const other = (p) => new TakeSource({ id: p.id, label: p.take, frames: p.start + p.frames, width: here.width, height: here.height }, p.shot);
  const parts = [];
  if (ctx.previous) parts.push(part(ctx.previous, other(ctx.previous)));
  parts.push(part(ctx.current, here)); // this shot with the chosen take, trimmed as the cut trims it
  if (ctx.next) parts.push(part(ctx.next, other(ctx.next)));
  let start = 0;
  const segments = parts.map((p) => { const seg = { ...p, start }; start += p.frames; return seg; });
  S.context = { segments, total: start };
  buildPanes(); renderShotHeader();
  $("#scrub").max = String(lastFrame()); $("#frame-last").textContent = String(lastFrame());
  show(0).then(() => play(1));
}

function nextToReview(delta) {
  // the next shot (in film order, wrapping) that still needs a decision
  const shots = S.film.shots, here = shots.findIndex((s) => s.id === S.shotId);
  for (let k = 1; k <= shots.length; k++) {
    const shot = shots[(((here + delta * k) % shots.length) + shots.length) % shots.length];
    if (shot.review.state === "to review" || shot.review.state === "to correct") { stop(); openShot(shot.id); return; }
  }
  toast("every shot is decided");
}

function moveShot(delta) {
  const ids = S.film.shots.map((s) => s.id);
  const i = Math.max(0, Math.min(ids.length - 1, ids.indexOf(S.shotId) + delta));
  stop(); openShot(ids[i]);
}

function openFilmPanel() {
  const panel = $("#film-panel");
  $("#two-reviewers").checked = S.film.two_reviewers;
  $("#checklist").replaceChildren(...Object.entries(S.film.checklist).map(([item, done]) => el("li", {},
    el("label", {}, el("input", { type: "checkbox", checked: done, onchange: (e) => api("/api/checklist", { item, done: e.target.checked }).then((f) => { S.film = f; }) }), ` ${item}`))));
  for (const k of ["worked", "broke", "reuse"]) $(`#note-${k}`).value = S.film.production_note[k] || "";
  panel.hidden = false; $("#two-reviewers").focus();
}
async function saveProductionNote() {
  S.film = await api("/api/production-note", Object.fromEntries(["worked", "broke", "reuse"].map((k) => [k, $(`#note-${k}`).value])));
  toast("production note saved");
}

// --- keys ----------------------------------------------------------------------------------------------

const KEYS = [
  ["Space / K", "play · pause", () => (S.speed ? stop() : play(1))],
  ["L / J", "play forward / backward (again: faster)", null],
  [". / ,", "next / previous frame (Shift: 10 frames)", null],
  ["Home / End", "first / last frame", null],
  ["↓ ↑ or ] [", "next / previous shot", null],
  ["} / {", "next / previous shot still to review", null],
  ["1–9", "choose take 1–9 (the circled one)", null],
  ["P", "pick the chosen take (again: clear the pick)", pickActive],
  ["X / Shift+X", "reject the chosen take with a reason (major / minor)", null],
  ["U", "withdraw the rejection of the chosen take", unrejectActive],
  ["N", "note pinned to this frame, where you last clicked", noteHere],
  ["F / Shift+F", "next / previous QA-flagged range", null],
  ["S · W · T", "side by side · wipe (drag the line) · toggle (T again switches)", null],
  ["Z", "loupe: fit → 100 → 200 → 400 % (drag pans every pane)", null],
  ["← →", "wipe: move the line · loupe: pan", null],
  ["E", "edges only (the border check)", null],
  ["M", "mobile view (the vertical reframe at phone size)", null],
  ["C", "cold review: no scores until you decide", null],
  ["V", "sound: normal → low → off", null],
  ["G", "shot in context: previous and next picked shots around it", toggleContext],
  ["R / Shift+R", "narrative / visual sign-off of the chosen take", null],
  ["O", "film: checklist, production note, two-reviewer rule", openFilmPanel],
  ["?", "this help", null],
];

function showHelp(on) {
  $("#help-keys").replaceChildren(...KEYS.map(([k, what]) => el("tr", {}, el("th", {}, k), el("td", {}, what))));
  $("#help").hidden = !on;
}

function onKey(e) {
  if (!$("#dialog").hidden) return; // the dialog has its own keys
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (e.key === "Escape") { showHelp(false); $("#film-panel").hidden = true; document.activeElement.blur(); return; }
  if (!$("#film-panel").hidden) { if (e.key === "Enter" && e.ctrlKey) saveProductionNote(); return; }
  if (typing || e.metaKey || e.ctrlKey || e.altKey) return;
  const k = e.key;
  const handled = () => e.preventDefault();
  if (k === "?") { showHelp($("#help").hidden); return handled(); }
  if (!$("#help").hidden) return;
  if (k === " " || k === "k" || k === "K") { if (k === " " && S.speed) stop(); else if (k === " ") play(1); else stop(); return handled(); }
  if (k === "l" || k === "L") { play(S.speed > 0 ? Math.min(8, S.speed * 2) : 1); return handled(); }
  if (k === "j" || k === "J") { play(S.speed < 0 ? Math.max(-8, S.speed * 2) : -1); return handled(); }
  if (k === "." || k === ">") { step(e.shiftKey ? 10 : 1); return handled(); }
  if (k === "," || k === "<") { step(e.shiftKey ? -10 : -1); return handled(); }
  if (k === "Home") { stop(); show(0); return handled(); }
  if (k === "End") { stop(); show(lastFrame()); return handled(); }
  if (k === "ArrowDown" && !S.zoom || k === "]") { moveShot(1); return handled(); }
  if (k === "ArrowUp" && !S.zoom || k === "[") { moveShot(-1); return handled(); }
  if (k === "}" || k === "{") { nextToReview(k === "}" ? 1 : -1); return handled(); }
  if (/^[1-9]$/.test(k)) { const i = Number(k) - 1; if (i < S.sources.length) { S.active = i; if (S.mode !== "side") buildPanes(); labelPanes(); renderDecide(); repaint(); } return handled(); }
  if (k === "p" || k === "P") { pickActive(); return handled(); }
  if (k === "x" || k === "X") { rejectActive(e.shiftKey ? "minor" : "major"); return handled(); }
  if (k === "u" || k === "U") { unrejectActive(); return handled(); }
  if (k === "n" || k === "N") { noteHere(); return handled(); }
  if (k === "f") { jumpFlag(S.flagCursor + 1); return handled(); }
  if (k === "F") { jumpFlag(S.flagCursor - 1); return handled(); }
  if (k === "s" || k === "S") { setMode("side"); return handled(); }
  if (k === "w" || k === "W") { setMode("wipe"); return handled(); }
  if (k === "t" || k === "T") { setMode("toggle"); return handled(); }
  if (k === "z" || k === "Z") { S.zoom = ZOOMS[(ZOOMS.indexOf(S.zoom) + 1) % ZOOMS.length]; renderShotHeader(); repaint(); return handled(); }
  if (k === "ArrowLeft" || k === "ArrowRight" || k === "ArrowUp" || k === "ArrowDown") {
    const d = (k === "ArrowLeft" || k === "ArrowUp" ? -1 : 1) * (e.shiftKey ? 0.1 : 0.02);
    if (S.zoom) { if (k === "ArrowLeft" || k === "ArrowRight") S.pan.x = clamp01(S.pan.x + d); else S.pan.y = clamp01(S.pan.y + d); }
    else if (S.mode === "wipe") S.wipe = clamp01(S.wipe + d);
    repaint(); return handled();
  }
  if (k === "e" || k === "E") { S.edges = !S.edges; renderShotHeader(); repaint(); return handled(); }
  if (k === "m" || k === "M") { S.mobile = !S.mobile; buildPanes(); renderShotHeader(); repaint(); return handled(); }
  if (k === "c" || k === "C") { S.cold = !S.cold; localStorage.setItem("shotcraft.cold", S.cold ? "1" : "0"); renderShotList(); renderShotHeader(); renderDecide(); renderFlags(); toast(S.cold ? "cold review: scores hidden until you decide" : "scores shown"); return handled(); }
  if (k === "v" || k === "V") { S.sound = SOUND_ORDER[(SOUND_ORDER.indexOf(S.sound) + 1) % 3]; localStorage.setItem("shotcraft.sound", S.sound); syncSound(); toast(`sound ${S.sound}`); return handled(); }
  if (k === "g" || k === "G") { toggleContext(); return handled(); }
  if (k === "r") { signOff("narrative"); return handled(); }
  if (k === "R") { signOff("visual"); return handled(); }
  if (k === "o" || k === "O") { openFilmPanel(); return handled(); }
}

// --- start -----------------------------------------------------------------------------------------------

function live() {
  const source = new EventSource("/events");
  source.addEventListener("hello", () => $("#live").classList.add("on"));
  source.addEventListener("change", () => refresh().catch(() => {}));
  source.onerror = () => $("#live").classList.remove("on");
}

async function start() {
  document.addEventListener("keydown", onKey);
  window.addEventListener("resize", () => { sizeCanvases(); repaint(); });
  $("#help-button").addEventListener("click", () => showHelp($("#help").hidden));
  $("#shots-toggle").addEventListener("click", () => document.body.classList.toggle("show-shots"));
  $("#scrub").addEventListener("input", (e) => { stop(); show(Number(e.target.value)); });
  $("#two-reviewers").addEventListener("change", (e) => api("/api/settings", { two_reviewers: e.target.checked }).then((f) => { S.film = f; renderShotList(); }));
  $("#save-note").addEventListener("click", saveProductionNote);
  for (const b of document.querySelectorAll("#transport button[data-key]")) {
    b.addEventListener("click", () => { b.blur(); onKey({ key: b.dataset.key, shiftKey: false, preventDefault() {} }); }); // keys stay with the page
  }
  await loadFilm();
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = S.film.shots.find((s) => s.id === wanted) || S.film.shots[0];
  syncSound();
  if (first) await openShot(first.id);
  live();
  document.body.dataset.ready = "1";
}

start();
