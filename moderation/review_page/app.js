// pairsmith review page. Every piece of pair or document text goes into the page through
// textContent (never innerHTML), so text that looks like HTML is shown as it is.
"use strict";

const TOKEN = document.querySelector('meta[name="pairsmith-token"]').content;
const PAGE = 100;
const state = { filters: { decision: "", status: "", reason: "", source: "", q: "" }, sort: "", desc: false,
                offset: 0, total: 0, items: [], selected: -1, detail: null, editing: false, undo: [], pending: null };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value; else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  return node;
}

function authQuery() {
  const token = new URLSearchParams(location.search).get("token");
  return token ? "&token=" + encodeURIComponent(token) : "";
}

async function getJSON(path) {
  const response = await fetch(path, { headers: { "X-Pairsmith-Token": TOKEN } });
  if (!response.ok) throw new Error((await response.json()).error || response.statusText);
  return response.json();
}

async function post(path, body) {
  const response = await fetch(path, { method: "POST", body: JSON.stringify(body),
    headers: { "Content-Type": "application/json", "X-Pairsmith-Token": TOKEN } });
  const data = await response.json();
  if (!response.ok) { const error = new Error(data.error || response.statusText); error.data = data; error.status = response.status; throw error; }
  return data;
}

function say(text) { $("status-line").textContent = text; }

function fillSelect(select, counts, current, labels) {
  const options = [el("option", { value: "" }, "all")];
  const seen = new Set();
  for (const [value, count] of Object.entries(counts || {})) {
    seen.add(value);
    options.push(el("option", { value }, `${(labels && labels[value]) || value} (${count})`));
  }
  if (current && !seen.has(current)) options.push(el("option", { value: current }, `${current} (0)`));
  select.replaceChildren(...options);
  select.value = current;
}

async function load(keepSelection) {
  const params = new URLSearchParams({ ...state.filters, sort: state.sort, order: state.desc ? "desc" : "asc",
                                       offset: state.offset, limit: PAGE });
  const data = await getJSON("/api/pairs?" + params.toString() + authQuery());
  state.total = data.total; state.items = data.items;
  fillSelect($("decision"), data.counts.decision, state.filters.decision);
  fillSelect($("status"), data.counts.status, state.filters.status);
  fillSelect($("reason"), data.counts.reason, state.filters.reason);
  fillSelect($("source"), data.counts.source, state.filters.source);
  const sort = $("sort");
  if (sort.options.length !== data.sort_keys.length + 1) {
    sort.replaceChildren(el("option", { value: "" }, "file order"), ...data.sort_keys.map((k) => el("option", { value: k }, k)));
  }
  sort.value = state.sort;
  $("total").textContent = `${data.total} pairs`;
  const pages = Math.max(1, Math.ceil(data.total / PAGE));
  $("page-no").textContent = ` ${Math.floor(state.offset / PAGE) + 1} / ${pages} `;
  renderList();
  if (!keepSelection) state.selected = state.items.length ? 0 : -1;
  state.selected = Math.min(state.selected, state.items.length - 1);
  if (state.selected >= 0) await select(state.selected); else renderDetail(null);
}

function renderList() {
  const list = $("list");
  list.replaceChildren(...state.items.map((item, i) => {
    const badges = [el("span", { class: "badge" }, item.decision)];
    if (item.status !== "undecided") badges.push(el("span", { class: "badge " + item.status }, item.status));
    const li = el("li", { class: item.decision + (i === state.selected ? " selected" : ""), dataset: { id: item.id } },
      el("div", {}, item.instruction || "(no instruction)"),
      el("div", { class: "meta" }, ...badges, item.reasons.join(", ")));
    li.addEventListener("click", () => queue(() => select(i)));
    return li;
  }));
}

async function select(i) {
  if (i < 0 || i >= state.items.length) return;
  state.selected = i; state.editing = false;
  for (const [k, li] of [...$("list").children].entries()) li.classList.toggle("selected", k === i);
  $("list").children[i].scrollIntoView({ block: "nearest" });
  state.detail = await getJSON("/api/pair/" + encodeURIComponent(state.items[i].id) + "?" + authQuery().slice(1));
  renderDetail(state.detail);
}

