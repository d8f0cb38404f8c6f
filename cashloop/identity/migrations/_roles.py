"""Shared by the role migrations: bring the built-in roles to what `roles.py` says now.

Later migrations that change built-in grants call `install` again; it updates the
built-in roles in place and leaves roles an admin created alone.
"""

from django.utils import translation


def install(apps, schema_editor):
    from cashloop.identity.roles import BUILTIN_ROLES

    Role = apps.get_model("identity", "Role")
    with translation.override("en"):
        for code, spec in BUILTIN_ROLES.items():
            Role.objects.update_or_create(
                code=code,
                defaults={
                    "name": str(spec["name"]),
                    "data_scope": spec["data_scope"],
                    "grants": spec["grants"],
                },
            )
