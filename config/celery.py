"""Celery application. Tasks run eagerly when CELERY_BROKER_URL is unset (see settings)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("omnicrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def close_unusable_connections(sender=None, **kwargs) -> None:
    """Before and after each task, what Django does around each request: close a connection that
    failed and no longer answers, or outlived ``CONN_MAX_AGE``, and have the next query check the
    one kept (``CONN_HEALTH_CHECKS``). Celery's own fixup closes connections only every
    ``CELERY_DB_REUSE_MAX`` tasks, so without this a worker kept a connection a database restart
    had closed and every task failed on it until the worker was restarted."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # an eager task runs inside its caller's request or transaction
    from django.db import close_old_connections

    close_old_connections()


task_prerun.connect(close_unusable_connections, weak=False)
task_postrun.connect(close_unusable_connections, weak=False)
