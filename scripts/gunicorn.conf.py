"""gunicorn settings for ketacare (docs/deploy.md). Each value can be overridden from the
environment (GUNICORN_WORKERS, ...) or on the command line.

Measured in docs/benchmarks.md: see there before changing workers or threads.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: a request holds one process; ketacare's requests are short database work.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
# A request that takes longer than this is killed; none should take a tenth of it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, with jitter so they do not restart together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# The proxy in front is on the same machine; trust its X-Forwarded-* headers only from there.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Load the app once in the master and fork warm workers. Without this each new worker (at
# start and after every recycling) imported the URLconf - the API and FHIR schemas - on its
# first request: 2-7 s for that request on a busy 2-core machine (docs/benchmarks.md).
# With preload, deploy new code with a restart, not a HUP.
preload_app = os.environ.get("GUNICORN_PRELOAD", "true").lower() == "true"


def when_ready(server):  # noqa: ARG001 - gunicorn's hook signature
    """In the master, before forking: import every view and compile every template."""
    if not preload_app:
        return
    from django.db import connections
    from django.template import TemplateDoesNotExist, TemplateSyntaxError
    from django.template.loader import get_template
    from django.template.utils import get_app_template_dirs
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and every view
    from django.conf import settings

    dirs = [*settings.TEMPLATES[0]["DIRS"], *get_app_template_dirs("templates")]
    for root in dirs:
        for path in root.rglob("*.html"):
            try:
                get_template(str(path.relative_to(root)))
            except (TemplateDoesNotExist, TemplateSyntaxError):
                continue
    # Never hand a database connection opened here to the forked workers.
    connections.close_all()


accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# gunicorn's control socket is one fixed path per user; several servers on a host would
# fight over it, and nothing here uses it.
control_socket_disable = True
