"""Grants for bank accounts, statement imports and lines, recognition and matching rules."""

from django.db import migrations

from cashloop.identity.migrations import _roles


class Migration(migrations.Migration):
    dependencies = [("identity", "0009_contract_grants")]
    operations = [migrations.RunPython(_roles.install, migrations.RunPython.noop)]
