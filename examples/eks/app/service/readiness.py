"""Readiness, decided in the background: `/readyz` reads the last result and never waits.

A probe that waited on the database would hold one of gunicorn's few threads for as long as the
database hangs; enough of them and `/healthz` queues behind them, so Kubernetes restarts pods that
are fine. Here one thread checks the database every `interval` seconds; a check that takes longer
than `timeout` makes the service not ready at once, and no second check starts until it returns.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("service.readiness")


class Readiness:
    """Whether the service should receive traffic, and why not."""

    def __init__(self, check: Callable[[], None], *, interval: float, timeout: float) -> None:
        self._check = check
        self._interval = interval
        self._timeout = timeout
        self._lock = threading.Lock()
        self._ready = False
        self._reason = "starting"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="readiness", daemon=True)

    def start(self) -> None:
        """Start checking in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Not ready from now on (shutdown): load balancers stop sending new requests."""
        with self._lock:
            self._stopping.set()
            self._ready, self._reason = False, "shutting down"
        log.info("not ready", extra={"fields": {"reason": "shutting down"}})

    @property
    def stopping(self) -> bool:
        """Whether `stop()` was called."""
        return self._stopping.is_set()

    def status(self) -> tuple[bool, str]:
        """`(ready, reason)`; the reason says why not."""
        with self._lock:
            return self._ready, self._reason

    def _set(self, ready: bool, reason: str) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            changed = (ready, reason) != (self._ready, self._reason)
            self._ready, self._reason = ready, reason
        # Changes only: a database down for an hour is one line, not one a second.
        if changed and ready:
            log.info("ready")
        elif changed:
            log.warning("not ready", extra={"fields": {"reason": reason}})

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._check_once()
            self._stopping.wait(self._interval)

    def _check_once(self) -> None:
        errors: list[Exception] = []
        worker = threading.Thread(target=self._run, args=(errors,), daemon=True)
        worker.start()
        worker.join(self._timeout)
        if worker.is_alive():
            self._set(False, f"the database did not answer within {self._timeout:g} s")
            # Wait for the hung check instead of starting more: one thread, however long it hangs.
            while worker.is_alive() and not self._stopping.is_set():
                worker.join(self._interval)
            if worker.is_alive():
                return
        if errors:
            self._set(False, f"database unreachable: {errors[0]}")
        else:
            self._set(True, "ready")

    def _run(self, errors: list[Exception]) -> None:
        try:
            self._check()
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            errors.append(error)
