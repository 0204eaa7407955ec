"""gunicorn settings: one process with threads; scale out with replicas, not workers.

One worker keeps Prometheus metrics in a single process (no multiprocess directory needed).
On SIGTERM the service turns not ready, gunicorn stops accepting connections, answers the
requests in flight with `Connection: close` and exits within `graceful_timeout`; with the
deployment's preStop delay that stays inside Kubernetes' 30-second grace period.
"""

import os
import signal

bind = f"0.0.0.0:{os.environ.get('PORT', '{{ cookiecutter.app_port }}')}"
workers = 1
# Readiness never holds a thread (service/readiness.py); requests waiting on a slow database do,
# and every thread they hold is one fewer for `/healthz`.
threads = int(os.environ.get("THREADS", "8"))
worker_class = "gthread"
graceful_timeout = 20
timeout = 30
# The app writes its own access log as JSON (service/logs.py); gunicorn's goes the same way.
accesslog = None
_level = os.environ.get("LOG_LEVEL", "info").lower()
loglevel = {"warn": "warning", "fatal": "critical"}.get(_level, _level)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "service.logs.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "root": {"handlers": ["stdout"], "level": loglevel.upper()},
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False}
    },
}
# The root filesystem is read-only; heartbeat files go to the writable /tmp mount.
worker_tmp_dir = os.environ.get("TMPDIR", "/tmp")  # noqa: S108


def post_worker_init(worker):
    """Turn readiness off first when the worker is told to stop, then stop as gunicorn does."""
    service = worker.wsgi.extensions["service"]
    stop = signal.getsignal(signal.SIGTERM)

    def on_sigterm(signum, frame):
        service.begin_shutdown()
        stop(signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)


def worker_exit(server, worker):
    """After the last request: close the database connections."""
    service = getattr(worker.wsgi, "extensions", {}).get("service")
    if service is not None:
        service.close()
