from django.urls import path

from . import api

urlpatterns = [
    path("imports/", api.ImportListApi.as_view(), name="imports"),
    path("imports/<int:pk>/", api.ImportDetailApi.as_view(), name="import"),
]
