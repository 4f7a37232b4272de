// facestyle studio page: plain JavaScript, no build step, talks only to this server's /api.
"use strict";

const $ = (id) => document.getElementById(id);
const FINISHED = new Set(["done", "failed", "cancelled", "deleted"]);
// Methods quick enough (one network pass) to paint again on every move of the Strength slider.
const ONE_PASS = new Set(["fast", "adain"]);
// Wait this long after the slider's last move, so a drag starts one job rather than dozens.
const RERENDER_DELAY_MS = 250;

const state = {
  options: null,        // GET /api/options
  styles: [],           // GET /api/styles
  content: null,        // File
  style: null,          // {id, title} for a gallery painting, or {file, title}
  quality: null,
  job: null,            // the job being shown
  events: null,         // EventSource of that job
  previewVersion: -1,
  supersedes: new Map(),  // re-render's job id → the finished job it was painted from
  rerenderTimer: null,
  rerenderPending: false, // the slider moved while a job ran: paint again when it ends
  rerenderPosting: false, // a re-render's POST is on its way
};

// ---------- small helpers

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function show(node, visible) { node.hidden = !visible; }

async function api(path, init) {
  const response = await fetch(path, init);
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (!response.ok) {
    const message = body && (body.message || body.error) || `the studio answered ${response.status}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

function formatBytes(count) { return `${(count / (1024 * 1024)).toFixed(0)} MB`; }

function describeQuality(options) {
  if (options.method === "fast" || options.method === "adain") return "One quick pass: a second, not minutes.";
  return `${options.size} px, ${options.steps} steps.`;
}

// ---------- setup

async function init() {
  try {
    const [options, styles] = await Promise.all([api("/api/options"), api("/api/styles")]);
    state.options = options;
    state.styles = styles.styles;
  } catch (error) {
    formError(`Could not reach the studio: ${error.message}`);
    return;
  }
  $("retention").textContent = `Kept on this computer for ${state.options.retention_hours} h, then deleted.`;
  buildDropzone();
  buildGallery();
  buildQuality();
  buildControls();
  $("start").addEventListener("click", start);
  $("cancel").addEventListener("click", cancel);
  $("print").addEventListener("click", makePrint);
  renderHistory();
}

function buildDropzone() {
  const zone = $("dropzone");
  const input = $("content-input");
  input.addEventListener("change", () => input.files[0] && chooseContent(input.files[0]));
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add("dragging"); });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, () => zone.classList.remove("dragging"));
  }
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer.files[0];
    if (file) chooseContent(file);
  });
}

function checkFile(file) {
  const limit = state.options.limits.max_upload_bytes;
  if (file.size > limit) return `That file is ${formatBytes(file.size)}; the limit is ${formatBytes(limit)}.`;
  if (file.type && !file.type.startsWith("image/")) return "That is not an image; choose a JPEG, PNG or WebP photo.";
  return null;
}

function chooseContent(file) {
  const problem = checkFile(file);
  if (problem) { formError(problem); return; }
  formError(null);
  state.content = file;
  const preview = $("content-preview");
  preview.src = URL.createObjectURL(file);
  show(preview, true);
  show($("drop-hint"), false);
  updateStart();
}

function buildGallery() {
  const gallery = $("gallery");
  for (const style of state.styles) {
    const tile = el("button", {
      type: "button", class: "tile", role: "radio", "aria-checked": "false",
      title: `${style.title}, ${style.artist} (${style.year})`, "data-style": style.id,
      onclick: () => chooseStyle({ id: style.id, title: style.title, artist: style.artist }, tile),
    }, [el("img", { src: style.thumbnail_url, alt: style.title, loading: "lazy" })]);
    gallery.append(tile);
  }
  const input = $("style-input");
  const upload = el("button", {
    type: "button", class: "tile upload", role: "radio", "aria-checked": "false", id: "style-upload",
    onclick: () => input.click(),
  }, [el("span", { text: "Your own painting…" })]);
  gallery.append(upload);
  input.addEventListener("change", () => {
    const file = input.files[0];
    if (!file) return;
    const problem = checkFile(file);
    if (problem) { formError(problem); return; }
    formError(null);
    upload.replaceChildren(el("img", { src: URL.createObjectURL(file), alt: file.name }));
    chooseStyle({ file, title: file.name }, upload);
  });
}

function chooseStyle(style, tile) {
  state.style = style;
  for (const node of $("gallery").children) node.setAttribute("aria-checked", String(node === tile));
  $("style-caption").textContent = style.artist ? `${style.title} — ${style.artist}` : `Your painting: ${style.title}`;
  updateStart();
}

function buildQuality() {
  const group = $("quality");
  for (const quality of state.options.qualities) {
    const label = quality.name[0].toUpperCase() + quality.name.slice(1);
    group.append(el("button", {
      type: "button", role: "radio", "aria-checked": "false", "data-quality": quality.name, text: label,
      onclick: () => chooseQuality(quality.name),
    }));
  }
  chooseQuality(state.options.default_quality);
}

function chooseQuality(name) {
  state.quality = name;
  for (const node of $("quality").children) node.setAttribute("aria-checked", String(node.dataset.quality === name));
  const preset = state.options.qualities.find((q) => q.name === name).options;
  $("quality-hint").textContent = describeQuality(preset);
  $("opt-size").placeholder = preset.size || "preset";
  $("opt-steps").placeholder = preset.steps || "preset";
  $("opt-size").max = state.options.limits.max_size;
  $("opt-steps").max = state.options.limits.max_steps;
  // A control that only some methods use (face protection for gatys) shows only for those.
  for (const node of $("controls").querySelectorAll("[data-methods]")) {
    const methods = node.dataset.methods.split(",").filter(Boolean);
    show(node, methods.length === 0 || methods.includes(preset.method));
  }
}

// Extra controls (strength, face protection, colour) exist only when the engine has the setting.
function buildControls() {
  const box = $("controls");
  for (const control of state.options.controls) {
    const id = `ctl-${control.name}`;
    const before = box.children.length;
    if (control.kind === "checkbox") {
      const input = el("input", { type: "checkbox", id, "data-option": control.name });
      input.checked = Boolean(control.default);
      box.append(el("label", { class: "control check", for: id, title: control.help }, [input, el("span", { text: control.label })]));
    } else if (control.kind === "select") {
      const select = el("select", { id, "data-option": control.name });
      for (const choice of control.choices) select.append(el("option", { value: choice, text: choice }));
      select.value = control.default;
      box.append(el("label", { class: "control", for: id, title: control.help }, [el("span", { text: control.label }), select, el("span")]));
    } else {
      const input = el("input", {
        type: "range", id, "data-option": control.name,
        min: control.minimum, max: control.maximum, step: control.step,
      });
      input.value = control.default;
      const output = el("output", { for: id, text: String(control.default) });
      input.addEventListener("input", () => { output.textContent = input.value; });
      if (control.name === "strength") input.addEventListener("input", scheduleRerender);
      box.append(el("label", { class: "control", for: id, title: control.help }, [el("span", { text: control.label }), input, output]));
    }
    if (box.children.length > before) box.lastChild.dataset.methods = control.methods.join(",");
  }
  chooseQuality(state.quality);  // show only the controls the chosen quality's method uses
}

function updateStart() {
  $("start").disabled = !(state.content && state.style) || Boolean(state.job && !FINISHED.has(state.job.status));
}

function formError(message) {
  $("form-error").textContent = message || "";
  show($("form-error"), Boolean(message));
}

// ---------- running a job

async function start() {
  formError(null);
  const form = new FormData();
  form.append("content", state.content);
  if (state.style.id) form.append("style_id", state.style.id);
  else form.append("style", state.style.file);
  form.append("quality", state.quality);
  for (const [field, input] of [["size", $("opt-size")], ["steps", $("opt-steps")], ["seed", $("opt-seed")]]) {
    if (input.value !== "") form.append(field, input.value);
  }
  for (const input of $("controls").querySelectorAll("[data-option]")) {
    if (input.closest("[hidden]")) continue;  // not used by this quality's method
    form.append(input.dataset.option, input.type === "checkbox" ? String(input.checked) : input.value);
  }
  $("start").disabled = true;
  try {
    const job = await api("/api/jobs", { method: "POST", body: form });
    remember(job);
    follow(job);
    if (window.matchMedia("(max-width: 720px)").matches) $("canvas").scrollIntoView({ behavior: "smooth" });
  } catch (error) {
    formError(error.status === 503 ? `The studio is busy: ${error.message}` : error.message);
    updateStart();
  }
}

// keepImage: a re-render keeps the current picture until its own arrives, so it changes in place.
function follow(job, { keepImage = false } = {}) {
  if (state.events) state.events.close();
  state.job = job;
  state.previewVersion = -1;
  if (!FINISHED.has(job.status) && !keepImage) {
    // A new run: clear the last picture until this run's first image arrives.
    show($("stage-image"), false);
    $("stage-empty").textContent = "The first brush strokes appear in a moment…";
  }
  show($("stage-empty"), !FINISHED.has(job.status) && !keepImage);
  show($("job-error"), false);
  show($("download"), false);
  show($("status"), true);
  render(job);
  if (FINISHED.has(job.status)) return;
  const events = new EventSource(job.links.events);
  state.events = events;
  events.onmessage = (message) => {
    const update = JSON.parse(message.data);
    if (!state.job || update.id !== state.job.id) return;
    render(update);
    if (FINISHED.has(update.status)) { events.close(); finished(update); }
  };
  events.onerror = () => {
    // The browser reconnects by itself; only a closed stream of a finished job is final.
    if (state.job && FINISHED.has(state.job.status)) events.close();
  };
}

function render(job) {
  state.job = job;
  const status = $("status");
  status.className = `status ${job.status}`;
  $("canvas").classList.toggle("updating", state.supersedes.has(job.id) && !FINISHED.has(job.status));
  const percent = Math.round(100 * job.progress.fraction);
  $("bar-fill").style.width = `${job.status === "queued" ? 0 : percent}%`;
  status.querySelector(".bar").setAttribute("aria-valuenow", String(percent));
  $("status-text").textContent = statusText(job);
  show($("cancel"), job.status === "queued" || job.status === "running");
  show($("print"), false);
  if (job.status === "done") {
    showImage(`${job.links.result}?v=${job.preview_version}`);
    const download = $("download");
    download.href = `${job.links.result}?download=1`;
    const isPrint = Number(job.options.size) > state.options.limits.max_size;
    download.setAttribute("download", `facestyle-${job.id.slice(0, 8)}${isPrint ? "-print" : ""}.png`);
    show(download, true);
    offerPrint(job, isPrint);
  } else if (job.preview_version !== state.previewVersion && job.preview_version > 0) {
    state.previewVersion = job.preview_version;
    showImage(`${job.links.preview}?v=${job.preview_version}`);
  }
  const error = $("job-error");
  error.textContent = job.status === "failed" ? job.error : "";
  show(error, job.status === "failed");
  updateStart();
}

function statusText(job) {
  switch (job.status) {
    case "queued":
      return job.queue_position ? `Waiting: ${job.queue_position} job(s) ahead…` : "Starting…";
    case "running": return runningText(job.progress);
    case "done": return `Done in ${job.seconds != null ? job.seconds.toFixed(1) : "?"} s`;
    case "failed": return "Failed";
    case "cancelled": return "Cancelled";
    case "deleted": return "Deleted";
    default: return job.status;
  }
}

// What the command line's progress bar says: the step, the scale being painted and the time left.
function runningText(progress) {
  const { step, total_steps: total, scale, scales, width, height, eta_seconds: eta } = progress;
  if (!total) return "Painting…";
  let text = `Painting… step ${step} of ${total}`;
  if (scales > 1) text += ` · scale ${scale} of ${scales}, ${width}×${height} px`;
  if (eta != null) {
    const seconds = Math.round(eta);
    text += ` · at most ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")} left`;
  }
  return text;
}

