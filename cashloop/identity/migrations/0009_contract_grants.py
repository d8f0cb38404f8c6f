"""Grants for the catalog, quotes and contracts (decision 036)."""

from django.db import migrations

from cashloop.identity.migrations import _roles


class Migration(migrations.Migration):
    dependencies = [("identity", "0008_permission_schemes")]
    operations = [migrations.RunPython(_roles.install, migrations.RunPython.noop)]
