// The page: polls /api/devices every few seconds (the status index, never a Scan), draws a
// tile per device, and for the selected device its chart and alert history. The selection
// lives in the address (#device=...&range=...), so a wall tablet reloads to the same view.
"use strict";

const $ = (id) => document.getElementById(id);
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
const FULL_RELOAD_MS = 10 * 60 * 1000; // readings arriving late are picked up by this

const state = {
  device: null, range: "24h", day: "", refresh: 5, controls: null,
  serverSkewMs: 0, tiles: new Map(), chart: null, chartLoadedAt: 0, chartKey: null,
  timer: null, inFlight: false, olderPending: false,
};

class Problem extends Error {
  constructor(title, message, kind) { super(message); this.title = title; this.kind = kind; }
}

async function getJSON(url) {
  let response;
  try {
    response = await fetch(url, { cache: "no-store", headers: { Accept: "application/json" } });
  } catch (err) {
    throw new Problem("The dashboard server is not answering",
      "Is `thermostat dashboard` still running? The page retries by itself.", "offline");
  }
  let body = null;
  try { body = await response.json(); } catch (err) { /* not JSON: said below */ }
  if (!response.ok) {
    const e = (body && body.error) || {};
    throw new Problem(e.title || `HTTP ${response.status}`, e.message || response.statusText, e.kind || "http");
  }
  return body;
}

function showProblem(prefix, problem) {
  const box = $(prefix);
  if (!problem) { box.hidden = true; box.dataset.kind = ""; return; }
  $(`${prefix}-title`).textContent = `${problem.title}:`;
  $(`${prefix}-message`).textContent = problem.message;
  box.dataset.kind = problem.kind || "";
  box.hidden = false;
}

// --- the address -----------------------------------------------------------------------

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  state.device = params.get("device") || null;
  const range = params.get("range");
  state.range = ["today", "24h", "7d", "30d", "day"].includes(range) ? range : "24h";
  state.day = params.get("day") || state.day || new Date(Date.now() - 86400000).toLocaleDateString("en-CA");
  $("day").value = state.day;
  for (const input of document.querySelectorAll("input[name=range]")) input.checked = input.value === state.range;
}

function writeHash() {
  const params = new URLSearchParams();
  if (state.device) params.set("device", state.device);
  params.set("range", state.range);
  if (state.range === "day") params.set("day", state.day);
  history.replaceState(null, "", `#${params}`);
}

// --- tiles -----------------------------------------------------------------------------

function ago(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 10) return "just now";
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60), h = Math.floor(m / 60), d = Math.floor(h / 24);
  if (d) return `${d} d ${h % 24} h ago`;
  if (h) return `${h} h ${m % 60} min ago`;
  return `${m} min ago`;
}

function clockTime(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

function span(className, text) {
  const el = document.createElement("span");
  el.className = className;
  el.textContent = text;
  return el;
}

function renderTile(device) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "tile";
  button.dataset.device = device.device_id;
  button.dataset.recordedAt = device.last_recorded_at;
  button.dataset.lastSeen = device.last_seen_at;
  button.dataset.silent = String(device.silent);
  button.setAttribute("aria-pressed", String(device.device_id === state.device));
  const heating = device.heating ? "Heating on" : "Heating off";
  button.append(
    span("name", device.device_id),
    span("temp", `${device.temperature_c.toFixed(1)} °C`),
    span("setpoint", `Setpoint ${device.setpoint_c.toFixed(1)} °C`),
    span(device.heating ? "heating heating-on" : "heating", heating),
    span(device.silent ? "seen silent" : "seen", ""),
  );
  const settings = device.settings;
  if (settings.state === "waiting" || settings.state === "refused") {
    button.append(span(`settings ${settings.state}`, `Settings: ${settings.text}`));
  }
  for (const alert of device.alerts) {
    const since = alert.since ? ` since ${clockTime(alert.since)}` : "";
    button.append(span("alert", `⚠ ${alert.kind === "silent" ? alert.text : alert.text + since}`));
  }
  button.addEventListener("click", () => select(device.device_id));
  return button;
}

function tickAgo() {
  const now = Date.now() + state.serverSkewMs;
  for (const button of document.querySelectorAll(".tile")) {
    const seen = button.querySelector(".seen");
    const text = `Last seen ${ago((now - Date.parse(button.dataset.lastSeen)) / 1000)}`;
    seen.textContent = text;
  }
}

function renderTiles(body) {
  state.serverSkewMs = Date.parse(body.now) - Date.now();
  const list = $("tiles");
  const focused = document.activeElement && document.activeElement.dataset.device;
  list.replaceChildren(...body.devices.map((d) => {
    const li = document.createElement("li");
    li.append(renderTile(d));
    return li;
  }));
  state.tiles = new Map(body.devices.map((d) => [d.device_id, d]));
  if (focused) { const again = list.querySelector(`[data-device="${CSS.escape(focused)}"]`); if (again) again.focus(); }
  $("no-devices").hidden = body.devices.length > 0;
  tickAgo();
}

// --- the selected device ----------------------------------------------------------------

function select(deviceId) {
  state.device = deviceId;
  writeHash();
  for (const b of document.querySelectorAll(".tile")) b.setAttribute("aria-pressed", String(b.dataset.device === deviceId));
  showDetail();
  refreshDetail(true);
}

function showDetail() {
  const detail = $("detail");
  detail.hidden = !state.device;
  if (!state.device) return;
  $("detail-heading").textContent = state.device;
  window.ThermostatControls.render($("controls"), state.tiles.get(state.device), state.controls, poll);
}

