// Adjusting the selected thermostat: setpoint up/down, mode, weekly schedule (issue 13).
// Each change is a POST to /api/devices/{id}/settings, which writes what `thermostat set`
// writes (same checks, same messages). The device gets the new version with the reply to its
// next upload; until its report says it runs that version the status line (a live region)
// says "waiting for the device", then "applied" (or "refused: why").
//
// Changes carry the version they were worked out from ("0.5 °C up" from what the page shows):
// if someone else changed the settings meanwhile, the server refuses (409) rather than undo
// theirs. Presses made while a change is on its way are merged into the next one.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  class Controls {
    constructor(section, onChanged) {
      this.section = section;
      this.onChanged = onChanged; // refresh the tiles now: they show the new state
      this.deviceId = null;
      this.tile = null;
      this.limits = null;
      this.known = null; // the desired settings we know of (tile or our own write), or null
      this.pending = {}; // changes pressed but not sent yet
      this.sending = false;
      this.scheduleDirty = false; // the person is editing the schedule: leave the field alone
      this.zoneDirty = false;
      this.wire();
    }

    wire() {
      $("setpoint-down").addEventListener("click", () => this.step(-1));
      $("setpoint-up").addEventListener("click", () => this.step(1));
      for (const radio of this.section.querySelectorAll("input[name=mode]")) {
        radio.addEventListener("change", () => { if (radio.checked) this.change({ mode: radio.value }); });
      }
      $("schedule-text").addEventListener("input", () => { this.scheduleDirty = true; this.fieldError(null); });
      $("schedule-zone").addEventListener("input", () => { this.zoneDirty = true; this.fieldError(null); });
      $("schedule-form").addEventListener("submit", (e) => {
        e.preventDefault();
        this.saveSchedule({ schedule: $("schedule-text").value, timezone: $("schedule-zone").value.trim() });
      });
      $("schedule-clear").addEventListener("click", () => this.saveSchedule({ schedule: null }));
      const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      if (browserZone) $("schedule-zone-hint").textContent = `This browser is in ${browserZone}.`;
      if (Intl.supportedValuesOf) {
        $("zones").replaceChildren(...Intl.supportedValuesOf("timeZone").map((zone) => {
          const option = document.createElement("option");
          option.value = zone;
          return option;
        }));
      }
    }

    // --- what the server says ------------------------------------------------------------

    render(tile, limits) {
      this.section.hidden = !tile || !limits;
      if (!tile || !limits) return;
      if (tile.device_id !== this.deviceId) this.reset(tile.device_id);
      this.tile = tile;
      if (!this.limits) this.setLimits(limits);
      const desired = tile.settings.desired;
      // A refresh that left before our write came back must not take the page back.
      if (!this.known || (desired && desired.version >= this.known.version)) this.known = desired;
      this.draw();
    }

    reset(deviceId) {
      this.deviceId = deviceId;
      this.known = null;
      this.pending = {};
      this.scheduleDirty = false;
      this.zoneDirty = false;
      this.fieldError(null);
      this.problem(null);
    }

    setLimits(limits) {
      this.limits = limits;
      $("setpoint-down").setAttribute("aria-label", `Lower the setpoint by ${limits.step_c} °C`);
      $("setpoint-up").setAttribute("aria-label", `Raise the setpoint by ${limits.step_c} °C`);
      $("schedule-help").textContent = `Syntax: ${limits.schedule_help}. Empty the schedule with Clear schedule.`;
    }

    // The setpoint the buttons start from: what was pressed, else asked for, else what runs.
    setpoint() {
      if (this.pending.setpoint_c != null) return this.pending.setpoint_c;
      return this.known ? this.known.setpoint_c : this.tile.setpoint_c;
    }

    draw() {
      const known = this.known, limits = this.limits;
      const setpoint = this.setpoint();
      $("setpoint-value").textContent = `${setpoint.toFixed(1)} °C`;
      $("setpoint-down").disabled = setpoint <= limits.setpoint_min_c;
      $("setpoint-up").disabled = setpoint >= limits.setpoint_max_c;
      const mode = this.pending.mode || (known ? known.mode : "heat");
      for (const radio of this.section.querySelectorAll("input[name=mode]")) radio.checked = radio.value === mode;
      $("away-setpoint").textContent = `(${(known ? known.away_setpoint_c : 10).toFixed(1)} °C)`;
      let note = "";
      if (mode !== "heat") note = `Used in mode heat; now the mode is ${mode}.`;
      else if (known && known.schedule) note = "The weekly schedule sets the temperature now; this setpoint applies once the schedule is cleared.";
      $("setpoint-note").textContent = note;
      if (!this.scheduleDirty) $("schedule-text").value = known && known.schedule ? known.schedule : "";
      if (!this.zoneDirty) $("schedule-zone").value = known ? known.timezone : "UTC";
      this.drawStatus();
    }

    drawStatus() {
      const el = $("settings-status");
      const settings = this.tile.settings;
      const tileVersion = settings.desired ? settings.desired.version : 0;
      let state = settings.state, words = settings.text;
      if (this.sending) state = "sending";
      else if (this.known && this.known.version > tileVersion) { state = "waiting"; words = "waiting for the device"; }
      let text;
      if (state === "sending") text = "Sending…";
      else if (state === "none" || !this.known) text = `Settings: ${words}.`;
      else {
        text = `Version ${this.known.version}: ${this.known.describe} · ${words}`;
        if (state === "waiting") text += " (it gets them with its next upload)";
        if (state === "applied" && settings.applied_at) text += ` at ${new Date(settings.applied_at).toLocaleTimeString()}`;
      }
      // Only a change is announced: the live region is not rewritten at every refresh.
      if (el.textContent !== text) el.textContent = text;
      el.dataset.state = state;
      el.dataset.version = String(this.known ? this.known.version : 0);
    }

    // --- what the person does --------------------------------------------------------------

    step(direction) {
      const { step_c: step, setpoint_min_c: min, setpoint_max_c: max } = this.limits;
      const now = this.setpoint();
      // On the 0.5 °C grid: 21.3 goes up to 21.5 and down to 21.0.
      const next = direction > 0 ? Math.floor(now / step + 1e-9) * step + step
        : Math.ceil(now / step - 1e-9) * step - step;
      this.change({ setpoint_c: Math.min(max, Math.max(min, next)) });
    }

    change(changes) {
      Object.assign(this.pending, changes);
      this.problem(null);
      this.draw();
      this.flush();
    }

    async flush() {
      if (this.sending) return; // the loop below picks up what was pressed meanwhile
      const deviceId = this.deviceId;
      while (Object.keys(this.pending).length && deviceId === this.deviceId) {
        const changes = this.pending;
        this.pending = {};
        try {
          await this.send(deviceId, changes);
        } catch (problem) {
          this.pending = {};
          this.problem(problem);
        }
      }
      if (this.tile) this.draw();
      this.onChanged();
    }

    async saveSchedule(changes) {
      if (this.sending) return;
      this.fieldError(null);
      this.problem(null);
      try {
        await this.send(this.deviceId, changes);
        this.scheduleDirty = false;
        this.zoneDirty = false;
      } catch (problem) {
        if (problem.kind === "bad-request") this.fieldError(problem.message);
        else this.problem(problem);
      }
      if (this.tile) this.draw();
      this.onChanged();
    }

    async send(deviceId, changes) {
      this.sending = true;
      this.drawStatus();
      try {
        const body = { ...changes, version: this.known ? this.known.version : 0 };
        const answer = await postJSON(`/api/devices/${encodeURIComponent(deviceId)}/settings`, body);
        if (deviceId === this.deviceId) this.known = answer.desired;
      } finally {
        this.sending = false;
      }
    }

    problem(problem) {
      const box = $("controls-problem");
      box.hidden = !problem;
      box.dataset.kind = problem ? problem.kind || "" : "";
      if (!problem) return;
      $("controls-problem-title").textContent = `${problem.title}:`;
      $("controls-problem-message").textContent = problem.message;
    }

    fieldError(message) {
      const el = $("schedule-error");
      el.hidden = !message;
      el.textContent = message || "";
      $("schedule-text").setAttribute("aria-invalid", String(Boolean(message)));
    }
  }

  async function postJSON(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        cache: "no-store",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw { title: "The dashboard server is not answering", message: "Nothing was changed; try again.", kind: "offline" };
    }
    let answer = null;
    try { answer = await response.json(); } catch (err) { /* not JSON: said below */ }
    if (!response.ok) {
      const e = (answer && answer.error) || {};
      throw { title: e.title || `HTTP ${response.status}`, message: e.message || response.statusText, kind: e.kind || "http" };
    }
    return answer;
  }

  let controls = null;
  window.ThermostatControls = {
    // Called at every refresh with the selected device's tile and the server's limits.
    render(section, tile, limits, onChanged) {
      if (!controls) controls = new Controls(section, onChanged);
      controls.render(tile, limits);
    },
  };
})();