function chunkView(chunk, spans) {
  const box = el("div", { class: "text chunk", id: "chunk" });
  let at = 0;
  for (const [start, end] of spans) {
    if (start < at) continue;
    box.append(document.createTextNode(chunk.slice(at, start)), el("mark", {}, chunk.slice(start, end)));
    at = end;
  }
  box.append(document.createTextNode(chunk.slice(at)));
  return box;
}

function renderDetail(pair) {
  const pane = $("detail");
  if (!pair) { pane.replaceChildren(el("p", { class: "empty" }, "No pair matches the filters.")); return; }
  const human = pair.human;
  const instruction = human && human.instruction !== undefined ? human.instruction : pair.instruction;
  const output = human && human.output !== undefined ? human.output : pair.output;
  const parts = [
    el("div", { class: "actions" },
      el("button", { id: "approve", type: "button" }, "Approve (a)"), el("button", { id: "reject", type: "button" }, "Reject (r)"),
      el("button", { id: "edit", type: "button" }, "Edit (e)"), el("button", { id: "undo", type: "button" }, "Undo (u)"),
      el("span", { id: "human" }, human ? ` ${human.status} by ${human.by} at ${human.at}` : " undecided")),
    el("div", { class: "meta" }, `${pair.id} · moderation: ${pair.decision}` + (pair.generator_method ? ` · made by ${pair.generator_method}` : "")),
  ];
  if (state.editing) {
    parts.push(el("h2", {}, "Instruction"), el("textarea", { id: "edit-instruction" }, instruction),
               el("h2", {}, "Output"), el("textarea", { id: "edit-output" }, output),
               el("div", { class: "actions" }, el("button", { id: "save", type: "button" }, "Save edit (Ctrl+Enter)"),
                  el("button", { id: "cancel", type: "button" }, "Cancel (Esc)")));
  } else {
    parts.push(el("h2", {}, "Instruction"), el("div", { class: "text", id: "instruction" }, instruction));
    if (pair.input) parts.push(el("h2", {}, "Input"), el("div", { class: "text", id: "input" }, pair.input));
    parts.push(el("h2", {}, "Output"), el("div", { class: "text", id: "output" }, output));
  }
  if (pair.reasons.length) parts.push(el("h2", {}, "Reasons"), el("ul", { id: "reasons" }, ...pair.reasons.map((r) => el("li", {}, r))));
  for (const evidence of pair.evidence) {
    if (!evidence.excerpt) continue;
    const what = evidence.competitor ? `fits the question better (${evidence.competitor})` : (evidence.rule || "");
    parts.push(el("div", { class: "meta evidence" }, `${evidence.step}, ${what}: “${evidence.excerpt}”`));
  }
  for (const other of pair.others) {
    parts.push(el("h2", {}, `Beside it: ${other.relation} (${other.decision})`),
      el("div", { class: "side", id: "other" },
        el("div", {}, el("div", { class: "meta" }, "this pair"), el("div", { class: "text" }, pair.instruction), el("div", { class: "text" }, pair.output)),
        el("div", {}, el("div", { class: "meta" }, other.id), el("div", { class: "text" }, other.instruction), el("div", { class: "text" }, other.output))));
  }
  const source = pair.source || {};
  parts.push(el("h2", {}, "Source " + (source.path || "") + (source.lines ? `:${source.lines[0]}-${source.lines[1]}` : "")));
  parts.push(pair.chunk ? chunkView(pair.chunk, pair.spans) : el("p", { class: "meta" }, "The source chunk is not available."));
  const scores = Object.entries(pair.scores);
  if (scores.length) parts.push(el("h2", {}, "Scores"), el("table", { class: "scores" },
    ...scores.map(([k, v]) => el("tr", {}, el("td", {}, k), el("td", {}, String(v))))));
  pane.replaceChildren(...parts);
  $("approve").addEventListener("click", () => queue(() => decide("approved")));
  $("reject").addEventListener("click", () => queue(() => decide("rejected")));
  $("edit").addEventListener("click", () => queue(startEdit));
  $("undo").addEventListener("click", () => queue(undo));
  if (state.editing) {
    $("save").addEventListener("click", () => queue(saveEdit));
    $("cancel").addEventListener("click", () => { state.editing = false; renderDetail(state.detail); });
    $("edit-instruction").focus();
  }
}

