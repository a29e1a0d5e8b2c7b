"""Renditions, through both engines: sizes, orientation, colour, and no metadata at all."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageOps

from gallery.renditions.decoders import configured_pyvips
from gallery.renditions.engine import (
    ImageEngine,
    PillowEngine,
    RenderedImage,
    RenderError,
    VipsEngine,
    get_engine,
)
from gallery.renditions.specs import OutputFormat, eager_specs, get_spec
from tests.gallery import drawing

MAGIC = {
    OutputFormat.JPEG: lambda data: data[:3] == b"\xff\xd8\xff",
    OutputFormat.WEBP: lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP",
    OutputFormat.AVIF: lambda data: data[4:12] == b"ftypavif",
}


@pytest.fixture(params=["vips", "pillow"])
def engine(request: pytest.FixtureRequest) -> ImageEngine:
    return VipsEngine() if request.param == "vips" else PillowEngine()


def by_key(rendered: list[RenderedImage]) -> dict[str, RenderedImage]:
    return {item.spec.key: item for item in rendered}


def open_rendition(item: RenderedImage) -> Image.Image:
    image = Image.open(io.BytesIO(item.data))
    image.load()
    return image


def close(actual: Any, expected: tuple[int, ...], tolerance: int = 12) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def test_the_default_engine_is_libvips() -> None:
    assert get_engine().name == "vips"
    assert get_engine("pillow").name == "pillow"
    assert isinstance(get_engine(), ImageEngine)
    with pytest.raises(ValueError, match="Unknown image engine"):
        get_engine("imagemagick")


def test_the_eager_set_has_the_right_sizes_and_formats(engine: ImageEngine) -> None:
    # given a 3:2 photo larger than the preview
    source = drawing.encode(drawing.photo(3000, 2000), "JPEG", quality=90)

    # when
    rendered = engine.render(source, eager_specs())

    # then: one per spec, in order, long edge 1600 and 400, each a real file of its format
    assert [item.spec for item in rendered] == eager_specs()
    for item in rendered:
        expected = (1600, 1067) if item.spec.long_edge == 1600 else (400, 267)
        assert (item.width, item.height) == expected
        assert item.fmt is item.spec.fmt
        assert MAGIC[item.fmt](item.data)
        image = open_rendition(item)
        assert image.size == expected
        assert image.mode == "RGB"


def test_jpeg_renditions_are_progressive(engine: ImageEngine) -> None:
    source = drawing.encode(drawing.photo(800, 600), "PNG")
    jpeg = engine.render(source, [get_spec("preview-1600.jpeg")])[0]
    assert open_rendition(jpeg).info.get("progressive") == 1


def test_small_sources_are_never_upscaled(engine: ImageEngine) -> None:
    source = drawing.encode(drawing.photo(300, 200), "PNG")

    rendered = engine.render(source, eager_specs())

    assert {(item.width, item.height) for item in rendered} == {(300, 200)}


def test_portrait_sources_fit_their_long_edge(engine: ImageEngine) -> None:
    source = drawing.encode(drawing.photo(900, 1800), "WEBP")

    rendered = by_key(engine.render(source, [get_spec("thumb-400.webp")]))

    assert (rendered["thumb-400.webp"].width, rendered["thumb-400.webp"].height) == (200, 400)


def _planted_metadata_jpeg() -> bytes:
    return drawing.encode(
        drawing.photo(1200, 900),
        "JPEG",
        exif=drawing.camera_exif(),
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>" + drawing.SECRET_XMP + b"</x:xmpmeta>",
        comment=drawing.SECRET_COMMENT,
        icc_profile=drawing.p3_profile(),
    )


@pytest.mark.parametrize("avif", [False, True])
def test_no_metadata_survives_in_any_rendition(engine: ImageEngine, avif: bool) -> None:
    # given a phone photo with camera EXIF, GPS, XMP, a comment and an ICC profile
    source = _planted_metadata_jpeg()
    for planted in (drawing.SECRET_MAKE.encode(), drawing.SECRET_XMP, drawing.SECRET_COMMENT):
        assert planted in source
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)  # GPS is there
    specs = eager_specs(avif=avif)
    if avif:
        specs = [spec for spec in specs if spec.fmt is OutputFormat.AVIF]

    # when
    rendered = engine.render(source, specs)

    # then neither the bytes, nor Pillow, nor libvips find any of it
    vips = configured_pyvips()
    for item in rendered:
        for planted in (
            drawing.SECRET_MAKE.encode(),
            drawing.SECRET_MODEL.encode(),
            drawing.SECRET_XMP,
            drawing.SECRET_COMMENT,
            b"Exif\x00\x00",
            b"http://ns.adobe.com/xap/1.0/",
            b"ICC_PROFILE",
        ):
            assert planted not in item.data, (item.spec.key, planted)
        image = open_rendition(item)
        assert not image.getexif(), item.spec.key
        assert not image.getexif().get_ifd(0x8825), item.spec.key  # no GPS
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(image.info), item.spec.key
        fields = set(vips.Image.new_from_buffer(item.data, "").get_fields())
        assert not {"exif-data", "xmp-data", "iptc-data", "icc-profile-data"} & fields
        assert not any(name.startswith("exif-") for name in fields), item.spec.key


def test_exif_orientation_is_applied(engine: ImageEngine) -> None:
    # given a landscape sensor image (red top, blue bottom) that the camera says to turn
    raw = drawing.split(600, 400, top="red", bottom="blue")
    source = drawing.encode(raw, "JPEG", quality=95, exif=drawing.camera_exif(orientation=6))
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(source)))

    # when
    rendered = by_key(
        engine.render(source, [get_spec("thumb-400.webp"), get_spec("preview-1600.jpeg")])
    )

    # then the renditions are portrait and coloured like the upright picture (red on the right)
    thumb = open_rendition(rendered["thumb-400.webp"]).convert("RGB")
    preview = open_rendition(rendered["preview-1600.jpeg"]).convert("RGB")
    assert thumb.size == (267, 400)
    assert preview.size == (400, 600)  # never upscaled
    for image in (thumb, preview):
        w, h = image.size
        assert close(image.getpixel((w - 5, 5)), (255, 0, 0), 30)  # top-right
        assert close(image.getpixel((5, 5)), (0, 0, 255), 30)  # top-left
        assert close(image.getpixel((5, h - 5)), (0, 0, 255), 30)  # bottom-left
        scaled = upright.resize(image.size).convert("RGB")
        assert close(image.getpixel((w // 4, h // 2)), scaled.getpixel((w // 4, h // 2)), 30)


QUADRANTS = ((255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255))


def _quadrants(width: int, height: int) -> Image.Image:
    image = Image.new("RGB", (width, height))
    for index, colour in enumerate(QUADRANTS):
        x, y = (index % 2) * width // 2, (index // 2) * height // 2
        image.paste(colour, (x, y, x + width // 2, y + height // 2))
    return image


def _quadrant_colours(image: Image.Image) -> list[tuple[int, ...]]:
    w, h = image.size
    rgb = image.convert("RGB")
    points = [
        (w // 4, h // 4),
        (3 * w // 4, h // 4),
        (w // 4, 3 * h // 4),
        (3 * w // 4, 3 * h // 4),
    ]
    return [tuple(rgb.getpixel(point)) for point in points]  # type: ignore[arg-type]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied_while_shrinking_on_load(
    engine: ImageEngine, orientation: int
) -> None:
    # given a 1800x1200 sensor image with four coloured quadrants: thumb-400 makes the JPEG
    # decoder shrink by 4 on load, and the rotation or mirror must still come out right
    raw = _quadrants(1800, 1200)
    source = drawing.encode(
        raw, "JPEG", quality=95, exif=drawing.camera_exif(orientation=orientation)
    )
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(source)))

    # when
    item = engine.render(source, [get_spec("thumb-400.webp")])[0]

    # then it looks like Pillow's reference transposition, at the thumbnail size
    image = open_rendition(item)
    assert image.size == ((400, 267) if upright.width > upright.height else (267, 400))
    expected = _quadrant_colours(upright)
    for got, want in zip(_quadrant_colours(image), expected, strict=True):
        assert close(got, want, 30), (orientation, got, want)


def test_colour_is_converted_to_srgb(engine: ImageEngine) -> None:
    # given a Display P3 JPEG of an sRGB colour (its stored numbers differ from the colour)
    colour = (200, 60, 40)
    source = drawing.p3_jpeg(colour)
    stored = Image.open(io.BytesIO(source)).convert("RGB").getpixel((10, 10))
    assert not close(stored, colour, 8)  # the P3 numbers are not the sRGB ones

    # when
    for item in engine.render(source, eager_specs()):
        # then the rendition, which carries no profile, shows the sRGB colour
        assert close(open_rendition(item).convert("RGB").getpixel((10, 10)), colour, 6)


def test_colour_is_converted_to_srgb_for_heic_too(engine: ImageEngine) -> None:
    # given an iPhone-style HEIC: Display P3 pixels with the profile embedded
    colour = (200, 60, 40)
    p3_pixels = Image.open(io.BytesIO(drawing.p3_jpeg(colour))).convert("RGB")
    source = drawing.encode(p3_pixels, "HEIF", quality=95, icc_profile=drawing.p3_profile())

    # when / then
    for item in engine.render(source, [get_spec("thumb-400.jpeg"), get_spec("thumb-400.webp")]):
        assert close(open_rendition(item).convert("RGB").getpixel((10, 10)), colour, 8)


def test_cmyk_sources_come_out_rgb(engine: ImageEngine) -> None:
    source = drawing.encode(Image.new("CMYK", (200, 100), (0, 255, 255, 0)), "JPEG")
    item = engine.render(source, [get_spec("thumb-400.jpeg")])[0]
    image = open_rendition(item)
    assert image.mode == "RGB"
    red, green, blue = image.getpixel((50, 50))  # type: ignore[misc]
    assert red > 150
    assert green < 100
    assert blue < 100


def test_sixteen_bit_greyscale_keeps_its_brightness(engine: ImageEngine) -> None:
    source = drawing.encode(Image.new("I;16", (120, 80), 32768), "PNG")  # mid grey
    item = engine.render(source, [get_spec("thumb-400.webp")])[0]
    assert close(open_rendition(item).convert("RGB").getpixel((5, 5)), (128, 128, 128), 4)


def test_alpha_is_kept_in_webp_and_flattened_on_white_in_jpeg(engine: ImageEngine) -> None:
    source = drawing.encode(Image.new("RGBA", (200, 100), (0, 0, 0, 0)), "PNG")

    rendered = by_key(
        engine.render(source, [get_spec("thumb-400.webp"), get_spec("thumb-400.jpeg")])
    )

    webp = open_rendition(rendered["thumb-400.webp"])
    assert webp.mode == "RGBA"
    assert webp.getpixel((5, 5))[3] == 0  # type: ignore[index]
    assert close(open_rendition(rendered["thumb-400.jpeg"]).getpixel((5, 5)), (255, 255, 255), 3)


def test_animations_render_their_first_frame(engine: ImageEngine) -> None:
    for fmt in ("GIF", "WEBP"):
        source = drawing.animated(fmt, ("red", "lime", "blue"))
        item = engine.render(source, [get_spec("thumb-400.jpeg")])[0]
        assert (item.width, item.height) == (60, 40)
        assert close(open_rendition(item).getpixel((30, 20)), (255, 0, 0), 20)


@pytest.mark.parametrize("pillow_format", ["PNG", "GIF", "WEBP", "AVIF", "HEIF", "TIFF", "BMP"])
def test_every_accepted_format_renders(engine: ImageEngine, pillow_format: str) -> None:
    source = drawing.encode(drawing.split(800, 600, top="red", bottom="blue"), pillow_format)

    rendered = engine.render(source, eager_specs())

    for item in rendered:
        image = open_rendition(item)
        assert image.size == ((800, 600) if item.spec.long_edge == 1600 else (400, 300))
        w, h = image.size
        assert close(image.convert("RGB").getpixel((w // 2, 5)), (255, 0, 0), 40)
        assert close(image.convert("RGB").getpixel((w // 2, h - 5)), (0, 0, 255), 40)


def test_avif_is_made_only_when_asked(engine: ImageEngine) -> None:
    source = drawing.encode(drawing.photo(640, 480), "JPEG")
    assert OutputFormat.AVIF not in {item.fmt for item in engine.render(source, eager_specs())}

    rendered = engine.render(source, eager_specs(avif=True))

    avifs = [item for item in rendered if item.fmt is OutputFormat.AVIF]
    assert len(avifs) == 2
    for item in avifs:
        assert MAGIC[OutputFormat.AVIF](item.data)
        assert open_rendition(item).size == (item.width, item.height)


@pytest.mark.parametrize("pillow_format", ["JPEG", "PNG", "HEIF"])
def test_a_path_works_like_bytes(engine: ImageEngine, tmp_path: Path, pillow_format: str) -> None:
    path = tmp_path / "original"
    path.write_bytes(drawing.encode(drawing.photo(1000, 500), pillow_format))

    rendered = engine.render(path, [get_spec("small-800.webp"), get_spec("large-2560.jpeg")])

    assert [(item.width, item.height) for item in rendered] == [(800, 400), (1000, 500)]


def test_duplicate_specs_are_rendered_once(engine: ImageEngine) -> None:
    source = drawing.encode(drawing.photo(500, 500), "PNG")
    spec = get_spec("thumb-400.webp")
    assert len(engine.render(source, [spec, spec])) == 1
    assert engine.render(source, []) == []


_HEIC = drawing.encode(drawing.photo(320, 240), "HEIF")


@pytest.mark.parametrize(
    "source",
    [
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"",
        b"\xff\xd8\xff\xe0garbage",
        _HEIC[: len(_HEIC) // 2],
        b"BM" + bytes(12) + (40).to_bytes(4, "little") + bytes(10),
    ],
)
def test_what_cannot_be_rendered_is_a_render_error(engine: ImageEngine, source: bytes) -> None:
    with pytest.raises(RenderError) as caught:
        engine.render(source, eager_specs())
    assert caught.value.code == "render_failed"
