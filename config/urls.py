from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from crm.views.attachments import attachment_signed

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("crm.api.urls")),
    path("api/v1/", include("journeys.api.urls")),
    path("api/v1/", include("insights.urls")),
    path("api/v1/", include("imports.urls")),
    path("api/v1/", include("channels_app.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("webhooks/", include("channels_app.urls")),
    # a provider fetches a file we send from here (signed, expiring; no other authentication)
    path("attachments/signed/<str:token>/", attachment_signed, name="attachment-signed"),
    path("i18n/", include("django.conf.urls.i18n")),
    # browsers ask for /favicon.ico whatever the page links
    path("favicon.ico", RedirectView.as_view(url=static("crm/favicon.svg"), permanent=True)),
    path("", include("config.dashboard_urls")),
]
