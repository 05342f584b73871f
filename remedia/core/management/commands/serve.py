"""`remedia serve`: the production server, gunicorn, with no network identifiers in its logs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Runs in each worker after the fork. prometheus_client picked its
        # value store when it was first imported (in the master, before
        # PROMETHEUS_MULTIPROC_DIR was set): pick again, so this worker's
        # numbers go to its own files and a scrape adds every worker's up.
        from prometheus_client import values

        values.ValueClass = values.get_value_class()
        # settings.WSGI_APPLICATION names the app: core never imports config.
        from django.core.servers.basehttp import get_internal_wsgi_application

        return get_internal_wsgi_application()


def _metrics_dir() -> Path:
    """An empty directory for this server's metrics files (left from a previous
    run, they would count its dead workers' requests again)."""
    path = Path(settings.DATA_DIR) / "metrics"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, mode=0o700)
    return path


def _child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class Command(BaseCommand):
    help = "Serve Remedia with gunicorn (TLS ends at the proxy in front)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="host:port")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2)),
        )
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--timeout", type=int, default=60)
        parser.add_argument(
            "--max-requests",
            type=int,
            default=5000,
            help="Requests after which a worker is replaced (0: never; `make "
            "soak` runs so, so that a leak the recycling would hide shows).",
        )
        parser.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="Skip gathering static files (they are already in place).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir())
        _Gunicorn(
            {
                "bind": options["bind"],
                "workers": options["workers"],
                "threads": options["threads"],
                "worker_class": "gthread",
                "timeout": options["timeout"],
                # Longer than the proxy's upstream keepalive_timeout (nginx's
                # default 60 s, deploy/nginx/remedia.conf): the proxy, never
                # gunicorn, closes an idle kept-alive connection. With
                # gunicorn's 2 s, a request the proxy sent as gunicorn closed
                # the connection was lost (a reset; `make soak` met it).
                "keepalive": 75,
                # No access log: Remedia logs each request itself, without the
                # client's address or user agent (docs/security.md).
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "forwarded_allow_ips": os.environ.get(
                    "FORWARDED_ALLOW_IPS", "127.0.0.1"
                ),
                "proc_name": "remedia",
                "max_requests": options["max_requests"],
                "max_requests_jitter": options["max_requests"] // 10,
                "worker_tmp_dir": str(settings.DATA_DIR) if os.name != "nt" else None,
                "child_exit": _child_exit,
            }
        ).run()
