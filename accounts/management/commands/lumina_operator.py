from __future__ import annotations

import os
import secrets
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.services import operator_password_reset
from lumina.core.errors import LuminaError


class Command(BaseCommand):
    help = (
        "Recover access to an operator account: --reset-password EMAIL gives it a new "
        "password, from LUMINA_ADMIN_PASSWORD, from standard input (--password-stdin), "
        "or generated and printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset-password", metavar="EMAIL", required=True)
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the new password from the first line of standard input",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["reset_password"]
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            source = "standard input"
        elif os.environ.get("LUMINA_ADMIN_PASSWORD"):
            password = os.environ["LUMINA_ADMIN_PASSWORD"]
            source = "LUMINA_ADMIN_PASSWORD"
        else:
            password = secrets.token_urlsafe(12)
            source = ""
        try:
            user = operator_password_reset(email=email, password=password)
        except LuminaError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"New password set for {user.email}"))
        if source:
            self.stdout.write(f"Password: the one from {source}")
        else:
            self.stdout.write(f"Password: {password}   (shown once; change it after signing in)")
