"""Rebuild the search index (documents, vocabulary, places, near duplicates)."""

from __future__ import annotations

import time
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Tenant
from search import services
from search.progress import ProgressBar


class Command(BaseCommand):
    help = (
        "Rebuild the search index from the assets, for every workspace or one. Searches "
        "keep working meanwhile (one short transaction per batch)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="Only this workspace (slug).")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--no-duplicates",
            action="store_true",
            help="Skip finding near duplicates again (the slow part on large workspaces).",
        )
        parser.add_argument(
            "--geocode",
            action="store_true",
            help="Look every GPS position up again (after upgrading reverse-geocoder).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tenant_id = None
        if options["tenant"]:
            tenant = Tenant.objects.filter(slug=options["tenant"]).first()
            if tenant is None:
                raise CommandError(f"No workspace with the slug {options['tenant']!r}.")
            tenant_id = tenant.pk
        bars: list[ProgressBar] = []
        quiet = options["verbosity"] == 0

        def on_total(label: str, total: int) -> None:
            if bars:
                bars[-1].close()
            if not quiet:
                bars.append(ProgressBar(cast(TextIO, self.stderr._out), label, total))

        def on_progress(count: int) -> None:
            if bars:
                bars[-1].update(count)

        started = time.monotonic()
        report = services.documents_rebuild(
            tenant_id=tenant_id,
            batch_size=max(1, options["batch_size"]),
            with_duplicates=not options["no_duplicates"],
            geocode=options["geocode"],
            on_total=on_total,
            on_progress=on_progress,
        )
        if bars:
            bars[-1].close()
        self.stdout.write(
            f"Indexed {report.documents:,} assets"
            + ("" if options["no_duplicates"] else f", {report.pairs:,} near-duplicate pairs")
            + f" in {time.monotonic() - started:.1f} s."
        )
