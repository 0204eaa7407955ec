"""Questions on a terminal, with rich's prompt primitives.

Each question shows its progress (``[3/12]``), the template's own text, the rule and the default;
choices are numbered and taken by number or by name. An answer that breaks its rule, or a rule
tying it to an earlier answer, is refused at once with the rule and, for a near miss, a
suggestion, and the same question is asked again. Everything goes to stderr: stdout carries the
project's path only, so ``cd "$(scaffolder new gke)"`` works at a terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.prompt import Prompt
from rich.text import Text

from scaffolder.errors import InvalidAnswer, UserError

if TYPE_CHECKING:
    from scaffolder.generation import Question


class TerminalPrompter:
    """A :data:`scaffolder.generation.Prompter` for a person at a terminal.

    ``waiting`` is true while the cursor sits on a prompt line, so a message about an
    interruption can start on a line of its own.
    """

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True, emoji=False, highlight=False)
        self.waiting = False

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
            if question.default is None:
                reply = Prompt.ask(label, console=self.console)
            else:
                reply = Prompt.ask(label, console=self.console, default=question.default)
        except EOFError:
            self.console.print()
            self.waiting = False
            raise UserError(
                f"input ended before `{question.name}` was answered; nothing was written"
            ) from None
        self.waiting = False
        return reply
