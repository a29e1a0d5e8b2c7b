from __future__ import annotations

import os
import secrets
from typing import Any

from django.core.management.base import BaseCommand

from accounts.services import ensure_operator


class Command(BaseCommand):
    help = (
        "Create the first operator account when none exists. Credentials come from "
        "LUMINA_ADMIN_EMAIL / LUMINA_ADMIN_PASSWORD, or are generated and printed once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        email = os.environ.get("LUMINA_ADMIN_EMAIL") or "admin@example.com"
        given = os.environ.get("LUMINA_ADMIN_PASSWORD")
        password = given or secrets.token_urlsafe(12)
        user, created = ensure_operator(email=email, password=password)
        if not created:
            self.stdout.write(f"Operator account: {user.email} (existing; password unchanged)")
            return
        self.stdout.write(self.style.SUCCESS(f"Created the operator account {user.email}"))
        if given:
            self.stdout.write("Password: the one in LUMINA_ADMIN_PASSWORD")
        else:
            self.stdout.write(f"Password: {password}   (shown once; change it after signing in)")
