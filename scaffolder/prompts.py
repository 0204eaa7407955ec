"""Questions on a terminal, with rich's prompt primitives.

Each question shows its progress (``[3/12]``), the template's own text, the rule and the default;
choices are numbered and taken by number or by name. An answer that breaks its rule, or a rule
tying it to an earlier answer, is refused at once with the rule and, for a near miss, a
suggestion, and the same question is asked again. Everything goes to stderr: stdout carries the
project's path only, so ``cd "$(scaffolder new gke)"`` works at a terminal.
"""

from __future__ import annotations

import os
import select
import signal
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.prompt import Prompt
from rich.text import Text

from scaffolder.errors import InvalidAnswer, UserError

if TYPE_CHECKING:
    from scaffolder.generation import Question


class SignalSafeLines:
    """Lines of a file descriptor for the prompts, read so that no signal is lost in the wait.

    ``input()`` runs Python's signal handlers only when its blocking read() returns EINTR. A
    SIGINT that lands after the interpreter's last check and before read() starts (a loaded
    machine preempts there) sets the handler's flag but leaves read() waiting for a line, so
    Ctrl-C seemed to do nothing until Enter. Here the wait is a select() on the input and on
    the signal wakeup fd, which the C-level handler writes to whenever it runs: the wait always
    ends, and the handler runs on the next bytecode. The line is returned as ``input()`` would,
    without its newline; end of input raises EOFError as ``input()`` does.
    """

    def __init__(self, fd: int, encoding: str) -> None:
        self._fd = fd
        self._encoding = encoding
        self._pending = b""

    def readline(self) -> str:
        """The next line, waiting for it without hiding a signal."""
        while b"\n" not in self._pending:
            chunk = self._read()
            if not chunk:
                if not self._pending:
                    raise EOFError
                break
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return line.removesuffix(b"\r").decode(self._encoding, errors="replace")

    def _read(self) -> bytes:
        wake_read, wake_write = os.pipe()
        try:
            os.set_blocking(wake_write, False)
            previous = signal.set_wakeup_fd(wake_write)
            try:
                while True:
                    ready, _, _ = select.select([self._fd, wake_read], [], [])
                    # A signal whose handler returned (no Interrupted): keep waiting.
                    if wake_read in ready:
                        os.read(wake_read, 512)
                    if self._fd in ready:
                        return os.read(self._fd, 65536)
            finally:
                signal.set_wakeup_fd(previous)
        finally:
            os.close(wake_read)
            os.close(wake_write)


def _stdin_lines() -> SignalSafeLines | None:
    """stdin, read signal-safely; None where that cannot be done (then ``input()`` is used).

    set_wakeup_fd works in the main thread only, and select() needs a real descriptor.
    """
    import threading

    if threading.current_thread() is not threading.main_thread() or os.name != "posix":
        return None
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    return SignalSafeLines(fd, sys.stdin.encoding or "utf-8")


class TerminalPrompter:
    """A :data:`scaffolder.generation.Prompter` for a person at a terminal.

    ``waiting`` is true while the cursor sits on a prompt line, so a message about an
    interruption can start on a line of its own.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, emoji=False, highlight=False)
        self.waiting = False
        self._lines = _stdin_lines()

    def __call__(self, question: Question) -> object:
        """Ask ``question`` until the answer passes its check; return the normalised answer."""
        console = self.console
        header = Text()
        header.append(f"[{question.index}/{question.total}] ", style="dim")
        header.append(question.text, style="bold")
        header.append(f"  ({question.rule})", style="dim")
        console.print(header)
        choices = question.choices or ()
        for number, choice in enumerate(choices, 1):
            console.print(Text(f"    {number} - {choice}"))
        label = Text(f"  {question.name}")
        if choices:
            label.append(f" [1-{len(choices)} or name]", style="dim")
        while True:
            reply = self._ask(question, label)
            if choices and reply.strip().isdigit() and 1 <= int(reply) <= len(choices):
                reply = choices[int(reply) - 1]
            try:
                return question.check(reply)
            except InvalidAnswer as error:
                console.print(Text(f"  {question.name} {error.reason}", style="red"))

    def _ask(self, question: Question, label: Text) -> str:
        # Left true when a signal interrupts the prompt: the cursor is still on its line.
        self.waiting = True
        try:
            # `stream` is typed as a TextIO; rich only calls its readline().
            stream: Any = self._lines
            if question.default is None:
                reply = Prompt.ask(label, console=self.console, stream=stream)
            else:
                reply = Prompt.ask(
                    label, console=self.console, default=question.default, stream=stream
                )
        except EOFError:
            self.console.print()
            self.waiting = False
            raise UserError(
                f"input ended before `{question.name}` was answered; nothing was written"
            ) from None
        self.waiting = False
        return reply