// Swap the picture only once the next one has loaded, so it never flickers to blank.
function showImage(url) {
  const next = new Image();
  next.onload = () => {
    const image = $("stage-image");
    image.src = url;
    show(image, true);
    show($("stage-empty"), false);
  };
  next.src = url;
}

function finished(job) {
  const base = state.supersedes.get(job.id);
  if (base && job.status === "done") {
    // The re-render takes the place of the portrait it came from, which is no longer needed.
    state.supersedes.delete(job.id);
    replaceInHistory(base.id, job);
    api(`/api/jobs/${base.id}`, { method: "DELETE" }).catch(() => {});
  }
  renderHistory();
  if (state.rerenderPending) {
    state.rerenderPending = false;
    rerender();
  }
}

async function cancel() {
  if (!state.job) return;
  try {
    render(await api(`/api/jobs/${state.job.id}/cancel`, { method: "POST" }));
  } catch (error) {
    formError(error.message);
  }
}

// ---------- the print version: the shown portrait painted again at the studio's print size

function printSize() { return (state.options && state.options.limits.print_size) || 0; }

// The button names the print this photo allows: the studio's print size, or less for a small photo
// (job.print_size), and stays disabled when the photo allows nothing larger than the portrait shown.
function offerPrint(job, isPrint) {
  const button = $("print");
  const print = printSize();
  const allowed = job.print_size || 0;
  const larger = allowed > Number(job.options.size);
  if (!larger) {
    button.textContent = "Print size: this photo is too small for a larger portrait";
    button.title = "Start again with a larger photo for a print";
  } else if (allowed < print) {
    button.textContent = `Print size (${allowed} px, the most this photo allows)`;
    button.title = `The studio prints at ${print} px; this photo is too small for more than ${allowed} px`;
  } else {
    button.textContent = `Print size (${print} px)`;
    button.title = "Paint this portrait again at print size (takes minutes)";
  }
  button.disabled = !larger;
  show(button, print > 0 && !isPrint);
}

