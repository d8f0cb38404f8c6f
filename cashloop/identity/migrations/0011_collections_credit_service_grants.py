"""Grants for dunning, credit control and after-sales tickets (issue #8)."""

from django.db import migrations

from cashloop.identity.migrations import _roles


class Migration(migrations.Migration):
    dependencies = [("identity", "0010_banking_grants")]
    operations = [migrations.RunPython(_roles.install, migrations.RunPython.noop)]
