"""Grants for the collector's worklist, promises to pay, disputes and dunning charges
(issue #8, decisions 050 and 051)."""

from django.db import migrations

from cashloop.identity.migrations import _roles


class Migration(migrations.Migration):
    dependencies = [("identity", "0011_collections_credit_service_grants")]
    operations = [migrations.RunPython(_roles.install, migrations.RunPython.noop)]
