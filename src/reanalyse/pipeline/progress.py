"""Progress of a batch of tasks: a tqdm bar on a terminal, plain lines otherwise.

A bar redraws itself with carriage returns, which in a log file or a CI console becomes one
unreadable line; when stderr is not a terminal each finished task is one line instead
(``reanalyse: sampling 3/12 ivig_disability/default/normal (41 s)``).
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from tqdm import tqdm

__all__ = ["Progress", "progress_for"]


class Progress(Protocol):
    """What the executor calls as tasks finish."""

    def advance(self, name: str) -> None:
        """One more task, ``name``, is done."""

    def close(self) -> None:
        """The batch is over (complete or not)."""


class _Bar:
    def __init__(self, *, total: int, description: str, stream: TextIO) -> None:
        self._bar = tqdm(total=total, desc=description, unit="task", file=stream, leave=True)

    def advance(self, name: str) -> None:
        self._bar.set_postfix_str(name, refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


class _Lines:
    def __init__(self, *, total: int, description: str, stream: TextIO) -> None:
        self.total, self.description, self.stream = total, description, stream
        self.done = 0
        self.start = time.monotonic()
        self._say(f"{description}: {total} task{'s' if total != 1 else ''}")

    def _say(self, text: str) -> None:
        print(f"reanalyse: {text}", file=self.stream, flush=True)

    def advance(self, name: str) -> None:
        self.done += 1
        self._say(f"{self.description} {self.done}/{self.total} {name} "
                  f"({time.monotonic() - self.start:.0f} s)")

    def close(self) -> None:
        pass


class _Silent:
    def advance(self, name: str) -> None:
        pass

    def close(self) -> None:
        pass


def progress_for(*, total: int, description: str, enabled: bool = True,
                 stream: TextIO | None = None) -> Progress:
    """A bar when ``stream`` (default stderr) is a terminal, else one line per task; nothing
    when not ``enabled``."""
    if not enabled:
        return _Silent()
    stream = sys.stderr if stream is None else stream
    kind = _Bar if stream.isatty() else _Lines
    return kind(total=total, description=description, stream=stream)
