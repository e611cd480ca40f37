// One device's chart: temperature and setpoint lines, heating periods shaded (uPlot).
// Readings: each reading's heating state holds until the next one, as `thermostat plot`
// draws it; a gap much longer than the usual interval is missing data and breaks the lines.
// Rollups: the mean with its min-max band, each period shaded by its heating duty cycle.
"use strict";

const COLOURS = {
  temperature: "#c0392b",
  setpoint: "#34495e",
  band: "rgba(192, 57, 43, 0.15)",
  minmax: "rgba(192, 57, 43, 0.45)",
  heating: "252, 217, 177", // opaque shade #fcd9b1 under the lines
};
const GAP_FACTOR = 5;
const MIN_GAP_S = 600;

function median(values) {
  if (!values.length) return 60;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function celsius(v) { return v == null ? "–" : `${v.toFixed(1)} °C`; }

function timeText(t, withDate) {
  const opts = { hour: "2-digit", minute: "2-digit" };
  if (withDate) Object.assign(opts, { weekday: "short", day: "numeric", month: "short" });
  return new Date(t * 1000).toLocaleString(undefined, opts);
}

// The readings a chart holds, and what is drawn from them.
class Readings {
  constructor(payload) {
    this.start = payload.start; this.end = payload.end;
    this.t = payload.t; this.temperature = payload.temperature;
    this.setpoint = payload.setpoint; this.heating = payload.heating;
  }
  append(payload) {
    this.start = payload.start; this.end = payload.end;
    for (let i = 0; i < payload.t.length; i++) {
      if (this.t.length && payload.t[i] <= this.t[this.t.length - 1]) continue;
      this.t.push(payload.t[i]); this.temperature.push(payload.temperature[i]);
      this.setpoint.push(payload.setpoint[i]); this.heating.push(payload.heating[i]);
    }
    let drop = 0;
    while (drop < this.t.length && this.t[drop] < this.start) drop++;
    if (drop) for (const k of ["t", "temperature", "setpoint", "heating"]) this[k].splice(0, drop);
  }
  // Older readings of the same range (the page asks for them after the newest hours).
  prepend(payload) {
    const first = this.t.length ? this.t[0] : Infinity;
    const older = [];
    for (let i = 0; i < payload.t.length; i++) {
      if (payload.t[i] < first && payload.t[i] >= this.start) older.push(i);
    }
    for (const k of ["t", "temperature", "setpoint", "heating"]) {
      this[k] = [...older.map((i) => payload[k][i]), ...this[k]];
    }
  }
  get last() { return this.t.length ? this.t[this.t.length - 1] : null; }
  steps() {
    const steps = [];
    for (let i = 1; i < this.t.length; i++) steps.push(this.t[i] - this.t[i - 1]);
    return steps;
  }
  maxGap() { return Math.max(MIN_GAP_S, GAP_FACTOR * median(this.steps())); }
  // uPlot columns: the range's ends as empty rows (so "whole range" is the range), nulls at gaps.
  columns() {
    const gap = this.maxGap();
    const cols = [[], [], [], []];
    const push = (t, a, b, c) => { cols[0].push(t); cols[1].push(a); cols[2].push(b); cols[3].push(c); };
    if (!this.t.length || this.t[0] > this.start) push(this.start, null, null, null);
    for (let i = 0; i < this.t.length; i++) {
      if (i && this.t[i] - this.t[i - 1] > gap) push((this.t[i] + this.t[i - 1]) / 2, null, null, null);
      push(this.t[i], this.temperature[i], this.setpoint[i], this.heating[i]);
    }
    if (!this.t.length || this.last < this.end) push(this.end, null, null, null);
    return cols;
  }
  // [start, end, opacity] of each heating run.
  shading() {
    const spans = [], gap = this.maxGap(), step = median(this.steps());
    for (let i = 0; i < this.t.length; i++) {
      if (!this.heating[i]) continue;
      const start = this.t[i];
      const next = i + 1 < this.t.length ? this.t[i + 1] : null;
      const end = next != null && next - start <= gap ? next : start + step;
      const last = spans[spans.length - 1];
      if (last && last[1] === start) last[1] = end; else spans.push([start, end, 1]);
    }
    return spans;
  }
  summary() {
    const n = this.t.length;
    if (!n) return "No readings in this range.";
    const temps = this.temperature;
    const mean = temps.reduce((a, b) => a + b, 0) / n;
    const duty = this.heating.reduce((a, b) => a + b, 0) / n;
    return `${n} readings · ${Math.min(...temps).toFixed(1)} to ${Math.max(...temps).toFixed(1)} °C,` +
      ` mean ${mean.toFixed(1)} °C · heating on ${Math.round(duty * 100)}% of the time`;
  }
  describe(i) {
    return `${timeText(this.t[i], true)}: ${celsius(this.temperature[i])}, setpoint ` +
      `${celsius(this.setpoint[i])}, heating ${this.heating[i] ? "on" : "off"}`;
  }
}

class Rollups {
  constructor(payload) {
    Object.assign(this, payload);
    this.word = payload.kind === "hourly" ? "hours" : "days";
  }
  append(payload) { Object.assign(this, new Rollups(payload)); }
  get last() { return null; }
  columns() {
    const half = this.period_seconds / 2;
    const cols = [[], [], [], [], [], []];
    const push = (...row) => row.forEach((v, k) => cols[k].push(v));
    if (!this.t.length || this.t[0] + half > this.start) push(this.start, null, null, null, null, null);
    this.t.forEach((t, i) => {
      const prev = this.t[i - 1];
      if (i && t - prev > this.period_seconds) push(prev + this.period_seconds, null, null, null, null, null);
      push(t + half, this.temperature[i], this.setpoint[i], this.min[i], this.max[i], this.heating[i]);
    });
    const lastMid = this.t.length ? this.t[this.t.length - 1] + half : null;
    if (lastMid == null || lastMid < this.end) push(this.end, null, null, null, null, null);
    return cols;
  }
  shading() {
    return this.t.map((t, i) => [t, t + this.period_seconds, this.heating[i]]).filter(s => s[2] > 0);
  }
  summary() {
    const n = this.t.length;
    if (!n) return `No rollups in this range.`;
    const count = this.count.reduce((a, b) => a + b, 0);
    const mean = this.temperature.reduce((a, v, i) => a + v * this.count[i], 0) / count;
    const duty = this.heating.reduce((a, v, i) => a + v * this.count[i], 0) / count;
    return `${n} ${this.word} of ${count} readings · ${Math.min(...this.min).toFixed(1)} to ` +
      `${Math.max(...this.max).toFixed(1)} °C, mean ${mean.toFixed(1)} °C · heating on ` +
      `${Math.round(duty * 100)}% of the time`;
  }
  describe(i) {
    const start = this.t[i];
    const when = this.kind === "hourly" ? timeText(start, true) :
      new Date(start * 1000).toLocaleDateString(undefined, { weekday: "short", day: "numeric", month: "short" });
    return `${when}: mean ${celsius(this.temperature[i])} (${celsius(this.min[i])} to ` +
      `${celsius(this.max[i])}), setpoint ${celsius(this.setpoint[i])}, heating on ` +
      `${Math.round(this.heating[i] * 100)}% of the ${this.kind === "hourly" ? "hour" : "day"}`;
  }
}

function heatingHook(getShading) {
  return (u) => {
    const { left, top, width, height } = u.bbox;
    const ctx = u.ctx;
    ctx.save();
    ctx.beginPath(); ctx.rect(left, top, width, height); ctx.clip();
    for (const [a, b, opacity] of getShading()) {
      const x0 = u.valToPos(a, "x", true), x1 = u.valToPos(b, "x", true);
      if (x1 < left || x0 > left + width) continue;
      ctx.fillStyle = `rgba(${COLOURS.heating}, ${opacity})`;
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
    }
    ctx.restore();
  };
}

// The chart of one device and range: built on the first data, then fed more.
class ThermostatChart {
  constructor(el, readout, summary) {
    this.el = el; this.readout = readout; this.summaryEl = summary;
    this.data = null; this.plot = null; this.key = null; this.zoomed = false; this.cursorIdx = null;
    this.complete = true; // false while the range's older hours are still to come
    el.addEventListener("keydown", (e) => this.onKey(e));
    new ResizeObserver(() => this.fit()).observe(el);
  }
  size() { return { width: Math.max(280, this.el.clientWidth), height: this.el.clientWidth < 600 ? 260 : 340 }; }
  fit() { if (this.plot) this.plot.setSize(this.size()); }
  isRollup(payload) { return payload.kind !== "readings"; }

  show(payload, key) {
    if (key !== this.key || !this.plot) {
      this.destroy();
      this.key = key;
      this.data = this.isRollup(payload) ? new Rollups(payload) : new Readings(payload);
      this.plot = new uPlot(this.options(payload), this.data.columns(), this.el);
      this.zoomed = false;
      this.complete = payload.more_before == null;
    } else {
      this.data.append(payload);
      this.plot.setData(this.data.columns(), !this.zoomed);
    }
    this.drawn(payload);
  }
  // The older hours of the range, after its newest ones were drawn (`more_before`).
  prepend(payload) {
    this.data.prepend(payload);
    this.complete = payload.more_before == null;
    this.plot.setData(this.data.columns(), !this.zoomed);
    this.drawn(payload);
  }
  drawn(payload) {
    const n = this.data.t.length;
    const was = this.el.dataset.state;
    const state = !this.complete ? "partial" : n ? "drawn" : "empty";
    // Standard User Timing marks (developer tools show them; `python -m bench.dashboard` reads
    // them): the first drawing of a range, and the drawing with all of its readings.
    if (was === "loading") performance.mark("chart-first-drawn", { detail: { points: n } });
    if ((was === "loading" || was === "partial") && state !== "partial") {
      performance.mark("chart-drawn", { detail: { points: n } });
    }
    this.el.dataset.state = state;
    this.el.dataset.points = String(n);
    this.el.setAttribute("aria-label", `Chart of ${payload.device_id}, ${payload.title.toLowerCase()}` +
      ` (${this.isRollup(payload) ? payload.kind + " rollups" : "readings"})`);
    this.summaryEl.textContent = this.data.summary();
  }
  destroy() { if (this.plot) { this.plot.destroy(); this.plot = null; } this.key = null; this.readout.textContent = ""; }

  options(payload) {
    const rollup = this.isRollup(payload);
    const val = (u, v) => celsius(v);
    const heatVal = rollup ? (u, v) => (v == null ? "–" : `${Math.round(v * 100)}%`)
      : (u, v) => (v == null ? "–" : v ? "on" : "off");
    const series = [
      { label: "Time", value: (u, v) => (v == null ? "–" : timeText(v, true)) },
      { label: rollup ? "Mean temperature" : "Temperature", stroke: COLOURS.temperature, width: 2, value: val },
      { label: rollup ? "Mean setpoint" : "Setpoint", stroke: COLOURS.setpoint, width: 1.5, dash: [6, 4],
        paths: rollup ? undefined : uPlot.paths.stepped({ align: 1 }), value: val },
    ];
    if (rollup) {
      series.push({ label: "Min", stroke: COLOURS.minmax, width: 1, value: val },
                  { label: "Max", stroke: COLOURS.minmax, width: 1, value: val });
    }
    series.push({ label: rollup ? "Heating duty" : "Heating", scale: "heat", stroke: "#a34700",
                  fill: `rgb(${COLOURS.heating})`, width: 0, points: { show: false },
                  paths: () => null, value: heatVal });
    return {
      ...this.size(),
      series,
      bands: rollup ? [{ series: [4, 3], fill: COLOURS.band }] : [],
      scales: { x: { time: true }, heat: { auto: false, range: [0, 1] } },
      axes: [{}, { label: "°C", values: (u, ticks) => ticks.map(v => v.toFixed(1)), size: 55 }],
      cursor: { drag: { x: true, y: false }, points: { size: 7 } },
      legend: { live: true },
      hooks: {
        drawClear: [heatingHook(() => this.data.shading())],
        // Zoomed in (by drag, buttons or keys) keeps its window while new readings arrive.
        setScale: [(u, key) => {
          if (key === "x" && this.data) {
            this.zoomed = u.scales.x.min > this.data.start + 1 || u.scales.x.max < this.data.end - 1;
          }
        }],
        setCursor: [(u) => this.onCursor(u)],
      },
    };
  }

  onCursor(u) {
    const i = u.cursor.idx;
    if (i == null || !this.plot) return;
    const x = u.data[0][i];
    const k = this.data.t.indexOf(this.isRollupData() ? x - this.data.period_seconds / 2 : x);
    if (k >= 0) { this.cursorIdx = k; this.readout.textContent = this.data.describe(k); }
  }
  isRollupData() { return this.data instanceof Rollups; }

  // Keyboard: move the cursor reading by reading; zoom around it.
  onKey(e) {
    if (!this.plot || !this.data.t.length) return;
    const n = this.data.t.length;
    const step = e.shiftKey ? 10 : 1;
    let k = this.cursorIdx == null ? n - 1 : this.cursorIdx;
    if (e.key === "ArrowLeft") k = Math.max(0, k - step);
    else if (e.key === "ArrowRight") k = Math.min(n - 1, k + step);
    else if (e.key === "Home") k = 0;
    else if (e.key === "End") k = n - 1;
    else if (e.key === "+" || e.key === "=") { this.zoom(0.5); e.preventDefault(); return; }
    else if (e.key === "-" || e.key === "_") { this.zoom(2); e.preventDefault(); return; }
    else if (e.key === "0" || e.key === "Escape") { this.reset(); e.preventDefault(); return; }
    else return;
    e.preventDefault();
    this.cursorIdx = k;
    const x = this.isRollupData() ? this.data.t[k] + this.data.period_seconds / 2 : this.data.t[k];
    const u = this.plot;
    const { min, max } = u.scales.x;
    if (x < min || x > max) { const half = (max - min) / 2; u.setScale("x", { min: x - half, max: x + half }); }
    u.setCursor({ left: u.valToPos(x, "x"), top: u.valToPos(this.data.temperature[k], "y") });
    this.readout.textContent = this.data.describe(k);
  }
  zoom(factor) {
    if (!this.plot) return;
    const u = this.plot, { min, max } = u.scales.x;
    const centre = this.cursorIdx != null ? this.data.t[this.cursorIdx] : (min + max) / 2;
    const width = Math.min((max - min) * factor, this.data.end - this.data.start);
    if (width < 60) return;
    // Keep the new window inside the range: slide it rather than cut it.
    let lo = Math.max(this.data.start, centre - width / 2);
    const hi = Math.min(this.data.end, lo + width);
    lo = hi - width;
    u.setScale("x", { min: lo, max: hi });
  }
  reset() {
    if (!this.plot) return;
    this.plot.setScale("x", { min: this.data.start, max: this.data.end });
  }
}

window.ThermostatChart = ThermostatChart;