// The same photo, painting and options from the finished job (from_job, no upload), at print size;
// the preview stays up until the print's own pictures arrive, then the download is the print.
async function makePrint() {
  const base = state.job;
  if (!base || base.status !== "done") return;
  const form = new FormData();
  form.append("from_job", base.id);
  form.append("quality", base.quality);
  for (const [name, value] of Object.entries(base.options)) form.append(name, value === null ? "off" : String(value));
  form.set("size", String(base.print_size || printSize()));
  formError(null);
  try {
    follow(await api("/api/jobs", { method: "POST", body: form }), { keepImage: true });
  } catch (error) {
    formError(error.status === 503 ? `The studio is busy: ${error.message}` : error.message);
  }
}

// ---------- re-rendering a one-pass portrait when the Strength slider moves

function isOnePass(method) { return ONE_PASS.has(method); }

function scheduleRerender() {
  clearTimeout(state.rerenderTimer);
  state.rerenderTimer = setTimeout(rerender, RERENDER_DELAY_MS);
}

// Paints the shown portrait again at the slider's strength from its stored inputs (from_job): no
// upload. A failed or cancelled re-render leaves the portrait it came from as the one to start from.
async function rerender() {
  const shown = state.job;
  const preset = state.options.qualities.find((q) => q.name === state.quality).options;
  if (!shown || !isOnePass(preset.method)) return;
  if (state.rerenderPosting || !FINISHED.has(shown.status)) { state.rerenderPending = true; return; }
  const base = shown.status === "done" ? shown : state.supersedes.get(shown.id);
  const strength = $("ctl-strength").value;
  if (!base || !isOnePass(base.options.method) || Number(base.options.strength) === Number(strength)) return;
  const form = new FormData();
  form.append("from_job", base.id);
  form.append("quality", base.quality);
  for (const [name, value] of Object.entries(base.options)) form.append(name, value === null ? "off" : String(value));
  form.set("strength", strength);
  formError(null);
  state.rerenderPosting = true;
  try {
    const job = await api("/api/jobs", { method: "POST", body: form });
    state.supersedes.set(job.id, base);
    follow(job, { keepImage: true });
  } catch (error) {
    formError(error.status === 503 ? `The studio is busy: ${error.message}` : error.message);
  } finally {
    state.rerenderPosting = false;
  }
}

// Opening a one-pass portrait puts the slider at its strength, so the next move starts from there.
function showStrengthOf(job) {
  const input = $("ctl-strength");
  if (!input || !isOnePass(job.options.method) || job.options.strength == null) return;
  input.value = job.options.strength;
  input.closest("label").querySelector("output").textContent = input.value;
}

document.addEventListener("DOMContentLoaded", init);
