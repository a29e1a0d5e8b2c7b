"""The filter tables: parsing errors name the parameter, the applying follows the
table, and the docs and the OpenAPI schema come from the same entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from gallery.filtering import ASSET_FILTERS, AssetFilters
from lumina.core.errors import ValidationFailed
from lumina.core.filtering import MAX_LIST, many
from lumina.core.plugins import asset_list_filters
from search.filters import GALLERY_PARAMS, PARAMS, SEARCH_FILTERS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def field_of_error(table, params):
    with pytest.raises(ValidationFailed) as caught:
        table.parse(params)
    return caught.value.code, caught.value.details["field"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"visibility": "secret"}, "visibility"),
        ({"status": "bogus"}, "status"),
        ({"uploaded_after": "yesterday"}, "uploaded_after"),
        ({"taken_before": "2030-02-30"}, "taken_before"),
    ],
)
def test_gallery_parse_errors_name_the_parameter(params, field):
    assert field_of_error(ASSET_FILTERS, params) == ("invalid", field)


def test_gallery_flags_keep_their_lenient_reading():
    assert ASSET_FILTERS.parse({}) == AssetFilters()
    assert ASSET_FILTERS.parse({"favorite": "maybe", "trashed": "yes"}) == AssetFilters(
        favorite=False, trashed=True
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "1799"}, "year"),
        ({"min_bytes": "-1"}, "min_bytes"),
        ({"max_width": "2147483648" * 3}, "max_width"),
        ({"orientation": "diagonal"}, "orientation"),
        ({"format": "j p g"}, "format"),
        ({"tags": ",".join(str(i) for i in range(MAX_LIST + 1))}, "tags"),
        ({"album": "0"}, "album"),
        ({"favorite": "maybe"}, "favorite"),
        ({"has_gps": "perhaps"}, "has_gps"),
        ({"country": "FRA"}, "country"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "0,10,1,5"}, "bbox"),
        ({"near": "91,0"}, "near"),
        ({"near": "1,2", "radius_km": "1e400"}, "radius_km"),
        ({"near": "1,2", "radius_km": "nan"}, "radius_km"),
    ],
)
def test_search_parse_errors_name_the_parameter(params, field):
    assert field_of_error(SEARCH_FILTERS, params) == ("invalid", field)


def test_lists_read_repeats_and_commas_and_are_capped():
    assert many({"tag": ["a,b", " c ", ""]}, "tag") == ["a", "b", "c"]
    parsed = SEARCH_FILTERS.parse({"tag": ["Sea"], "tags": "family,sea", "format": ["jpg", "JPEG"]})
    assert parsed.tags_all == ("Sea", "family", "sea")
    assert parsed.formats == ("jpeg",)


def test_a_radius_needs_a_point():
    assert SEARCH_FILTERS.parse({"radius_km": "5"}).near is None
    assert SEARCH_FILTERS.parse({"near": "1,2", "radius_km": "5"}).radius_km == 5.0


def test_the_tables_read_what_the_forms_and_the_hook_expect():
    assert set(ASSET_FILTERS.names()) == GALLERY_PARAMS
    assert len(PARAMS) == len(set(PARAMS))
    # search reads every gallery parameter but `trashed` (search never lists the trash)
    assert GALLERY_PARAMS - set(PARAMS) == {"trashed"}


def test_the_search_docs_table_is_the_filter_table():
    assert SEARCH_FILTERS.markdown() in (DOCS / "search.md").read_text()


def test_the_gallery_docs_name_every_list_filter():
    text = (DOCS / "api.md").read_text()
    paragraph = text[text.index("Filters on `GET /assets/`") :].split("\n\n")[0]
    missing = [name for name in ASSET_FILTERS.names() if f"`{name}" not in paragraph]
    assert not missing


def test_the_openapi_parameters_come_from_the_tables():
    gallery = {p.name for p in ASSET_FILTERS.openapi_parameters()}
    assert gallery == GALLERY_PARAMS
    search = {p.name for p in SEARCH_FILTERS.openapi_parameters()}
    assert search == set(PARAMS)
    (entry,) = list(asset_list_filters)
    extra = {p.name for p in entry.parameters}
    assert extra == (search - GALLERY_PARAMS) | {"q", "prefix"}


@pytest.mark.django_db
def test_the_asset_list_schema_lists_the_registered_filters(client):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    listed = {p["name"] for p in schema["paths"]["/api/v1/assets/"]["get"]["parameters"]}
    assert GALLERY_PARAMS | {"q", "orientation", "near", "radius_km", "tags"} <= listed
