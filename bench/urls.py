"""The project's URLs plus the framework floor endpoint (benchmark settings only)."""

from django.urls import path

from bench.floor.views import FloorInsertApi
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("bench/floor/", FloorInsertApi.as_view(), name="bench-floor"),
]
