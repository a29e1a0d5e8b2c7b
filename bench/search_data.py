"""Synthetic assets for the search benchmark, written with COPY.

``generate(rows)`` fills gallery's tables (users, workspaces, tags, assets, asset tags)
with ``rows`` assets over 20 workspaces, one of them holding 40 % (400,000 of a
million): titles and descriptions of Zipf-distributed words (real photo words at the
top, made-up words in the long tail), tags, camera-style file names, cameras, dates,
GPS positions around real towns, accented place names in the text, a few private and
trashed assets, and perceptual hashes with some near-duplicate copies. It also returns
what the benchmark needs to pick its query words: how many assets of the big
workspace hold each word.

Run inside a configured Django (the benchmark's own database); not a benchmark itself
(no ``run``), so ``python -m bench`` skips it.
"""

from __future__ import annotations

import hashlib
import json
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

WORKSPACES = 20
BIG_SHARE = 0.4
SEED = 20261125
VERSION = 5  # bump when the data changes shape: an old database is then regenerated

# The head of the Zipf distribution: words people put in photo titles.
COMMON_WORDS = """
sunset beach family holiday mountain lake city street portrait night morning garden
dog cat birthday wedding party friends snow winter summer spring autumn forest river
sea ocean bridge tower church market food dinner lunch breakfast coffee train station
airport flight car bike road trail hike camping tent fire sky cloud rain storm light
shadow reflection window door house home kitchen park playground school office desk
book music concert festival parade museum gallery statue fountain harbour boat ship
island harbor lighthouse cliff cave valley waterfall field farm horse cow sheep bird
flower tree leaf grass rock sand wave surf swim pool hotel room balcony view panorama
skyline building castle palace temple mosque square plaza alley graffiti wall stairs
baby kids children mother father grandma grandpa brother sister cousin uncle aunt
graduation anniversary christmas easter halloween newyear vacation trip journey road
museum zoo aquarium fish turtle elephant lion monkey bear deer fox rabbit squirrel owl
eagle duck swan goose butterfly bee spider insect macro closeup detail texture pattern
colour golden blue green red yellow orange purple black white silver vintage retro
film analog digital drone aerial underwater cityscape landscape seascape moonrise
sunrise dusk dawn twilight evening noon midnight fog mist haze frost ice glacier
volcano desert dune canyon mesa prairie meadow orchard vineyard wine cheese bread cake
pizza pasta sushi noodles tea picnic barbecue market stall vendor crowd people selfie
group team match game football tennis golf running marathon cycling skiing skating
climbing kayak canoe sailing fishing diving yoga dance theatre cinema stage band guitar
piano violin drum singer painter sculpture mural architecture bridge arch dome spire
""".split()  # noqa: SIM905 - prose is easier to read and extend

# Accented town names written into titles and descriptions (unaccent must fold them).
ACCENTED_PLACES = [
    "São Paulo",
    "Zürich",
    "Montréal",
    "Kraków",
    "Málaga",
    "Reykjavík",
    "Bogotá",
    "Düsseldorf",
    "Malmö",
    "Tromsø",
    "Córdoba",
    "Genève",
    "Nîmes",
    "Orléans",
    "Curaçao",
    "Yaoundé",
    "Québec",
    "Besançon",
    "Łódź",
    "Brașov",
]

# Towns photos are taken around (latitude, longitude); the geocoder names them.
TOWNS = [
    (48.8566, 2.3522),
    (51.5074, -0.1278),
    (40.7128, -74.0060),
    (35.6762, 139.6503),
    (-6.9175, 107.6191),
    (-6.2088, 106.8456),
    (-8.6500, 115.2167),
    (-23.5505, -46.6333),
    (47.3769, 8.5417),
    (45.5017, -73.5673),
    (50.0647, 19.9450),
    (36.7213, -4.4214),
    (64.1466, -21.9426),
    (4.7110, -74.0721),
    (52.5200, 13.4050),
    (41.9028, 12.4964),
    (40.4168, -3.7038),
    (38.7223, -9.1393),
    (59.3293, 18.0686),
    (60.1699, 24.9384),
    (55.6761, 12.5683),
    (52.3676, 4.9041),
    (50.8503, 4.3517),
    (48.2082, 16.3738),
    (47.4979, 19.0402),
    (37.9838, 23.7275),
    (41.0082, 28.9784),
    (30.0444, 31.2357),
    (-33.9249, 18.4241),
    (-1.2921, 36.8219),
    (19.0760, 72.8777),
    (28.6139, 77.2090),
    (13.7563, 100.5018),
    (1.3521, 103.8198),
    (22.3193, 114.1694),
    (31.2304, 121.4737),
    (39.9042, 116.4074),
    (37.5665, 126.9780),
    (-33.8688, 151.2093),
    (-37.8136, 144.9631),
    (-36.8485, 174.7633),
    (34.0522, -118.2437),
    (37.7749, -122.4194),
    (47.6062, -122.3321),
    (49.2827, -123.1207),
    (43.6532, -79.3832),
    (41.8781, -87.6298),
    (25.7617, -80.1918),
    (19.4326, -99.1332),
    (-12.0464, -77.0428),
    (-34.6037, -58.3816),
    (-33.4489, -70.6693),
    (-22.9068, -43.1729),
    (21.3069, -157.8583),
    (64.8378, -147.7164),
    (69.6492, 18.9553),
    (46.2044, 6.1432),
    (43.8367, 4.3601),
    (47.9029, 1.9093),
    (45.6427, 25.5887),
]

