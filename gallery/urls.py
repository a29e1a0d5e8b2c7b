from django.urls import path, register_converter

from . import views


class SpecConverter:
    regex = r"[a-z0-9-]{1,32}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SpecConverter, "spec")

urlpatterns = [
    path("r/<int:asset_id>/<spec:spec>.<spec:fmt>", views.rendition, name="rendition"),
    path("", views.gallery_home, name="home"),
    path("trash/", views.trash, name="gallery-trash"),
    path("assets/<int:asset_id>/", views.asset_detail, name="asset-detail"),
    path("upload/", views.upload, name="upload"),
    path("offline/", views.offline, name="offline"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
    path("sw.js", views.service_worker, name="service-worker"),
]
