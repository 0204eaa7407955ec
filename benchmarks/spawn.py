"""Starts measured commands for the harness from a small process, and times them.

Linux carries a process's peak resident set over into a child it forks, and keeps it across
exec: every child of the harness would report at least the harness's own peak (which grows
while it builds corpora) as its ``ru_maxrss``. This process stays small (standard library only,
run with ``-I -S``) and starts every measured command, so the figure reported is the command's
own, above a fixed floor of a few MiB that the harness prints.

Protocol: one JSON request a line on stdin (``argv``, ``env``, ``cwd``, ``stdout``, ``stderr``,
``timeout``); one JSON answer a line on stdout (``code``, ``seconds``, ``cpu``, ``maxrss_kib``,
``timed_out``). The command runs in its own session, stdin from /dev/null.
"""

import json
import os
import signal
import sys
import time
from typing import Any


def run(request: dict[str, Any]) -> dict[str, Any]:
    stdout = os.open(request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    stderr = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    stdin = os.open(os.devnull, os.O_RDONLY)
    timed_out: list[bool] = []

    def kill(signum: int, frame: object) -> None:
        timed_out.append(True)
        os.killpg(pid, signal.SIGKILL)

    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.chdir(request["cwd"])
            for source, target in ((stdin, 0), (stdout, 1), (stderr, 2)):
                os.dup2(source, target)
            os.execvpe(request["argv"][0], request["argv"], request["env"])
        except BaseException as error:
            os.write(2, f"spawn: cannot run {request['argv'][0]}: {error}\n".encode())
        finally:
            os._exit(127)
    signal.signal(signal.SIGALRM, kill)
    signal.setitimer(signal.ITIMER_REAL, request["timeout"])
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    signal.setitimer(signal.ITIMER_REAL, 0)
    for fd in (stdout, stderr, stdin):
        os.close(fd)
    return {
        "code": os.waitstatus_to_exitcode(status),
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_kib": usage.ru_maxrss,
        "timed_out": bool(timed_out),
    }


def main() -> None:
    for line in sys.stdin:
        sys.stdout.write(json.dumps(run(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
