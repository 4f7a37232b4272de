// facestyle studio page: your recent portraits, listed from job ids kept in this browser only.
// Loaded after app.js, whose helpers (api, el, show, follow, state) it uses.
"use strict";

const HISTORY_KEY = "facestyle.history";

function loadHistory() {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY)) || []; } catch (_) { return []; }
}

function saveHistory(items) { localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(0, 48))); }

function remember(job, title = state.style.title) {
  saveHistory([{ id: job.id, title, quality: job.quality }, ...loadHistory().filter((item) => item.id !== job.id)]);
}

// A re-render takes its portrait's place in the list (same title, same position), or comes first
// when that portrait was removed meanwhile.
function replaceInHistory(oldId, job) {
  const items = loadHistory();
  const at = items.findIndex((item) => item.id === oldId);
  if (at < 0) { remember(job, state.style ? state.style.title : "Portrait"); return; }
  items[at] = { ...items[at], id: job.id, quality: job.quality };
  saveHistory(items.filter((item, index) => index === at || item.id !== job.id));
}

// Renders overlap (a job finishing while the page loads, a new job remembered while an older render
// waits on the server), so each render only forgets the ids the server called gone, re-reading storage
// when it does, and only the latest render replaces the list.
let historyRender = 0;

async function renderHistory() {
  const list = $("history");
  const render = ++historyRender;
  const items = loadHistory();
  const gone = new Set();
  const nodes = [];
  for (const item of items) {
    let job;
    try {
      job = await api(`/api/jobs/${item.id}`);
    } catch (error) {
      if (error.status === 404) gone.add(item.id); // expired or deleted
      continue;
    }
    if (job.status !== "done") continue;
    const thumb = el("img", { src: `${job.links.preview}?v=${job.preview_version}`, alt: `Portrait in the style of ${item.title}` });
    nodes.push(el("li", { "data-job": job.id }, [
      el("button", { type: "button", class: "open", title: "Show", onclick: () => { showStrengthOf(job); follow(job); } }, [
        thumb, el("div", { class: "meta", text: `${item.title} · ${item.quality}` }),
      ]),
      el("button", { type: "button", class: "remove", title: "Delete from this computer", "aria-label": "Delete", text: "×",
        onclick: () => removeJob(job.id) }),
    ]));
  }
  if (gone.size) saveHistory(loadHistory().filter((item) => !gone.has(item.id)));
  if (render !== historyRender) return; // a newer render has started and will draw the list
  list.replaceChildren(...nodes);
  show($("history-empty"), nodes.length === 0);
}

async function removeJob(id) {
  try { await api(`/api/jobs/${id}`, { method: "DELETE" }); } catch (error) { if (error.status !== 404) { formError(error.message); return; } }
  saveHistory(loadHistory().filter((item) => item.id !== id));
  if (state.job && state.job.id === id) {
    state.job = null;
    show($("status"), false);
    show($("stage-image"), false);
    show($("stage-empty"), true);
  }
  renderHistory();
}
