"""A progress bar for long commands."""

from __future__ import annotations

import sys


class ProgressBar:
    """A one-line bar on stderr, only when stderr is a terminal."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()

    def __call__(self, day: int, days: int) -> None:
        if not self.enabled:
            return
        done = int(30 * day / max(days, 1))
        self.stream.write(f"\r[{'#' * done}{'.' * (30 - done)}] day {day}/{days}")
        if day >= days:
            self.stream.write("\n")
        self.stream.flush()
