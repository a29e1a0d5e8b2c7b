"""Images drawn in memory for tests."""

from __future__ import annotations

import io
from datetime import datetime

from PIL import Image, ImageDraw


def draw(
    width: int = 640, height: int = 480, colour: tuple[int, int, int] = (200, 60, 40), seed: int = 0
) -> Image.Image:
    image = Image.new("RGB", (width, height), colour)
    pen = ImageDraw.Draw(image)
    # Shapes make each seed a different picture (distinct perceptual hashes).
    for i in range(6):
        x = (seed * 37 + i * 97) % max(width - 40, 1)
        y = (seed * 53 + i * 61) % max(height - 40, 1)
        pen.rectangle(
            [x, y, x + width // 5, y + height // 5],
            fill=((seed * 40 + i * 30) % 256, 255 - i * 30, i * 40),
        )
    pen.rectangle(
        [0, 0, width // 8, height // 8], fill=(0, 0, 255)
    )  # a marker in the top-left corner
    return image


def exif_for(
    *,
    orientation: int | None = None,
    make: str | None = None,
    model: str | None = None,
    taken: datetime | None = None,
    offset: str | None = None,
    gps: tuple[float, float, float | None] | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    ifd = exif.get_ifd(0x8769)
    if taken:
        ifd[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if offset:
        ifd[0x9011] = offset
    if gps:
        lat, lon, alt = gps

        def dms(value: float) -> tuple[float, float, float]:
            value = abs(value)
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            seconds = round((value - degrees - minutes / 60) * 3600, 4)
            return (float(degrees), float(minutes), seconds)

        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N" if lat >= 0 else "S"
        gps_ifd[2] = dms(lat)
        gps_ifd[3] = "E" if lon >= 0 else "W"
        gps_ifd[4] = dms(lon)
        if alt is not None:
            gps_ifd[5] = b"\x00" if alt >= 0 else b"\x01"
            gps_ifd[6] = abs(alt)
    return exif


def encode(
    image: Image.Image, fmt: str = "JPEG", exif: Image.Exif | None = None, **options: object
) -> bytes:
    out = io.BytesIO()
    if exif is not None:
        options["exif"] = exif.tobytes()
    image.save(out, fmt, **options)
    return out.getvalue()


def jpeg(width: int = 640, height: int = 480, seed: int = 0, **exif_options: object) -> bytes:
    exif = exif_for(**exif_options) if exif_options else None  # type: ignore[arg-type]
    return encode(draw(width, height, seed=seed), "JPEG", exif=exif, quality=90)


def png(width: int = 320, height: int = 240, seed: int = 0) -> bytes:
    return encode(draw(width, height, seed=seed), "PNG")
