"""Progress on stderr for long exports: pages and rows fetched so far, on one line."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """Counts pages as they arrive; silent unless ``enabled`` (a TTY, or ``--progress``)."""

    def __init__(self, stream: TextIO, *, enabled: bool, what: str = "items") -> None:
        self.stream = stream
        self.enabled = enabled
        self.what = what
        self.pages = 0
        self.items = 0
        self._started = time.monotonic()
        # On a terminal the line is redrawn in place; in a log each page is its own line.
        self._redraw = enabled and stream.isatty()

    def page(self, count: int) -> None:
        self.pages += 1
        self.items += count
        if self.enabled:
            end = "" if self._redraw else "\n"
            prefix = "\r" if self._redraw else ""
            self.stream.write(f"{prefix}fetched {self._summary()}{end}")
            self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            seconds = time.monotonic() - self._started
            prefix = "\r" if self._redraw else ""
            self.stream.write(f"{prefix}done: {self._summary()} in {seconds:.1f} s\n")
            self.stream.flush()

    def _summary(self) -> str:
        pages = "page" if self.pages == 1 else "pages"
        return f"{self.items} {self.what} ({self.pages} {pages})"
