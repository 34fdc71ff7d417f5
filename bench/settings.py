"""Settings of the benchmark server: the production settings plus the framework floor.

Production configuration (``config.settings``, ``config.urls``) never exposes the floor;
only ``DJANGO_SETTINGS_MODULE=bench.settings`` does.
"""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.floor"]
ROOT_URLCONF = "bench.urls"