function chartUrl(incremental, before) {
  const params = new URLSearchParams({ range: state.range, tz: zone });
  if (state.range === "day") params.set("day", state.day);
  if (incremental && state.chart.data && state.chart.data.last != null) {
    params.set("after", String(Math.round(state.chart.data.last * 1000)));
  }
  if (before != null) params.set("before", String(before));
  return `/api/devices/${encodeURIComponent(state.device)}/chart?${params}`;
}

// What the chart shows; "today" becomes another chart at midnight.
function chartKey() {
  const which = state.range === "today" ? new Date().toDateString() : state.range === "day" ? state.day : "";
  return `${state.device}|${state.range}|${which}`;
}

async function refreshDetail(full) {
  if (!state.device) return;
  const key = chartKey();
  const stale = Date.now() - state.chartLoadedAt > FULL_RELOAD_MS;
  // A range whose older hours did not arrive (an error meanwhile) is read again whole.
  const unfinished = !state.chart.complete && !state.olderPending;
  const reload = full || key !== state.chartKey || stale || !state.chart.plot || unfinished;
  const chartEl = $("chart");
  if (reload) { chartEl.dataset.state = "loading"; }
  try {
    const [chart, alerts] = await Promise.all([
      getJSON(chartUrl(!reload)),
      getJSON(`/api/devices/${encodeURIComponent(state.device)}/alerts?limit=20`),
    ]);
    if (key !== chartKey()) return; // another device or range was chosen meanwhile
    state.chart.show(chart, reload ? `${key}|${Date.now()}` : state.chart.key);
    if (reload) { state.chartKey = key; state.chartLoadedAt = Date.now(); }
    renderAlerts(alerts.alerts);
    showProblem("detail-problem", null);
    // The newest hours are drawn; the server sends the range's older ones on a second request.
    const shown = state.chart.key;
    let more = reload ? chart.more_before : null;
    state.olderPending = more != null;
    try {
      while (more != null) {
        const older = await getJSON(chartUrl(false, more));
        if (state.chart.key !== shown) return; // another device or range was chosen meanwhile
        state.chart.prepend(older);
        more = older.more_before;
      }
    } finally {
      if (state.chart.key === shown) state.olderPending = false;
    }
  } catch (problem) {
    if (!(problem instanceof Problem)) throw problem;
    showProblem("detail-problem", problem);
    if (problem.kind === "unknown-device" || problem.kind === "bad-request") {
      state.chart.destroy(); state.chartKey = null;
      chartEl.dataset.state = "error";
      $("chart-summary").textContent = "";
      $("alerts").replaceChildren();
    }
  }
}

function renderAlerts(alerts) {
  const list = $("alerts");
  if (!alerts.length) {
    const li = document.createElement("li");
    li.className = "muted none";
    li.textContent = "No alerts recorded.";
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(...alerts.map((a) => {
    const li = document.createElement("li");
    const time = document.createElement("time");
    time.dateTime = a.occurred_at;
    time.textContent = new Date(a.occurred_at).toLocaleString(undefined,
      { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    const subject = document.createElement("strong");
    subject.textContent = ` ${a.subject}`;
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = "Details";
    const pre = document.createElement("pre");
    pre.textContent = a.message;
    details.append(summary, pre);
    li.append(time, subject, details);
    return li;
  }));
}

// --- the loop ---------------------------------------------------------------------------

async function poll() {
  clearTimeout(state.timer);
  try {
    const detail = refreshDetail(false); // in parallel: the first load is one round trip
    const body = await getJSON("/api/devices");
    state.refresh = body.refresh_seconds || state.refresh;
    state.controls = body.controls || null;
    renderTiles(body);
    if (!state.device && body.devices.length) select(body.devices[0].device_id);
    else if (state.device) showDetail(); // the tile's news reaches the Adjust section too
    $("updated").textContent = `Updated ${new Date().toLocaleTimeString()} · every ${state.refresh} s`;
    $("source").textContent = `Reading ${body.source}.`;
    showProblem("problem", null);
    await detail;
  } catch (problem) {
    if (!(problem instanceof Problem)) throw problem;
    showProblem("problem", problem);
    $("updated").textContent = `Not updated since ${new Date().toLocaleTimeString()}`;
  } finally {
    clearTimeout(state.timer); // one timer, however many polls were started (controls, tab shown)
    state.timer = setTimeout(poll, state.refresh * 1000);
  }
}

function start() {
  state.chart = new window.ThermostatChart($("chart"), $("readout"), $("chart-summary"));
  window.thermostatDashboard = state; // for the browser tests and the curious
  readHash();
  if (state.device) showDetail();
  for (const input of document.querySelectorAll("input[name=range]")) {
    input.addEventListener("change", () => { state.range = input.value; writeHash(); refreshDetail(true); });
  }
  $("day").addEventListener("change", () => {
    if (!$("day").value) return;
    state.day = $("day").value; state.range = "day";
    for (const input of document.querySelectorAll("input[name=range]")) input.checked = input.value === "day";
    writeHash(); refreshDetail(true);
  });
  $("zoom-in").addEventListener("click", () => state.chart.zoom(0.5));
  $("zoom-out").addEventListener("click", () => state.chart.zoom(2));
  $("zoom-reset").addEventListener("click", () => state.chart.reset());
  window.addEventListener("hashchange", () => { readHash(); select(state.device); });
  document.addEventListener("visibilitychange", () => { if (!document.hidden) poll(); });
  setInterval(tickAgo, 1000);
  poll();
}

document.addEventListener("DOMContentLoaded", start);
