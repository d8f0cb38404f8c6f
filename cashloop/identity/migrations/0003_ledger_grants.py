"""Give the built-in roles their grants on the ledger (chart, journal, periods)."""

from django.db import migrations

from cashloop.identity.migrations import _roles


class Migration(migrations.Migration):
    dependencies = [("identity", "0002_builtin_roles")]
    operations = [migrations.RunPython(_roles.install, migrations.RunPython.noop)]
