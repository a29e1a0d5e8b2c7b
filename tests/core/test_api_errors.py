from __future__ import annotations

import pytest
from django.urls import path
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from lumina.core.errors import QuotaExceeded
from lumina.urls import handler404, handler500  # noqa: F401 (looked up by Django)
from lumina.urls import urlpatterns as base_patterns

pytestmark = pytest.mark.django_db


class Boom(APIView):
    permission_classes = ()

    def get(self, request):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret detail that must not leak")


class Quota(APIView):
    permission_classes = ()

    def get(self, request):  # type: ignore[no-untyped-def]
        raise QuotaExceeded("Workspace is full.", details={"limit": 10})


class Fine(APIView):
    permission_classes = ()

    def get(self, request):  # type: ignore[no-untyped-def]
        return Response({"ok": True})


urlpatterns = [
    path("api/v1/test/boom/", Boom.as_view()),
    path("api/v1/test/quota/", Quota.as_view()),
    path("api/v1/test/fine/", Fine.as_view()),
    *base_patterns,
]


@pytest.fixture
def client(settings):
    settings.ROOT_URLCONF = __name__
    return APIClient(raise_request_exception=False)


def test_domain_errors_use_their_code_status_and_details(client):
    response = client.get("/api/v1/test/quota/")
    assert response.status_code == 413
    assert response.json() == {
        "error": {
            "code": "quota_exceeded",
            "message": "Workspace is full.",
            "details": {"limit": 10},
        }
    }


def test_unexpected_errors_are_500_in_the_envelope_without_internals(client):
    response = client.get("/api/v1/test/boom/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "secret detail" not in response.content.decode()


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_web_path_is_an_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


def test_wrong_method_and_bad_json(client, user):
    client.force_authenticate(user)
    assert client.delete("/api/v1/me/").json()["error"]["code"] == "method_not_allowed"
    response = client.post("/api/v1/tenants/", "{bad json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/me/" in paths
    assert "/api/v1/tenants/{tenant_id}/members/" in paths
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/redoc/").status_code == 200


def test_every_response_carries_a_request_id(client):
    response = client.get("/api/v1/test/fine/", HTTP_X_REQUEST_ID="abcdef1234567890")
    assert response["X-Request-ID"] == "abcdef1234567890"
    response = client.get("/api/v1/test/fine/", HTTP_X_REQUEST_ID="bad id with spaces\n")
    assert len(response["X-Request-ID"]) == 32


def test_openapi_schema_validates_without_warnings(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "bearerAuth" in text
    assert "/api/v1/tenants/{tenant_id}/invitations/" in text
