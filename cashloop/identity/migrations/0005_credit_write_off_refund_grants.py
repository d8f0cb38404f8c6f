"""Let finance issue credit notes, write off residuals and refund advances."""

from django.db import migrations

from cashloop.identity.migrations import _roles


class Migration(migrations.Migration):
    dependencies = [("identity", "0004_receivables_grants")]
    operations = [migrations.RunPython(_roles.install, migrations.RunPython.noop)]
