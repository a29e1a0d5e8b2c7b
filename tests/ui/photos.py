"""Photo-like test images (sky, sun, hills, water), drawn in memory: the screenshots in
the user guide look like a gallery, and every seed gives different bytes."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw, ImageFilter

PALETTES = [
    ((255, 183, 94), (255, 94, 98), (72, 52, 212), (36, 28, 80)),  # sunset
    ((135, 206, 250), (224, 246, 255), (46, 139, 87), (24, 80, 50)),  # summer
    ((255, 236, 210), (252, 182, 159), (120, 94, 140), (60, 44, 80)),  # dawn
    ((20, 24, 60), (70, 60, 130), (30, 40, 70), (10, 12, 30)),  # night
    ((190, 230, 255), (255, 255, 255), (160, 170, 190), (90, 100, 120)),  # snow
    ((255, 220, 120), (255, 160, 60), (160, 90, 40), (90, 50, 20)),  # desert
]


def photo(width: int = 1200, height: int = 800, seed: int = 0, fmt: str = "JPEG") -> bytes:
    rng = random.Random(seed)
    top, bottom, hill, deep = PALETTES[seed % len(PALETTES)]
    image = Image.new("RGB", (width, height))
    pen = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(1, height - 1)
        pen.line(
            [(0, y), (width, y)],
            fill=tuple(int(top[i] * (1 - t) + bottom[i] * t) for i in range(3)),
        )
    r = int(min(width, height) * rng.uniform(0.06, 0.12))
    cx, cy = int(width * rng.uniform(0.15, 0.85)), int(height * rng.uniform(0.15, 0.4))
    pen.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(255, 244, 214))
    for layer, colour in enumerate((hill, deep)):
        base = height * (0.55 + 0.18 * layer)
        points = [(0, height)]
        for x in range(0, width + 40, 40):
            points.append((x, base - rng.uniform(0, height * 0.18)))
        points.append((width, height))
        pen.polygon(points, fill=colour)
    image = image.filter(ImageFilter.GaussianBlur(1.2))
    out = io.BytesIO()
    image.save(out, fmt, quality=88) if fmt == "JPEG" else image.save(out, fmt)
    return out.getvalue()
