"""A handler module whose initialization never finishes (for the init timeout)."""

import time

time.sleep(3600)


def handler(event, context):
    return event
