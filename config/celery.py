"""Celery application. Tasks run eagerly when CELERY_BROKER_URL is unset (see settings)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from kombu import Connection

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


def _collect_and_forget_channel(collect):
    """kombu's ``Connection.collect`` detaches the transport but keeps the default channel, and
    since celery/celery#10242 (Celery 5.7) the worker closes the connection again after collecting
    it when the broker is lost. Closing that channel then restores its unacknowledged messages
    through the detached transport: ``AttributeError: 'NoneType' object has no attribute
    'hostname'`` escapes the connection-error handling and the worker exits ("Unrecoverable
    error"). Collected, the channel is gone: forget it. Its unacknowledged messages stay in
    Redis's unacked hash, which any worker restores after the visibility timeout."""

    def collect_forgetting_channel(self, *args, **kwargs):
        try:
            return collect(self, *args, **kwargs)
        finally:
            self._default_channel = None

    return collect_forgetting_channel


Connection.collect = _collect_and_forget_channel(Connection.collect)
