"""Near duplicates through an index, never by comparing every pair.

The 64-bit perceptual hash is cut into four 16-bit bands, each with a btree index per
workspace (covering the hash itself, so candidates are checked from the index alone).
Two hashes at most ``d`` bits apart differ by at most ``d // 4`` bits in at least one
band (pigeonhole). So the candidates of a hash are the rows whose band ``k`` lies in the
Hamming ball of radius ``d // 4`` around its own band ``k`` (1 value for d <= 3, 17 for
d <= 7, 137 for d <= 11), for any k; ``bit_count(a # b)`` then keeps the true ones. That
is exact (no near duplicate within ``d`` is missed) and reads a few dozen index entries
per asset in a workspace of any size.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.db import connection

MAX_DISTANCE = 11
BANDS = 4


def max_distance() -> int:
    return max(0, min(int(settings.LUMINA_DUPLICATE_DISTANCE), MAX_DISTANCE))


def candidates_sql(alias: str, hash_sql: str, bands_sql: Sequence[str]) -> str:
    """A WHERE clause: rows of ``alias`` sharing a band (within the radius) with the
    given band expressions, and within the distance of ``hash_sql``."""
    probes = " OR ".join(
        f"{alias}.phash_b{k} = ANY(lumina_hamming_ball16({band}, %(radius)s))"
        for k, band in enumerate(bands_sql)
    )
    return (
        f"{alias}.phash IS NOT NULL AND ({probes}) "
        f"AND bit_count(({alias}.phash # {hash_sql})::bit(64)) <= %(distance)s"
    )


_FORGET = """
DELETE FROM search_duplicatepair
WHERE asset_low_id = ANY(%(ids)s::bigint[]) OR asset_high_id = ANY(%(ids)s::bigint[])
"""

_REFRESH = f"""
INSERT INTO search_duplicatepair (tenant_id, asset_low_id, asset_high_id, distance)
SELECT a.tenant_id, LEAST(a.asset_id, b.asset_id), GREATEST(a.asset_id, b.asset_id),
       bit_count((a.phash # b.phash)::bit(64))
FROM search_searchdocument a
JOIN LATERAL (
    SELECT b.asset_id, b.phash FROM search_searchdocument b
    WHERE b.tenant_id = a.tenant_id AND b.asset_id <> a.asset_id
      AND {candidates_sql("b", "a.phash", [f"a.phash_b{k}" for k in range(4)])}
) b ON true
WHERE a.asset_id = ANY(%(ids)s::bigint[]) AND a.phash IS NOT NULL
ORDER BY 2, 3
ON CONFLICT DO NOTHING
"""  # noqa: S608  # nosec B608  # only constant SQL is formatted in; values are parameters


def refresh_pairs(asset_ids: Sequence[int]) -> int:
    """Find the near duplicates of these assets again (after their hash changed)."""
    ids = sorted({int(i) for i in asset_ids})
    if not ids:
        return 0
    distance = max_distance()
    with connection.cursor() as cursor:
        cursor.execute(_FORGET, {"ids": ids})
        cursor.execute(_REFRESH, {"ids": ids, "distance": distance, "radius": distance // 4})
        return int(cursor.rowcount)


def band(phash: int, k: int) -> int:
    return (phash >> (16 * k)) & 0xFFFF


def masks(radius: int) -> list[int]:
    """Every 16-bit value with at most ``radius`` bits set (the Hamming ball)."""
    return [m for m in range(1 << 16) if m.bit_count() <= radius]


_BULK = """
INSERT INTO search_duplicatepair (tenant_id, asset_low_id, asset_high_id, distance)
SELECT a.tenant_id, a.asset_id, b.asset_id, bit_count((a.phash # b.phash)::bit(64))
FROM search_searchdocument a
CROSS JOIN unnest(%(masks)s::int[]) AS m(mask)
JOIN search_searchdocument b
  ON b.tenant_id = a.tenant_id AND b.phash_b{k} = (a.phash_b{k} # m.mask)
 AND b.asset_id > a.asset_id
WHERE a.phash IS NOT NULL AND b.phash IS NOT NULL {scope}
  AND bit_count((a.phash # b.phash)::bit(64)) <= %(distance)s
ON CONFLICT DO NOTHING
"""


def rebuild_pairs_band(k: int, tenant_id: int | None = None) -> int:
    """One step of a full rebuild: every pair whose band ``k`` lies within the radius,
    verified on the whole hash, in one hash join over the workspace (or all of them).
    In bulk that is far cheaper than probing the index once per asset: about 25 s a
    band for a million random hashes at the default distance, 2 s with distance <= 3.
    Call inside a transaction (the join settings are local to it)."""
    scope = "" if tenant_id is None else "AND a.tenant_id = %(tenant)s AND b.tenant_id = %(tenant)s"
    sql = _BULK.format(k=int(k), scope=scope)
    with connection.cursor() as cursor:
        # A hash join: the planner would otherwise probe the band index per candidate.
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            sql,
            {
                "masks": masks(max_distance() // 4),
                "distance": max_distance(),
                "tenant": tenant_id,
            },
        )
        return int(cursor.rowcount)
