"""Full-text search: ranking, stemming, accents, syntax, typos, prefixes, highlights,
pagination and counts."""

from __future__ import annotations

import pytest

from search import selectors
from search.filters import SearchRequest
from search.selectors import render_headline
from tests.search.conftest import make_asset, titles

pytestmark = pytest.mark.django_db


def _search(ws, q, **kwargs):
    return selectors.search(membership=ws, request=SearchRequest(q=q, **kwargs))


def test_a_title_match_ranks_above_a_description_match(ws, client_in):
    # given the description match is the newer one
    make_asset(ws, title="Lighthouse at dawn", description="Cold morning")
    make_asset(ws, title="Harbour walk", description="We saw the lighthouse from the pier")
    make_asset(ws, title="Unrelated", description="Nothing to see")
    # when
    response = client_in(ws).get("/api/v1/search/", {"q": "lighthouse"})
    # then
    body = response.json()
    assert titles(body) == ["Lighthouse at dawn", "Harbour walk"]
    assert body["results"][0]["rank"] > body["results"][1]["rank"]
    assert body["query"] == {
        "q": "lighthouse",
        "text": "lighthouse",
        "mode": "exact",
        "order": "relevance",
        "prefix": False,
    }
    assert body["count"] == 2
    assert body["count_capped"] is False


def test_weights_follow_the_design(ws):
    # title A, tags B, description and filename C, place and camera D
    make_asset(ws, title="Night one", description="harbor lights")  # C
    make_asset(ws, title="Night two", tags=["harbor"])  # B
    make_asset(ws, title="Harbor", description="")  # A
    make_asset(ws, title="Night three", camera_make="Harbor")  # D
    page = _search(ws, "harbor")
    assert [a.title for a in page.results] == ["Harbor", "Night two", "Night one", "Night three"]


def test_stemming_finds_other_forms_of_a_word(ws):
    make_asset(ws, title="Running by the mountains")
    make_asset(ws, title="Still water")
    assert [a.title for a in _search(ws, "run").results] == ["Running by the mountains"]
    assert [a.title for a in _search(ws, "mountain").results] == ["Running by the mountains"]
    assert [a.title for a in _search(ws, "runs").results] == ["Running by the mountains"]


def test_accents_are_folded_both_ways(ws):
    make_asset(ws, title="Café in São Paulo")
    make_asset(ws, title="Zurich old town")
    assert [a.title for a in _search(ws, "cafe sao paulo").results] == ["Café in São Paulo"]
    assert [a.title for a in _search(ws, "CAFÉ").results] == ["Café in São Paulo"]
    assert [a.title for a in _search(ws, "Zürich").results] == ["Zurich old town"]


def test_websearch_syntax_phrase_exclusion_and_or(ws):
    make_asset(ws, title="New York skyline")
    make_asset(ws, title="York minster, new roof")
    make_asset(ws, title="Rainy New York")
    make_asset(ws, title="Paris rooftops")
    phrase = {a.title for a in _search(ws, '"new york"').results}
    assert phrase == {"New York skyline", "Rainy New York"}
    both = {a.title for a in _search(ws, "new york").results}
    assert both == {"New York skyline", "York minster, new roof", "Rainy New York"}
    excluded = {a.title for a in _search(ws, '"new york" -rainy').results}
    assert excluded == {"New York skyline"}
    either = {a.title for a in _search(ws, "skyline or rooftops").results}
    assert either == {"New York skyline", "Paris rooftops"}


def test_a_misspelt_word_is_corrected_from_the_workspace_vocabulary(ws, client_in):
    make_asset(ws, title="Mountain lake")
    make_asset(ws, title="City lights")
    body = client_in(ws).get("/api/v1/search/", {"q": "mountian"}).json()
    assert titles(body) == ["Mountain lake"]
    assert body["query"]["mode"] == "corrected"
    assert body["query"]["text"] == "mountain"


def test_a_correction_keeps_phrases_and_exclusions(ws):
    make_asset(ws, title="Mountain lake at dusk")
    make_asset(ws, title="Mountain lake in winter")
    page = _search(ws, "mountian -winter")
    assert [a.title for a in page.results] == ["Mountain lake at dusk"]
    assert page.text == "mountain -winter"


def test_nothing_similar_gives_an_empty_page_not_a_wild_guess(ws):
    make_asset(ws, title="Mountain lake")
    page = _search(ws, "xylophone")
    assert page.results == []
    assert page.count == 0


def test_type_ahead_prefix_completes_the_last_word(ws, client_in):
    make_asset(ws, title="Mountains of Java")
    make_asset(ws, title="Mouse on the table")
    make_asset(ws, title="Sea")
    body = client_in(ws).get("/api/v1/search/", {"q": "moun", "prefix": "true"}).json()
    assert titles(body) == ["Mountains of Java"]
    assert body["query"]["prefix"] is True
    # a fully typed word longer than its stem still matches
    assert [a.title for a in _search(ws, "mountains", prefix=True).results] == ["Mountains of Java"]
    # earlier words are whole words
    assert [a.title for a in _search(ws, "java moun", prefix=True).results] == ["Mountains of Java"]
    assert _search(ws, "sea moun", prefix=True).results == []


def test_an_incomplete_word_falls_back_to_a_prefix_when_nothing_matches(ws):
    make_asset(ws, title="Lighthouse keeper")
    page = _search(ws, "lighth")
    assert [a.title for a in page.results] == ["Lighthouse keeper"]
    assert page.mode == "prefix"


