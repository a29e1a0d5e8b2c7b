"""Everything under /api/v1/."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver, include, path, reverse
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

RESOURCE_MODULES = ("accounts.api.urls", "gallery.api.urls", "albums.api.urls", "search.api.urls")


def _resources(patterns: list[Any]) -> list[str]:
    """URL names of the entry points: named routes without parameters, in order."""
    names: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names += _resources(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.converters:
            names.append(pattern.name)
    return names


class ApiRootView(APIView):
    """The entry points of the API, each with its URL; the schema has the rest."""

    permission_classes = (AllowAny,)
    required_scopes = ""  # any valid token may read the map
    pagination_class = None

    @extend_schema(
        summary="API root: the resources and the documentation",
        responses={
            200: {
                "type": "object",
                "additionalProperties": {"type": "string", "format": "uri"},
                "example": {"assets": "https://photos.example.com/api/v1/assets/"},
            }
        },
    )
    def get(self, request: Request) -> Response:
        listing = {}
        for name in [*_resources(resource_patterns), "api-schema", "api-docs", "api-redoc"]:
            key = name.removeprefix("api-")
            listing[key] = request.build_absolute_uri(reverse(name))
        return Response(listing)


resource_patterns: list[Any] = [path("", include(module)) for module in RESOURCE_MODULES]

urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    *resource_patterns,
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
