"""The console script and ``python -m scaffolder``.

SIGINT and SIGTERM become scaffolder's before the command line module and its dependencies are
imported, so Ctrl-C in the first tenth of a second is a message and 130, not a traceback.
"""

from __future__ import annotations

import signal
import sys

from scaffolder.interrupt import NAMES, SIGNALS, Guard, exit_status, line_start


def main() -> None:
    """Run the command line with the process's signal guard installed."""
    guard = Guard()
    guard.install()
    try:
        from scaffolder.cli import cli

        cli.main(prog_name="scaffolder")
    except KeyboardInterrupt as error:
        signum = getattr(error, "signal", 2)
        print(
            f"{line_start(signum)}scaffolder: interrupted by {NAMES[signum]}; nothing was written",
            file=sys.stderr,
        )
        sys.exit(exit_status(signum))
    finally:
        # The command has finished, its result is complete and its output printed: a signal now
        # comes too late to interrupt anything, and the exit status stays the command's. Held
        # back, it cannot meet the interpreter's shutdown, which restores the default handlers.
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
