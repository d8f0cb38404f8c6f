"""Install the built-in roles (admin, sales_manager, ...) with their grants and scopes."""

from django.db import migrations

from cashloop.identity.migrations import _roles


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]
    operations = [migrations.RunPython(_roles.install, migrations.RunPython.noop)]
