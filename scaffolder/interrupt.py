"""SIGINT and SIGTERM: the complete result or nothing, one line saying which, exit 130 or 143.

Until a command's result is in place, a signal raises :class:`~scaffolder.errors.Interrupted` in
the main thread, so the code that made a temporary directory removes it on the way out. The moves
that put a result in place run with both signals blocked (:func:`deferred`): a signal that arrives
then waits until the result is whole. From then on (:meth:`Guard.done`) the result stands, and a
signal only has to stop the rest (validation) at once: the handler prints its line, ends the
validator's worker processes and exits, without unwinding through thread pools and imports that
a raised exception could leave waiting on each other.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType

from scaffolder.errors import Interrupted

SIGNALS = (signal.SIGINT, signal.SIGTERM)
NAMES: dict[int, str] = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}


def exit_status(signum: int) -> int:
    """The shell's status for a command ended by ``signum``: 130 for SIGINT, 143 for SIGTERM."""
    return 128 + signum


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the block runs; a pending one is delivered after it."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def line_start(signum: int, *, mid_line: bool = False) -> str:
    """What puts an interruption's message at the start of a line of its own.

    A terminal echoes Ctrl-C as ``^C`` where the cursor is; a prompt leaves the cursor after it.
    """
    return "\n" if mid_line or (signum == signal.SIGINT and os.isatty(2)) else ""


def quiet_worker() -> None:
    """Initializer of worker processes: the parent alone answers a signal, and prints about it.

    A terminal sends Ctrl-C to the whole process group; a forked worker would otherwise run the
    parent's handler or print a KeyboardInterrupt traceback of its own.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


_current: list[Guard] = []


def current() -> Guard | None:
    """The installed guard, if any."""
    return _current[-1] if _current else None


class Guard:
    """The signal handlers of one process or command run.

    Until :meth:`done`, a signal raises :class:`Interrupted`; after it, the handler prints the
    line ``done``'s function returns and exits at once.
    """

    def __init__(self) -> None:
        self._done: Callable[[int], str] | None = None
        self._previous: dict[int, object] = {}
        self._pid = os.getpid()

    def install(self) -> None:
        """Take over SIGINT and SIGTERM (main thread only)."""
        self._pid = os.getpid()
        for signum in SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)
        _current.append(self)

    def uninstall(self) -> None:
        """Give SIGINT and SIGTERM back to the handlers they had."""
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)  # type: ignore[arg-type]
        self._previous.clear()
        _current.remove(self)

    def done(self, message: Callable[[int], str]) -> None:
        """The result is in place: from now on a signal prints ``message(signum)`` and exits."""
        self._done = message

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if os.getpid() != self._pid:
            # A worker forked before its initializer ran: the parent speaks for the command.
            os._exit(exit_status(signum))
        if self._done is None:
            raise Interrupted(signal=signum)
        # A second signal while this one is handled must not cut the message short.
        for other in SIGNALS:
            signal.signal(other, signal.SIG_IGN)
        import multiprocessing

        for child in multiprocessing.active_children():
            if child.pid:
                with contextlib.suppress(OSError):
                    os.kill(child.pid, signal.SIGKILL)
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        with contextlib.suppress(OSError):
            os.write(2, (line_start(signum) + self._done(signum) + "\n").encode())
        os._exit(exit_status(signum))
