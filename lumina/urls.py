from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.defaults import page_not_found, server_error

from lumina.core import health
from lumina.core.api import json_error_view

admin.site.site_header = "Lumina Host operator console"
admin.site.site_title = "Lumina Host"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("lumina.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("gallery.urls")),
    path("", include("albums.urls")),
    path("", include("search.urls")),
    path("", include("accounts.urls")),
]

_api_404 = json_error_view("not_found", "Not found.", 404)
_api_500 = json_error_view("server_error", "Something went wrong on our side.", 500)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_404(request, exception)
    return page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return _api_500(request)
    return server_error(request)
