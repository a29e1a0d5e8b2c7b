"""``python -m tests.security.oidc_provider.serve PORT``: migrate a fresh sqlite
database, make the user and the client from the environment, serve on 127.0.0.1."""

import json
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.security.oidc_provider.settings"

import django

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402


def main() -> None:
    port = sys.argv[1]
    call_command("migrate", verbosity=0)
    person = json.loads(os.environ["PROVIDER_USER"])
    user = User.objects.create_user(
        username=person["username"], email=person["email"], password=person["password"]
    )
    for name in person.get("groups", []):
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    Application.objects.create(
        name="Lumina Host",
        client_id=os.environ["PROVIDER_CLIENT_ID"],
        client_secret=os.environ["PROVIDER_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["PROVIDER_REDIRECT_URI"],
        skip_authorization=True,
        algorithm=Application.RS256_ALGORITHM,
    )
    call_command("runserver", f"127.0.0.1:{port}", use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main()
