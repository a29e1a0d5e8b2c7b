"""What a removed member's data export holds (issue 11, "decide and document"): their own
account data and the metadata of their own uploads; nothing else of the workspace they
left (no originals from it, no albums, no audit entries of it, nobody else's data)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage

from accounts import gdpr
from accounts import services as account_services
from accounts.models import DataExport
from albums import services as album_services
from tests.factories import Team, personal_membership, upload

pytestmark = pytest.mark.django_db


def build_export(user) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    export = DataExport.objects.create(user=user)
    gdpr.data_export_build(export_id=export.pk)
    export.refresh_from_db()
    with default_storage.open(export.file, "rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


def test_a_removed_members_export_keeps_their_own_data_only(media, api_for):
    team = Team()
    leaver = team.editor
    mine = upload(team.membership("editor"), seed=90, title="my own sunset")
    colleague_private = upload(
        team.membership("owner"), seed=91, title="colleague payroll", visibility="private"
    )
    colleague_shared = upload(team.membership("owner"), seed=92, title="colleague picnic")
    album_services.album_create(actor=team.actor("editor"), title="Team offsite")
    # the leaver renames a colleague's image through the API (an audited change)
    client = api_for(leaver)
    assert client.post(f"/api/v1/tenants/{team.tenant.pk}/switch/").status_code == 200
    renamed = client.patch(
        f"/api/v1/assets/{colleague_shared.pk}/", {"title": "picnic by the lake"}, format="json"
    )
    assert renamed.status_code == 200
    personal = upload(
        personal_membership(leaver),
        seed=93,
        title="holiday at home",
    )
    # given they were removed from the team
    account_services.membership_remove(
        membership=team.membership("owner"), target=team.membership("editor")
    )

    zf = build_export(leaver)
    names = set(zf.namelist())
    assets = {a["id"]: a for a in json.loads(zf.read("assets.json"))}
    # their own uploads' metadata, from the team too
    assert set(assets) == {mine.pk, personal.pk}
    assert assets[mine.pk]["title"] == "my own sunset"
    # originals only from workspaces they still belong to
    assert assets[personal.pk]["file_in_export"] in names
    assert assets[mine.pk]["file_in_export"] is None
    assert not any(n.startswith(f"originals/{mine.pk}-") for n in names)
    # nothing else of the team
    assert json.loads(zf.read("albums.json")) == []
    memberships = json.loads(zf.read("memberships.json"))
    assert [m["workspace_id"] for m in memberships] == [personal.tenant_id]
    everything = "".join(
        zf.read(n).decode("utf-8", "replace") for n in names if n.endswith(".json")
    )
    for text in (
        colleague_private.title,
        "colleague picnic",
        "picnic by the lake",
        "Team offsite",
        team.owner.email,
        team.viewer.email,
    ):
        assert text not in everything, text
