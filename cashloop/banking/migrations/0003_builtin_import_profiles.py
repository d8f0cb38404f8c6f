"""Install the built-in import profiles (idempotent: re-running refreshes them)."""

from django.db import migrations


def install(apps, schema_editor):
    from cashloop.banking.profiles import install_builtin_profiles

    install_builtin_profiles(apps.get_model("banking", "ImportProfile"))


class Migration(migrations.Migration):
    dependencies = [("banking", "0002_import_profile_rows")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
