"""The request toolkit: `lumina.core.dates`, `lumina.core.web` and `accounts.web`."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.tenancy import require_membership
from gallery.models import Tag
from lumina.core.dates import parse_when
from lumina.core.errors import LuminaError, NotFound, PermissionDenied, ValidationFailed
from lumina.core.lookup import all_or_404
from lumina.core.web import ErrorPageMiddleware, form_errors
from tests.factories import TenantFactory

# --- parse_when -------------------------------------------------------------------------


def test_parse_when_empty_is_none():
    assert parse_when("", "taken_after") is None
    assert parse_when(None, "taken_after") is None
    assert parse_when("   ", "taken_after") is None


def test_a_plain_date_is_the_start_of_the_day_by_default():
    moment = parse_when("2030-05-06", "taken_after")
    assert moment is not None
    assert timezone.is_aware(moment)
    local = timezone.localtime(moment)
    assert (local.date().isoformat(), local.time()) == ("2030-05-06", time.min)


def test_a_plain_date_as_an_upper_bound_is_the_end_of_the_day():
    moment = parse_when("2030-05-06", "expires_at", end_of_day=True)
    assert moment is not None
    local = timezone.localtime(moment)
    assert (local.date().isoformat(), local.time()) == ("2030-05-06", time.max)


def test_a_date_time_is_kept_whatever_end_of_day_says():
    start = parse_when("2030-05-06T10:30:00", "taken_after")
    end = parse_when("2030-05-06T10:30:00", "taken_after", end_of_day=True)
    assert start == end
    assert timezone.localtime(start).time() == time(10, 30)  # type: ignore[arg-type]


def test_naive_values_are_in_the_current_time_zone(settings):
    with timezone.override("Asia/Jakarta"):  # UTC+7, no daylight saving
        moment = parse_when("2030-05-06", "taken_after")
    assert moment == datetime(2030, 5, 5, 17, 0, tzinfo=UTC)


def test_an_explicit_offset_is_kept():
    moment = parse_when("2030-05-06T10:00:00+02:00", "taken_after")
    assert moment is not None
    assert moment.utcoffset() == timedelta(hours=2)
    assert moment == datetime(2030, 5, 6, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", "2030-13-01", "2030-02-30", "06/05/2030"])
def test_bad_input_names_the_field(value):
    with pytest.raises(ValidationFailed) as caught:
        parse_when(value, "uploaded_before")
    assert caught.value.details == {"field": "uploaded_before"}
    assert "uploaded_before" in caught.value.message


def test_bad_input_can_carry_its_own_message():
    with pytest.raises(ValidationFailed) as caught:
        parse_when("soon", "expires_at", message="Use a date like 2030-12-31.")
    assert caught.value.message == "Use a date like 2030-12-31."
    assert caught.value.details == {"field": "expires_at"}


@pytest.mark.parametrize("value", ["2030-05-06", "2030-5-6"])
def test_every_spelling_of_a_plain_date_gets_the_same_meaning(value):
    # parse_datetime alone reads "2030-05-06" as midnight but not "2030-5-6".
    start = parse_when(value, "taken_after")
    end = parse_when(value, "taken_before", end_of_day=True)
    assert start is not None
    assert end is not None
    assert timezone.localtime(start).time() == time.min
    assert timezone.localtime(end).time() == time.max


# --- all_or_404 -------------------------------------------------------------------------


@pytest.fixture
def tags(db):
    """Two tags of our workspace and one of another."""
    ours, theirs = TenantFactory(), TenantFactory()
    a = Tag.objects.create(tenant=ours, name="a")
    b = Tag.objects.create(tenant=ours, name="b")
    foreign = Tag.objects.create(tenant=theirs, name="x")
    return Tag.objects.filter(tenant=ours), a, b, foreign


def test_all_or_404_returns_them_in_the_order_given_without_duplicates(tags):
    scoped, a, b, __ = tags
    assert all_or_404(scoped, [str(b.pk), a.pk, b.pk]) == [b, a]


def test_all_or_404_names_the_missing_ids(tags):
    scoped, a, b, __ = tags
    absent = max(a.pk, b.pk) + 1000
    with pytest.raises(NotFound) as caught:
        all_or_404(scoped, [a.pk, absent, b.pk], noun="tag")
    assert caught.value.details == {"missing": [absent]}
    assert caught.value.message == "Some tags were not found."


def test_all_or_404_reports_another_workspaces_id_as_missing_like_an_absent_one(tags):
    scoped, a, __, foreign = tags
    with pytest.raises(NotFound) as caught:
        all_or_404(scoped, [foreign.pk, a.pk])
    # Refused whole, and the foreign id is named missing, never returned as found.
    assert caught.value.details == {"missing": [foreign.pk]}


def test_all_or_404_names_the_field_for_a_non_integer(tags):
    scoped, *__ = tags
    with pytest.raises(ValidationFailed) as caught:
        all_or_404(scoped, ["1", "two"], field="asset_ids")
    assert caught.value.details == {"field": "asset_ids"}


# --- require_membership -----------------------------------------------------------------


def test_require_membership_without_a_workspace_is_not_found(db):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(NotFound) as caught:
        require_membership(request)
    assert caught.value.message == "No workspace is selected."


def test_require_membership_is_the_current_membership(user):
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}  # type: ignore[assignment]
    membership = require_membership(request)
    assert membership.user == user


def test_a_web_page_without_a_workspace_is_the_404_page(user, browser):
    user.memberships.all().delete()
    browser.force_login(user)
    for page in ("/", "/search/", "/upload/"):
        response = browser.get(page)
        assert response.status_code == 404, page
        assert "Nothing here" in response.content.decode()


def test_an_api_call_without_a_workspace_is_the_not_found_error(user, api):
    user.memberships.all().delete()
    response = api.get("/api/v1/assets/")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "No workspace is selected.",
        "details": {},
    }


# --- form_errors and ErrorPageMiddleware -------------------------------------------------


def _post(data: dict[str, str] | None = None, path: str = "/things/7/edit/") -> HttpRequest:
    request = RequestFactory().post(path, data or {}, HTTP_HOST="testserver")
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    return request


def _refusing(error: LuminaError, **options):  # type: ignore[no-untyped-def]
    def back(request: HttpRequest, thing_id: int) -> HttpResponse:
        return HttpResponse(status=302, headers={"Location": f"/things/{thing_id}/"})

    @form_errors(back, **options)
    def view(request: HttpRequest, thing_id: int) -> HttpResponse:
        raise error

    return view


def _messages(request: HttpRequest) -> list[str]:
    return [str(m) for m in get_messages(request)]


def test_a_refused_form_post_redirects_back_with_the_message():
    request = _post()
    response = _refusing(ValidationFailed("Give it a title."))(request, thing_id=7)
    assert (response.status_code, response["Location"]) == (302, "/things/7/")
    assert _messages(request) == ["Give it a title."]


def test_a_refused_form_post_goes_back_to_its_safe_next_keeping_the_query():
    # What the page showed (filters, page number) lives in `next`: nothing is lost.
    request = _post({"next": "/search/?q=beach&tag=sea&page=3"})
    response = _refusing(PermissionDenied("Editors only."))(request, thing_id=7)
    assert response["Location"] == "/search/?q=beach&tag=sea&page=3"
    assert _messages(request) == ["Editors only."]


def test_an_unsafe_next_is_ignored():
    request = _post({"next": "https://evil.example/"})
    response = _refusing(ValidationFailed("No."))(request, thing_id=7)
    assert response["Location"] == "/things/7/"


def test_a_url_name_as_back_is_reversed(db):
    @form_errors("home")
    def view(request: HttpRequest) -> HttpResponse:
        raise ValidationFailed("No.")

    assert view(_post())["Location"] == "/"


def test_not_found_is_a_message_unless_the_view_asks_for_the_404_page(db):
    request = _post()
    assert _refusing(NotFound("Member not found."))(request, thing_id=7).status_code == 302
    assert _messages(request) == ["Member not found."]
    request = _post()
    page = _refusing(NotFound("Album not found."), not_found_page=True)(request, thing_id=7)
    assert page.status_code == 404
    assert _messages(request) == []


def test_a_refused_network_is_the_403_page_never_a_message(db):
    request = _post()
    refused = LuminaError("Not from this network.", code="ip_not_allowed", status=403)
    assert _refusing(refused)(request, thing_id=7).status_code == 403
    assert _messages(request) == []


@pytest.mark.parametrize(
    ("error", "status", "shown"),
    [
        (NotFound("Album not found."), 404, "Nothing here"),
        (PermissionDenied("Owners only."), 403, "403"),
        (ValidationFailed("ends_at: use an ISO date or date-time."), 400, "ends_at: use an"),
        (LuminaError("Too big.", status=413), 413, "Too big."),
    ],
)
def test_a_page_that_meets_a_domain_error_shows_its_status_page(db, error, status, shown):
    request = RequestFactory().get("/albums/1/")
    request.user = AnonymousUser()
    request.session = {}  # type: ignore[assignment]
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    response = ErrorPageMiddleware(lambda r: HttpResponse()).process_exception(request, error)
    assert response is not None
    assert response.status_code == status
    assert shown in response.content.decode()


def test_the_api_keeps_its_own_mapping():
    request = RequestFactory().get("/api/v1/assets/")
    middleware = ErrorPageMiddleware(lambda r: HttpResponse())
    assert middleware.process_exception(request, NotFound()) is None
    assert middleware.process_exception(RequestFactory().get("/"), KeyError()) is None


def test_a_form_post_keeps_the_page_it_came_from(make_team, browser):
    # The album page's selection form carries `next`; a refused ZIP returns there (the
    # redirect itself; tests/ui/test_error_pages.py shows a refused form in Chromium).
    __, people = make_team()
    browser.force_login(people["editor"])
    response = browser.post("/albums/zip/", {"next": "/albums/?page=2"})
    assert response.status_code == 302
    assert response["Location"] == "/albums/?page=2"
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == ["Select at least one image."]
