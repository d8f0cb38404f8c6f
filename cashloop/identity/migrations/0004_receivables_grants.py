"""Give the built-in roles their grants on receivables (invoices, payments)."""

from django.db import migrations

from cashloop.identity.migrations import _roles


class Migration(migrations.Migration):
    dependencies = [("identity", "0003_ledger_grants")]
    operations = [migrations.RunPython(_roles.install, migrations.RunPython.noop)]