CAMERAS = [
    ("Apple", "iPhone 13"),
    ("Apple", "iPhone 15 Pro"),
    ("samsung", "SM-S918B"),
    ("Google", "Pixel 8"),
    ("Canon", "Canon EOS R5"),
    ("Canon", "Canon EOS 5D Mark IV"),
    ("NIKON CORPORATION", "NIKON D750"),
    ("NIKON CORPORATION", "NIKON Z 6"),
    ("SONY", "ILCE-7M3"),
    ("FUJIFILM", "X-T4"),
    ("OLYMPUS CORPORATION", "E-M10MarkIII"),
    ("Panasonic", "DC-GH5"),
    ("DJI", "FC3582"),
    ("GoPro", "HERO11 Black"),
    ("LEICA CAMERA AG", "LEICA Q2"),
]

SIZES = [(4032, 3024), (3024, 4032), (6000, 4000), (4000, 6000), (1920, 1080), (3000, 3000)]
FORMATS = [("jpeg", "image/jpeg"), ("heif", "image/heif"), ("png", "image/png")]


@dataclass
class Generated:
    rows: int
    big_tenant_id: int
    big_owner_id: int
    big_rows: int
    # word -> number of the big workspace's assets whose title or description holds it
    doc_freq: dict[str, int] = field(default_factory=dict)
    # frequent adjacent title word pairs of the big workspace: "a b" -> count
    bigrams: dict[str, int] = field(default_factory=dict)
    common_tags: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(self.__dict__)


def _made_up_words(count: int, rng: Any) -> list[str]:
    """Pronounceable words for the long tail (none is an English stop word)."""
    onsets = "b c d f g h j k l m n p r s t v w z br cl dr fl gr kr pl st tr".split()  # noqa: SIM905
    vowels = "a e i o u ai ea ou".split()  # noqa: SIM905
    codas = ["", "n", "r", "l", "s", "m", "x", "nd", "rt"]
    seen: set[str] = set(COMMON_WORDS)
    words: list[str] = []
    while len(words) < count:
        syllables = int(rng.integers(2, 4))
        word = "".join(
            str(rng.choice(onsets)) + str(rng.choice(vowels)) for _ in range(syllables)
        ) + str(rng.choice(codas))
        if word not in seen and len(word) >= 4:
            seen.add(word)
            words.append(word)
    return words


def _zipf_probabilities(n: int, s: float = 1.0) -> Any:
    import numpy as np

    weights = 1.0 / np.arange(1, n + 1) ** s
    return weights / weights.sum()


def _filename(style: int, n: int, when: datetime) -> str:
    stamp = when.strftime("%Y%m%d_%H%M%S")
    return [
        f"IMG_{n % 10000:04}.JPG",
        f"DSC{n % 100000:05}.JPG",
        f"DSCF{n % 10000:04}.JPG",
        f"PXL_{stamp}{n % 1000:03}.jpg",
        f"_MG_{n % 10000:04}.JPG",
        f"P{1000000 + n % 1000000}.JPG",
        f"{stamp}.jpg",
        f"IMG_{stamp}.HEIC",
    ][style]


