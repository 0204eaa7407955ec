"""The prompts' line reader: lines as ``input()`` gives them, and no signal lost while waiting.

A signal whose C-level handler runs while no read() is there to be interrupted (it landed just
before the read started, or in another thread) leaves ``input()`` waiting for a line: Ctrl-C
at a prompt then did nothing until Enter. The reproduction below sends SIGINT to a helper
thread while the main thread waits, which is that state made certain.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from scaffolder.prompts import SignalSafeLines

SCRIPT = textwrap.dedent(
    """
    import os, signal, sys, threading
    from scaffolder.prompts import SignalSafeLines

    read_end, _keep = os.pipe()  # nothing is ever written: a read waits for ever
    started = threading.Event()

    def interrupt_this_thread():
        started.wait()
        # The handler's C part runs here, in this thread; the main thread's read() goes on.
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    threading.Thread(target=interrupt_this_thread, daemon=True).start()
    try:
        if sys.argv[1] == "safe":
            lines = SignalSafeLines(read_end, "utf-8")
            started.set()
            lines.readline()
        else:
            os.dup2(read_end, 0)
            started.set()
            input()
    except KeyboardInterrupt:
        print("interrupted")
        sys.exit(130)
    """
)


def _run(kind: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, kind],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_a_signal_handled_off_the_read_still_ends_the_wait() -> None:
    result = _run("safe", timeout=120)
    assert (result.returncode, result.stdout) == (130, "interrupted\n"), result.stderr


def test_the_reproduction_loses_the_signal_with_input() -> None:
    # The control: the same state leaves input() waiting (the defect the reader fixes).
    with pytest.raises(subprocess.TimeoutExpired):
        _run("input", timeout=5)


def _lines(data: bytes) -> SignalSafeLines:
    read_end, write_end = os.pipe()
    os.write(write_end, data)
    os.close(write_end)
    return SignalSafeLines(read_end, "utf-8")


def test_lines_come_as_input_gives_them() -> None:
    # Several lines in one read (a paste), CRLF, non-ASCII, and a last line without newline.
    lines = _lines("eu-west1\r\n\nzürich\nlast".encode())
    assert [lines.readline() for _ in range(4)] == ["eu-west1", "", "zürich", "last"]
    with pytest.raises(EOFError):
        lines.readline()


def test_end_of_input_at_once_is_eof() -> None:
    with pytest.raises(EOFError):
        _lines(b"").readline()
