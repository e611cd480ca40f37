"""The ``thermostat`` command: device status, reading history and charts from the table."""