def generate(rows: int, *, log: Any = print) -> Generated:
    """Fill the (empty) database with ``rows`` assets. Needs Django set up."""
    import numpy as np
    from django.db import connection, transaction
    from psycopg.types.json import Jsonb

    from accounts.models import Membership, Role, Tenant, User
    from gallery.models import Asset

    started = time.monotonic()
    rng = np.random.default_rng(SEED)
    vocabulary = list(dict.fromkeys(COMMON_WORDS)) + _made_up_words(6000, rng)
    word_p = _zipf_probabilities(len(vocabulary), 1.0)
    words = np.array(vocabulary, dtype=object)

    # Workspaces, owners and one more member of the big one (whose private photos the
    # measured owner must not see).
    with transaction.atomic():
        tenants: list[int] = []
        owners: list[int] = []
        for i in range(WORKSPACES):
            tenant = Tenant.objects.create(slug=f"bench-{i:02}", name=f"Bench {i:02}")
            person = User.objects.create(
                email=f"owner{i:02}@bench.example", username=f"owner{i:02}"
            )
            Membership.objects.create(tenant=tenant, user=person, role=Role.OWNER)
            tenants.append(tenant.pk)
            owners.append(person.pk)
        colleague = User.objects.create(email="colleague@bench.example", username="colleague")
        Membership.objects.create(tenant_id=tenants[0], user=colleague, role=Role.EDITOR)

    shares = np.array([BIG_SHARE] + [(1 - BIG_SHARE) / (WORKSPACES - 1)] * (WORKSPACES - 1))
    tenant_index = rng.choice(WORKSPACES, size=rows, p=shares)
    big_rows = int((tenant_index == 0).sum())

    # Tags: 300 per workspace, Zipf-used, 0-4 per asset.
    tag_names = (
        list(dict.fromkeys(COMMON_WORDS))[:200]
        + [f"trip {year}" for year in range(2005, 2025)]
        + [f"{w} {k}" for k in ("album", "set") for w in COMMON_WORDS[:40]]
    )
    tag_names = list(dict.fromkeys(tag_names))[:300]
    tag_p = _zipf_probabilities(len(tag_names), 1.1)
    tag_id = {}
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        next_id = 1
        with raw.copy("COPY gallery_tag (id, tenant_id, name, created_at) FROM STDIN") as copy:
            for t, tenant_pk in enumerate(tenants):
                for k, name in enumerate(tag_names):
                    tag_id[(t, k)] = next_id
                    copy.write_row((next_id, tenant_pk, name, now))
                    next_id += 1
        cursor.execute("SELECT setval(pg_get_serial_sequence('gallery_tag', 'id'), %s)", [next_id])

    # Asset columns: ours where we have them, the model's default for any other.
    fields = list(Asset._meta.concrete_fields)
    columns = [f.column for f in fields]
    start_time = datetime(2015, 1, 1, tzinfo=UTC)
    span = (now - start_time).total_seconds()
    title_len = rng.integers(2, 6, size=rows)
    desc_len = rng.integers(6, 18, size=rows)
    title_words = rng.choice(len(vocabulary), size=int(title_len.sum()), p=word_p)
    desc_words = rng.choice(len(vocabulary), size=int(desc_len.sum()), p=word_p)
    accented = rng.random(rows) < 0.08
    accented_pick = rng.integers(0, len(ACCENTED_PLACES), size=rows)
    has_gps = rng.random(rows) < 0.6
    town_p = _zipf_probabilities(len(TOWNS), 0.8)
    towns = rng.choice(len(TOWNS), size=rows, p=town_p)
    jitter = rng.normal(0, 0.04, size=(rows, 2))
    camera_p = _zipf_probabilities(len(CAMERAS), 0.9)
    cameras = rng.choice(len(CAMERAS), size=rows, p=camera_p)
    no_camera = rng.random(rows) < 0.1
    sizes = rng.integers(0, len(SIZES), size=rows)
    formats = rng.choice(len(FORMATS), size=rows, p=[0.8, 0.15, 0.05])
    styles = rng.integers(0, 8, size=rows)
    taken_offset = rng.random(rows)
    no_taken = rng.random(rows) < 0.07
    visibility_roll = rng.random(rows)
    trashed = rng.random(rows) < 0.01
    phashes = rng.integers(-(2**63), 2**63 - 1, size=rows, dtype=np.int64)
    near_copy = rng.random(rows) < 0.005
    flips = rng.integers(0, 64, size=(rows, 3))
    bytes_ = rng.integers(300_000, 9_000_000, size=rows)
    tag_count = rng.choice(5, size=rows, p=[0.2, 0.35, 0.25, 0.12, 0.08])
    tag_picks = rng.choice(len(tag_names), size=int(tag_count.sum()), p=tag_p)

    doc_freq: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    tags_used: Counter[str] = Counter()
    last_phash: dict[int, int] = {}
    ti = di = tg = 0
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor
        copy_sql = f"COPY gallery_asset ({', '.join(str(c) for c in columns)}) FROM STDIN"
        tag_sql = "COPY gallery_assettag (id, asset_id, tag_id) FROM STDIN"
        tag_assets, tag_tags = array("q"), array("q")
        with raw.copy(copy_sql) as copy:
            for i in range(rows):
                asset_id = i + 1
                t = int(tenant_index[i])
                title_ids = title_words[ti : ti + title_len[i]]
                ti += title_len[i]
                desc_ids = desc_words[di : di + desc_len[i]]
                di += desc_len[i]
                title = " ".join(words[title_ids]).capitalize()
                description = " ".join(words[desc_ids])
                if accented[i]:
                    place = ACCENTED_PLACES[accented_pick[i]]
                    if i % 2:
                        title = f"{title} in {place}"
                    else:
                        description = f"{description}, near {place}"
                if t == 0:
                    doc_freq.update(set(words[title_ids]) | set(words[desc_ids]))
                    for a, b in pairwise(title_ids):
                        if a < 60 and b < 60:
                            bigrams[f"{words[a]} {words[b]}"] += 1
                created = start_time + timedelta(seconds=span * i / rows)
                taken = None
                if not no_taken[i]:
                    taken = created - timedelta(days=float(taken_offset[i]) * 900)
                lat = lon = None
                if has_gps[i]:
                    town = TOWNS[towns[i]]
                    lat = round(town[0] + float(jitter[i, 0]), 6)
                    lon = round(town[1] + float(jitter[i, 1]), 6)
                make, model = ("", "") if no_camera[i] else CAMERAS[cameras[i]]
                width, height = SIZES[sizes[i]]
                fmt, mime = FORMATS[formats[i]]
                roll = visibility_roll[i]
                visibility = "private" if roll < 0.05 else ("public" if roll < 0.1 else "tenant")
                owner = owners[t]
                if t == 0 and visibility == "private" and i % 2:
                    owner = colleague.pk
                phash = int(phashes[i])
                if near_copy[i] and t in last_phash:
                    phash = last_phash[t]
                    for bit in flips[i, : 1 + i % 3]:
                        phash ^= 1 << int(bit)
                    phash = phash - (1 << 64) if phash >= 1 << 63 else phash
                    phash = phash + (1 << 64) if phash < -(1 << 63) else phash
                last_phash[t] = phash
                values = {
                    "id": asset_id,
                    "tenant_id": tenants[t],
                    "owner_id": owner,
                    "title": title,
                    "description": description,
                    "original": f"originals/{tenants[t]}/{asset_id}.{fmt}",
                    "original_filename": _filename(int(styles[i]), asset_id, taken or created),
                    "sha256": hashlib.sha256(asset_id.to_bytes(8, "big")).hexdigest(),
                    "format": fmt,
                    "mime": mime,
                    "bytes": int(bytes_[i]),
                    "width": width,
                    "height": height,
                    "status": "ready",
                    "visibility": visibility,
                    "taken_at": taken,
                    "camera_make": make,
                    "camera_model": model,
                    "latitude": lat,
                    "longitude": lon,
                    "exif": {},
                    "phash": phash,
                    "deleted_at": created + timedelta(days=30) if trashed[i] else None,
                    "created_at": created,
                    "updated_at": created,
                }
                row = []
                for f in fields:
                    if f.attname in values:
                        value = values[f.attname]
                    elif f.has_default():
                        value = f.get_default()
                    else:
                        value = None
                    if isinstance(value, dict | list):
                        value = Jsonb(value)
                    row.append(value)
                copy.write_row(row)
                for k in {int(k) for k in tag_picks[tg : tg + tag_count[i]]}:
                    tag_assets.append(asset_id)
                    tag_tags.append(tag_id[(t, k)])
                    if t == 0:
                        tags_used[tag_names[k]] += 1
                tg += tag_count[i]
                if i and i % 100_000 == 0:
                    log(f"  generated {i:,} assets ({time.monotonic() - started:.0f} s)")
        with raw.copy(tag_sql) as copy:
            for row_id, (asset_id, tag) in enumerate(zip(tag_assets, tag_tags, strict=True)):
                copy.write_row((row_id + 1, asset_id, tag))
        for table in ("gallery_asset", "gallery_assettag"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE gallery_asset")
        cursor.execute("ANALYZE gallery_assettag")
    return Generated(
        rows=rows,
        big_tenant_id=tenants[0],
        big_owner_id=owners[0],
        big_rows=big_rows,
        doc_freq=dict(doc_freq),
        bigrams=dict(bigrams.most_common(200)),
        common_tags=[name for name, _ in tags_used.most_common(10)],
        seconds=round(time.monotonic() - started, 1),
    )
