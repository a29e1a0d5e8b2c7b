"""The closed set of rendition specs and the `auto` format choice."""

from __future__ import annotations

import pytest

from gallery.renditions.specs import (
    ALL_VARIANTS,
    SIZES,
    OutputFormat,
    UnknownRendition,
    eager_variants,
    get_variant,
    negotiate_format,
    variant_for,
)


def test_the_set_is_every_size_in_every_format() -> None:
    assert set(SIZES) == {"thumb-400", "small-800", "preview-1600", "large-2560"}
    assert len(ALL_VARIANTS) == len(SIZES) * len(OutputFormat)
    spec = get_variant("preview-1600.avif")
    assert (spec.name, spec.long_edge, spec.fmt, spec.key) == (
        "preview-1600",
        1600,
        OutputFormat.AVIF,
        "preview-1600.avif",
    )
    assert spec.mime == "image/avif"
    assert str(spec) == "preview-1600.avif"


def test_jpg_is_an_alias_of_jpeg() -> None:
    assert get_variant("thumb-400.jpg") is get_variant("thumb-400.jpeg")
    assert variant_for("thumb-400", OutputFormat.JPEG).fmt.extension == "jpg"
    assert variant_for("small-800", "webp") == get_variant("small-800.webp")


@pytest.mark.parametrize(
    "key",
    [
        "thumb-401.webp",
        "thumb-400.png",
        "thumb-400.gif",
        "thumb-400",
        "",
        "../../etc/passwd",
        "THUMB-400.WEBP",
        "thumb-400.webp.jpeg",
        "original.jpeg",
        "thumb-400.webp ",
    ],
)
def test_anything_outside_the_set_is_refused(key: str) -> None:
    with pytest.raises(UnknownRendition) as caught:
        get_variant(key)
    assert (caught.value.code, caught.value.status) == ("unknown_rendition", 404)


def test_the_eager_set_is_thumbnail_and_preview_in_webp_and_jpeg() -> None:
    assert [spec.key for spec in eager_variants()] == [
        "thumb-400.webp",
        "thumb-400.jpeg",
        "preview-1600.webp",
        "preview-1600.jpeg",
    ]
    with_avif = [spec.key for spec in eager_variants(avif=True)]
    assert "thumb-400.avif" in with_avif
    assert "preview-1600.avif" in with_avif
    assert len(with_avif) == 6


@pytest.mark.parametrize(
    ("accept", "avif", "expected"),
    [
        ("image/avif,image/webp,image/apng,image/*,*/*;q=0.8", True, OutputFormat.AVIF),
        ("image/avif,image/webp,image/apng,image/*,*/*;q=0.8", False, OutputFormat.WEBP),
        ("image/webp,*/*", True, OutputFormat.WEBP),
        ("image/avif;q=0, image/webp", True, OutputFormat.WEBP),
        ("IMAGE/WEBP", True, OutputFormat.WEBP),
        ("image/*,*/*;q=0.8", True, OutputFormat.JPEG),
        ("image/webp;q=0", True, OutputFormat.JPEG),
        ("image/webp;q=nonsense", True, OutputFormat.JPEG),
        ("", True, OutputFormat.JPEG),
        (None, True, OutputFormat.JPEG),
        (",,;;", True, OutputFormat.JPEG),
    ],
)
def test_auto_format_follows_the_accept_header(
    accept: str | None, avif: bool, expected: OutputFormat
) -> None:
    assert negotiate_format(accept, avif=avif) is expected
