"""Celery application. Tasks run eagerly when CELERY_BROKER_URL is unset (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("omnicrm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
