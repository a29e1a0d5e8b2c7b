"""The same bytes may be several assets of one workspace (an uploader who cannot see
the first gets their own, over the same stored file), so (tenant, sha256) is an index,
no longer unique."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("gallery", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(model_name="asset", name="gallery_asset_tenant_sha256"),
        migrations.AddIndex(
            model_name="asset",
            index=models.Index(fields=["tenant", "sha256"], name="gallery_asset_tenant_sha"),
        ),
    ]