async function decide(status, edit) {
  const item = state.items[state.selected];
  if (!item) return;
  try {
    await post("/api/decide", { id: item.id, status, ...(edit || {}) });
    state.undo.push([item.id]);
    say(`${status}: ${item.id}`);
    const next = state.selected + 1;
    await load(true);
    if (state.items.length && state.items[state.selected] && state.items[state.selected].id === item.id && next < state.items.length) await select(next);
  } catch (error) { say("not saved: " + error.message); }
}

function startEdit() { if (state.detail) { state.editing = true; renderDetail(state.detail); } }

async function saveEdit() {
  const instruction = $("edit-instruction").value, output = $("edit-output").value;
  state.editing = false;
  await decide("edited", { instruction, output });
}

async function undo() {
  const ids = state.undo.pop();
  if (!ids) { say("nothing to undo"); return; }
  try {
    await post("/api/undo", { ids });
    say(`undone: ${ids.length} decision(s)`);
    await load(true);
    const back = state.items.findIndex((item) => item.id === ids[0]);  // show the pair whose decision was undone
    if (back >= 0 && back !== state.selected) await select(back);
  }
  catch (error) { say("undo failed: " + error.message); }
}

function askBulk(status) {
  const verb = status === "approved" ? "Approve" : "Reject";
  state.pending = { status, filter: { ...state.filters }, expect: state.total };
  $("confirm-text").textContent = `${verb} all ${state.total} pairs that match the current filters?`;
  $("confirm").hidden = false;
  $("confirm-yes").focus();
}

async function runBulk() {
  const pending = state.pending;
  $("confirm").hidden = true; state.pending = null;
  if (!pending) return;
  try {
    const done = await post("/api/bulk", pending);
    if (done.ids.length) state.undo.push(done.ids);
    say(`${pending.status}: ${done.decided} pairs`);
    await load(true);
  } catch (error) { say(error.message); }
}

function bindFilters() {
  for (const key of ["decision", "status", "reason", "source"]) {
    $(key).addEventListener("change", () => { state.filters[key] = $(key).value; state.offset = 0; load(false); });
  }
  let timer = null;
  $("q").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { state.filters.q = $("q").value; state.offset = 0; load(false); }, 200);
  });
  $("sort").addEventListener("change", () => { state.sort = $("sort").value; state.offset = 0; load(false); });
  $("desc").addEventListener("change", () => { state.desc = $("desc").checked; state.offset = 0; load(false); });
  $("prev-page").addEventListener("click", () => { if (state.offset > 0) { state.offset -= PAGE; load(false); } });
  $("next-page").addEventListener("click", () => { if (state.offset + PAGE < state.total) { state.offset += PAGE; load(false); } });
  $("bulk-approve").addEventListener("click", () => askBulk("approved"));
  $("bulk-reject").addEventListener("click", () => askBulk("rejected"));
  $("confirm-yes").addEventListener("click", () => queue(runBulk));
  $("confirm-no").addEventListener("click", () => { $("confirm").hidden = true; state.pending = null; });
}

function onKey(event) {
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
  if (state.editing) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); queue(saveEdit); }
    else if (event.key === "Escape") { state.editing = false; renderDetail(state.detail); }
    return;
  }
  if (typing) { if (event.key === "Escape") document.activeElement.blur(); return; }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {
    j: () => select(state.selected + 1), ArrowDown: () => select(state.selected + 1),
    k: () => select(state.selected - 1), ArrowUp: () => select(state.selected - 1),
    a: () => decide("approved"), r: () => decide("rejected"), e: startEdit, u: undo,
    "/": () => $("q").focus(),
  };
  if (actions[event.key]) { event.preventDefault(); queue(actions[event.key]); }
}

// Keys act in the order they were pressed: each action waits for the one before (a fast "r" then
// "u" undoes the reject, never finds an empty undo list).
let busy = Promise.resolve();
function queue(action) {
  busy = busy.then(action).catch((error) => say(error.message));
  return busy;
}

bindFilters();
document.addEventListener("keydown", onKey);
load(false).catch((error) => say("cannot load the pairs: " + error.message));