def test_filenames_camera_styles_are_searchable(ws):
    make_asset(ws, title="", original_filename="DSC_01234.JPG")
    make_asset(ws, title="", original_filename="IMG_20230101_120000.jpg")
    assert [a.original_filename for a in _search(ws, "dsc 01234").results] == ["DSC_01234.JPG"]
    assert [a.original_filename for a in _search(ws, "20230101").results] == [
        "IMG_20230101_120000.jpg"
    ]


def test_matches_are_highlighted_and_html_is_escaped(ws, client_in):
    make_asset(
        ws,
        title='<img src=x onerror="alert(1)"> Sunset',
        description="A long walk before the sunset over the bay, with <script>x</script>.",
    )
    result = client_in(ws).get("/api/v1/search/", {"q": "sunset"}).json()["results"][0]
    title = result["highlight"]["title"]
    assert "<img" not in title
    assert "&lt;img src=x" in title
    assert "<mark>Sunset</mark>" in title
    description = result["highlight"]["description"]
    assert "<mark>sunset</mark>" in description
    assert "<script>" not in description


def test_render_headline_balances_marks_and_drops_unmatched_descriptions():
    assert render_headline("a \x01b\x02 <c>") == "a <mark>b</mark> &lt;c&gt;"
    assert render_headline("\x01open") == "<mark>open</mark>"
    assert render_headline("no match here") == ""
    assert render_headline("no match here", whole=True) == "no match here"


def test_control_characters_in_titles_cannot_forge_marks(ws):
    make_asset(ws, title="evil \x01bold\x02 sunset")
    page = _search(ws, "sunset")
    assert str(page.results[0].highlight["title"]) == "evil bold <mark>sunset</mark>"


def test_without_text_results_are_newest_first_and_oldest_on_request(ws):
    make_asset(ws, title="first")
    make_asset(ws, title="second")
    make_asset(ws, title="third")
    assert [a.title for a in _search(ws, "").results] == ["third", "second", "first"]
    assert [a.title for a in _search(ws, "", order="oldest").results] == [
        "first",
        "second",
        "third",
    ]


def test_text_can_be_ordered_by_date_instead_of_rank(ws):
    make_asset(ws, title="Beach", description="")
    make_asset(ws, title="Other", description="beach day")
    assert [a.title for a in _search(ws, "beach").results] == ["Beach", "Other"]
    assert [a.title for a in _search(ws, "beach", order="newest").results] == ["Other", "Beach"]


def _walk(client, params):
    seen, pages = [], 0
    url, query = "/api/v1/search/", dict(params)
    while url:
        body = client.get(url, query).json()
        seen.extend(r["title"] for r in body["results"])
        pages += 1
        url, query = body["next"], None
        assert pages < 50
    return seen, pages


def test_ranked_pages_rank_the_newest_window_then_continue_by_date(ws, client_in, settings):
    settings.LUMINA_SEARCH_RANK_WINDOW = 5
    # 8 matches: the newest five are ranked, the three older follow newest first
    for i in range(8):
        strong = i in (1, 6)
        make_asset(ws, title=f"boat {i}" if strong else f"item {i}", description="boat")
    seen, pages = _walk(client_in(ws), {"q": "boat", "page_size": 3})
    assert sorted(seen) == sorted({*(f"item {i}" for i in (0, 2, 3, 4, 5, 7)), "boat 1", "boat 6"})
    assert len(seen) == 8
    # the window (3..7) is ranked: its title match first, then the rest newest first
    assert seen[:5] == ["boat 6", "item 7", "item 5", "item 4", "item 3"]
    # older than the window: newest first, whatever their rank
    assert seen[5:] == ["item 2", "boat 1", "item 0"]
    assert pages == 3


def test_newest_first_pages_list_each_result_once(ws, client_in):
    for i in range(7):
        make_asset(ws, title=f"pic {i}")
    seen, pages = _walk(client_in(ws), {"page_size": 2})
    assert seen == [f"pic {i}" for i in reversed(range(7))]
    assert pages == 4


def test_counts_are_capped(ws, client_in, settings):
    settings.LUMINA_SEARCH_COUNT_CAP = 3
    for i in range(5):
        make_asset(ws, title=f"tree {i}")
    body = client_in(ws).get("/api/v1/search/", {"q": "tree"}).json()
    assert (body["count"], body["count_capped"]) == (3, True)
    body = client_in(ws).get("/api/v1/search/", {"q": "tree 4"}).json()
    assert (body["count"], body["count_capped"]) == (1, False)


def test_a_bad_cursor_is_a_clear_error(ws, client_in):
    response = client_in(ws).get("/api/v1/search/", {"q": "x", "cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_bad_parameters_name_the_field(ws, client_in):
    client = client_in(ws)
    for params, field in (
        ({"orientation": "round"}, "orientation"),
        ({"order": "random"}, "order"),
        ({"taken_after": "yesterday"}, "taken_after"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"min_width": "-5"}, "min_width"),
        ({"page_size": "many"}, "page_size"),
    ):
        response = client.get("/api/v1/search/", params)
        assert response.status_code == 400, params
        assert response.json()["error"]["details"]["field"] == field


def test_stop_words_only_find_nothing_rather_than_everything(ws):
    make_asset(ws, title="The end")
    assert _search(ws, "the").results == []


def test_search_api_query_count_does_not_grow_with_results(
    ws, client_in, django_assert_max_num_queries
):
    for i in range(30):
        make_asset(ws, title=f"flower {i}", tags=["garden", f"bed {i % 3}"])
    client = client_in(ws)
    client.get("/api/v1/search/", {"q": "flower"})  # warm the session and membership
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/search/", {"q": "flower"}).json()
    assert len(body["results"]) == 30
