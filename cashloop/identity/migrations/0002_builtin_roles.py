"""Install the built-in roles (admin, sales_manager, ...) with their grants and scopes."""

from django.db import migrations


def install(apps, schema_editor):
    from django.utils import translation

    from cashloop.identity.roles import BUILTIN_ROLES

    Role = apps.get_model("identity", "Role")
    with translation.override("en"):
        _install(Role, BUILTIN_ROLES)


def _install(Role, BUILTIN_ROLES):
    for code, spec in BUILTIN_ROLES.items():
        Role.objects.update_or_create(
            code=code,
            defaults={
                "name": str(spec["name"]),
                "data_scope": spec["data_scope"],
                "grants": spec["grants"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("identity", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
