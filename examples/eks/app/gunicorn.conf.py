"""gunicorn settings: one process with threads; scale out with replicas, not workers.

One worker keeps Prometheus metrics in a single process (no multiprocess directory needed).
gunicorn stops gracefully on SIGTERM: it stops accepting connections and lets requests in flight
finish within `graceful_timeout`, which stays below Kubernetes' 30-second grace period.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = 1
threads = int(os.environ.get("THREADS", "4"))
worker_class = "gthread"
graceful_timeout = 20
timeout = 30
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The root filesystem is read-only; heartbeat files go to the writable /tmp mount.
worker_tmp_dir = os.environ.get("TMPDIR", "/tmp")  # noqa: S108
