"""The site's own error pages (make run serves them: DEBUG is off)."""

from __future__ import annotations


def test_the_server_error_page_fits_the_site_without_a_request():
    # Django renders 500.html with no request and no context processors.
    from django.template import loader

    html = loader.get_template("500.html").render()

    assert "Something went wrong on our side." in html
    assert "css/lumina.css" in html
    assert 'class="topbar"' in html
