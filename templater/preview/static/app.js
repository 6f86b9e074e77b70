// templater preview: plain JavaScript, no build step. Every answer comes from the JSON API, which
// runs the same lint, render and classify as the command line.
"use strict";

const TOKEN = document.querySelector('meta[name="templater-token"]').content;
const $ = (id) => document.getElementById(id);
const state = { templates: [], path: null, saved: "", answer: null, timer: null, seq: 0, library: null };

async function call(method, url, body, write) {
  const headers = { "Content-Type": "application/json" };
  if (write) headers["X-Templater-Token"] = TOKEN;
  const response = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const data = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function status(text) { $("status").textContent = text; }

// -- templates list ------------------------------------------------------------------------------
async function loadTemplates() {
  const data = await call("GET", "/api/templates");
  state.templates = data.templates;
  drawTemplates();
}

function drawTemplates() {
  const text = $("filter-text").value.toLowerCase();
  const category = $("filter-category").value, language = $("filter-language").value;
  const list = $("templates");
  list.replaceChildren();
  for (const t of state.templates) {
    if (category && t.category !== category) continue;
    if (language && t.language !== language) continue;
    if (text && !(t.id + " " + t.path).toLowerCase().includes(text)) continue;
    const counts = el("span", {},
      t.errors ? el("span", { class: "count error", title: "errors" }, `${t.errors} E`) : null,
      t.warnings ? el("span", { class: "count warning", title: "warnings" }, `${t.warnings} W`) : null);
    list.append(el("li", {}, el("button", {
      type: "button", "data-path": t.path, "aria-current": String(t.path === state.path),
      onclick: () => openTemplate(t.path),
    }, el("span", {}, t.id), counts, el("span", { class: "meta" },
      `${t.category || "no category"} · ${t.language || "?"} · ${t.path}`))));
  }
}

// -- editor --------------------------------------------------------------------------------------
async function openTemplate(path) {
  if (state.path && $("source").value !== state.saved && !confirm("Discard the unsaved changes?")) return;
  try {
    const data = await call("GET", "/api/file?path=" + encodeURIComponent(path));
    state.path = path;
    state.saved = data.text;
    $("source").value = data.text;
    $("source").disabled = false;
    $("save-button").disabled = $("fix-button").disabled = false;
    $("current-path").textContent = path;
    $("variables").replaceChildren();
    drawTemplates();
    draw();
    await lint();
  } catch (e) { status(e.message); }
}

function schedule() {
  draw();
  clearTimeout(state.timer);
  state.timer = setTimeout(lint, 250);
  status($("source").value === state.saved ? "" : "edited");
}

function formValues() {
  const values = {};
  for (const input of $("variables").querySelectorAll("input")) if (input.value) values[input.name] = input.value;
  return values;
}

async function lint() {
  if (!state.path) return;
  const seq = ++state.seq;
  try {
    const answer = await call("POST", "/api/lint", { path: state.path, text: $("source").value, values: formValues() });
    if (seq !== state.seq) return;  // an older answer than what is on screen
    state.answer = answer;
    drawAll();
  } catch (e) { if (seq === state.seq) status(e.message); }
}

// Mark [start, end) ranges of each line (columns in code points, as the API counts them).
function draw() {
  const text = $("source").value;
  const lines = text.split("\n");
  $("gutter").textContent = lines.map((_, i) => i + 1).join("\n");
  const marks = new Map();  // line index -> [{start, end, cls, title}]
  const add = (line, start, end, cls, title) => {
    if (!marks.has(line)) marks.set(line, []);
    marks.get(line).push({ start, end, cls, title });
  };
  const answer = state.answer;
  if (answer) {
    for (const f of answer.findings) {
      const i = f.line - 1, chars = Array.from(lines[i] || "");
      const start = Math.max(0, f.column - 1);
      add(i, start, findingEnd(f, chars, start), `u ${f.severity}`, `${f.rule}: ${f.message}`);
    }
  }
  // UCS-2 characters from the text itself, so they follow every keystroke
  lines.forEach((line, i) => {
    Array.from(line).forEach((ch, j) => { if (!isGsm(ch)) add(i, j, j + 1, "ucs2", `forces UCS-2 (U+${ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")})`); });
  });
  const out = $("highlight");
  out.replaceChildren();
  lines.forEach((line, i) => {
    const chars = Array.from(line);
    const list = marks.get(i) || [];
    const cls = chars.map((_, j) => list.filter((m) => m.start <= j && j < m.end));
    let j = 0;
    while (j < chars.length) {
      let k = j + 1;
      while (k < chars.length && same(cls[k], cls[j])) k++;
      const piece = chars.slice(j, k).join("");
      if (cls[j].length) {
        out.append(el("span", { class: cls[j].map((m) => m.cls).join(" "), title: cls[j].map((m) => m.title).join("\n") }, piece));
      } else out.append(piece);
      j = k;
    }
    if (!chars.length && list.length) out.append(el("span", { class: list.map((m) => m.cls).join(" ") }, " "));
    out.append(i < lines.length - 1 ? "\n" : "\n\n\n");
  });
  $("gutter").textContent += "\n\n\n";  // room for the text area's scroll bar
  follow();
}

// The end of a finding's span: the API's own end (end_line, end_column: the column after its last
// character, as `lint --format json` gives it); a span running past its line is underlined to the
// line's end; a finding that is a point (duplicate-id, a suppression comment) gets the tag or word
// that starts there, so that it stays visible.
function findingEnd(f, chars, start) {
  if (f.end_line === f.line && f.end_column > f.column) return f.end_column - 1;
  if (f.end_line > f.line) return chars.length;
  return spanEndChars(chars, start);
}

// The tag ({{ }} or {% %}) or word that starts at a column.
function spanEndChars(chars, start) {
  let k = start;
  const word = /[\p{L}\p{N}_'’-]/u;
  if (chars[k] === "{" && (chars[k + 1] === "{" || chars[k + 1] === "%")) {
    const close = chars[k + 1] === "{" ? "}}" : "%}";
    const at = chars.join("").indexOf(close, start);  // code-point index holds for ASCII delimiters
    return at >= 0 ? Array.from(chars.join("").slice(0, at)).length + 2 : chars.length;
  }
  while (k < chars.length && word.test(chars[k])) k++;
  return Math.max(k, start + 1);
}

// The line numbers and the underlines follow the text area's scroll.
function follow() {
  const src = $("source");
  $("highlight").scrollTop = $("gutter").scrollTop = src.scrollTop;
  $("highlight").scrollLeft = src.scrollLeft;
}

function same(a, b) { return a.length === b.length && a.every((m, i) => m === b[i]); }

// GSM 03.38 basic and extension characters.
const GSM = new Set(Array.from("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€\f"));
function isGsm(ch) { return GSM.has(ch); }

function drawAll() {
  draw();
  drawFindings();
  drawNonGsm();
  drawPhone();
  drawVariables();
  drawClassification();
  const e = state.answer.findings.filter((f) => f.severity === "error").length;
  const w = state.answer.findings.filter((f) => f.severity === "warning").length;
  status(`${e} error${e === 1 ? "" : "s"}, ${w} warning${w === 1 ? "" : "s"}` + ($("source").value === state.saved ? "" : " · edited"));
}

function jumpTo(line, column) {
  const src = $("source");
  const lines = src.value.split("\n");
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  offset += Array.from(lines[line - 1] || "").slice(0, column - 1).join("").length;
  src.focus();
  src.setSelectionRange(offset, offset);
}

function drawFindings() {
  const list = $("findings");
  list.replaceChildren();
  const { findings, explanations } = state.answer;
  if (!findings.length) list.append(el("li", {}, "No findings."));
  for (const f of findings) {
    const why = explanations[f.rule] || {};
    list.append(el("li", { class: "finding", "data-rule": f.rule },
      el("span", { class: `sev ${f.severity}` }, f.severity),
      el("button", { type: "button", class: "rule", title: "Go to the place", onclick: () => jumpTo(f.line, f.column) },
        `${f.rule} ${f.line}:${f.column}`),
      " ", f.message,
      why.summary ? el("details", {}, el("summary", {}, why.summary), why.doc || "") : null));
  }
}

function drawNonGsm() {
  const list = $("non-gsm");
  list.replaceChildren();
  const items = state.answer.non_gsm || [];
  if (!items.length) list.append(el("li", {}, "None: the body is GSM-7."));
  for (const c of items) {
    list.append(el("li", { class: "non-gsm" },
      el("code", { class: "ucs2" }, c.char), ` ${c.codepoint} at ${c.line}:${c.column} `,
      c.replacement !== null
        ? el("button", { type: "button", class: "lookalike", onclick: () => replaceChar(c) }, `Replace with “${c.replacement}”`)
        : el("span", {}, "no GSM-7 look-alike")));
  }
}

function replaceChar(c) {
  const src = $("source");
  const lines = src.value.split("\n");
  const chars = Array.from(lines[c.line - 1] || "");
  const at = c.column - 1, n = Array.from(c.char).length;
  if (chars.slice(at, at + n).join("") !== c.char) return lint();  // the text moved: ask again
  lines[c.line - 1] = chars.slice(0, at).join("") + c.replacement + chars.slice(at + n).join("");
  src.value = lines.join("\n");
  schedule();
}

function drawPhone() {
  const r = state.answer.render || {};
  const bubble = $("bubble"), counts = $("counts");
  counts.replaceChildren();
  if (r.error) {
    bubble.textContent = r.error;
    bubble.className = "bubble error";
    return;
  }
  bubble.textContent = r.text;
  bubble.className = "bubble";
  const row = (k, v, id) => counts.append(el("dt", {}, k), el("dd", { id }, String(v)));
  row("Characters", r.characters, "count-characters");
  row("Encoding", r.encoding, "count-encoding");
  row("Segments", r.segments, "count-segments");
  if (r.worst) row("Worst case", `${r.worst.segments} segment${r.worst.segments === 1 ? "" : "s"} (${r.worst.characters} characters, ${r.worst.encoding}) with optional variables at their longest example`, "count-worst");
  if (r.blocked && r.blocked.length) row("Sending", `blocked: ${[...new Set(r.blocked.map((f) => f.rule))].join(", ")}`, "count-blocked");
}

function drawVariables() {
  const form = $("variables");
  const names = (state.answer.variables || []).map((v) => v.name).join(",");
  if (form.dataset.names === names) return;  // keep what was typed
  form.dataset.names = names;
  const refill = state.rows && state.rows.length;
  form.replaceChildren();
  if (!names) form.append("No declared variables.");
  for (const v of state.answer.variables || []) {
    form.append(el("label", {}, `${v.name}${v.required ? " (required)" : ""}`,
      el("input", { name: v.name, placeholder: v.examples[0] || v.default || "", title: v.description || "",
                    oninput: () => { clearTimeout(state.timer); state.timer = setTimeout(lint, 250); } })));
  }
  if (refill) fillFromRow();
}

function drawClassification() {
  const c = state.answer.classification, box = $("classification");
  box.replaceChildren();
  if (!c || c.error) { box.append(c ? c.error : "No classification: the file is not a template yet."); return; }
  const declared = c.declared ? `declared ${c.declared} (needs ${c.declared_consent} consent)` : "no declared category";
  box.append(el("p", {}, declared), el("p", { class: c.agrees === false ? "disagree" : "" },
    `classify reads it as ${c.category} (needs ${c.consent} consent)` + (c.agrees === false ? ": they disagree" : "")));
  const ul = el("ul", { class: "evidence" });
  for (const e of c.evidence) {
    const place = e.line ? el("button", { type: "button", onclick: () => jumpTo(e.line, e.column) }, `${e.line}:${e.column}`) : e.where;
    ul.append(el("li", {}, `${e.kind} · ${e.signal}: `, el("code", {}, e.text), " ", place));
  }
  if (!c.evidence.length) ul.append(el("li", {}, "No markers: transactional by default."));
  box.append(ul);
}

// -- a row of a recipients file fills the variables ----------------------------------------------
async function loadRecipientFiles() {
  const data = await call("GET", "/api/recipients");
  $("rows-file").replaceChildren(el("option", { value: "" }, "the examples"),
    ...data.files.map((f) => el("option", { value: f }, f)));
}

async function pickRowsFile() {
  const path = $("rows-file").value, rows = $("rows-row");
  state.rows = [];
  rows.replaceChildren();
  rows.disabled = !path;
  if (path) {
    try {
      state.rows = (await call("GET", "/api/rows?path=" + encodeURIComponent(path))).rows;
      rows.replaceChildren(...state.rows.map((r, i) => el("option", { value: String(i) },
        `${i + 1}: ${Object.values(r).slice(0, 3).join(", ")}`)));
    } catch (e) { status(e.message); }
  }
  fillFromRow();
}

function fillFromRow() {
  const row = state.rows && state.rows[Number($("rows-row").value)];
  for (const input of $("variables").querySelectorAll("input")) {
    const key = row && Object.keys(row).find((k) => k.trim().toLowerCase() === input.name.toLowerCase());
    input.value = key ? row[key] : "";
  }
  lint();
}

// -- save, fix -----------------------------------------------------------------------------------
async function save() {
  try {
    await call("POST", "/api/save", { path: state.path, text: $("source").value }, true);
    state.saved = $("source").value;
    status("saved");
    await loadTemplates();
  } catch (e) { status("not saved: " + e.message); }
}

async function fix() {
  try {
    const data = await call("POST", "/api/fix", { path: state.path, text: $("source").value });
    $("source").value = data.text;
    schedule();
    status(data.applied.length ? "fixed: " + data.applied.join("; ") + " (not saved yet)" : "no safe fix to make");
  } catch (e) { status(e.message); }
}

// -- new, library --------------------------------------------------------------------------------
async function library() {
  if (!state.library) state.library = (await call("GET", "/api/library")).templates;
  return state.library;
}

async function openNew() {
  const lib = await library();
  const industries = [...new Set(lib.map((t) => t.industry))].sort();
  const fill = (select, values) => select.replaceChildren(...values.map((v) => el("option", {}, v)));
  const cases = () => { fill($("new-case"), [...new Set(lib.filter((t) => t.industry === $("new-industry").value).map((t) => t.use_case))].sort()); langs(); };
  const langs = () => fill($("new-language"), lib.filter((t) => t.industry === $("new-industry").value && t.use_case === $("new-case").value).map((t) => t.language));
  fill($("new-industry"), industries);
  $("new-industry").onchange = cases;
  $("new-case").onchange = langs;
  cases();
  $("new-error").textContent = "";
  $("new-dialog").showModal();
}

async function createNew(event) {
  event.preventDefault();
  try {
    const made = await call("POST", "/api/new", {
      name: `${$("new-industry").value}.${$("new-case").value}`, language: $("new-language").value,
      brand: $("new-brand").value, folder: $("new-folder").value }, true);
    $("new-dialog").close();
    await loadTemplates();
    await openTemplate(made.path);
    status(`created ${made.path} from ${made.from}`);
  } catch (e) { $("new-error").textContent = e.message; }
}

async function openLibrary() {
  const lib = await library();
  const draw = () => {
    const text = $("library-filter").value.toLowerCase();
    $("library-list").replaceChildren(...lib.filter((t) => !text || (t.id + " " + t.description).toLowerCase().includes(text))
      .map((t) => el("li", {}, el("button", { type: "button", onclick: () => pick(t) }, t.id))));
  };
  const pick = (t) => {
    $("library-source").textContent = t.source;
    $("library-copy").disabled = false;
    $("library-copy").onclick = async () => {
      try {
        const made = await call("POST", "/api/library/copy", { id: t.id }, true);
        $("library-dialog").close();
        await loadTemplates();
        await openTemplate(made.path);
        status(`copied ${made.from} to ${made.path}`);
      } catch (e) { $("library-error").textContent = e.message; }
    };
  };
  $("library-filter").oninput = draw;
  $("library-error").textContent = "";
  draw();
  $("library-dialog").showModal();
}

// -- wiring --------------------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  $("source").addEventListener("input", schedule);
  $("source").addEventListener("scroll", follow);
  for (const id of ["filter-text", "filter-category", "filter-language"]) {
    $(id).addEventListener("input", drawTemplates);
    $(id).addEventListener("change", drawTemplates);
  }
  $("save-button").addEventListener("click", save);
  $("rows-file").addEventListener("change", pickRowsFile);
  $("rows-row").addEventListener("change", fillFromRow);
  $("fix-button").addEventListener("click", fix);
  $("new-button").addEventListener("click", openNew);
  $("library-button").addEventListener("click", openLibrary);
  $("new-form").addEventListener("submit", createNew);
  $("new-cancel").addEventListener("click", () => $("new-dialog").close());
  $("library-close").addEventListener("click", () => $("library-dialog").close());
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); if (state.path) save(); }
  });
  loadTemplates().catch((e) => status(e.message));
  loadRecipientFiles().catch((e) => status(e.message));
});
