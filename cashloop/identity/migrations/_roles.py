"""Shared by the role migrations: bring the built-in roles up to what `roles.py` says now.

Later migrations that add built-in grants call `install` again.  Admins edit roles in
Settings, so installing must not undo their work (decision 034):

* a built-in role that does not exist yet is created exactly as `roles.py` says, so a
  fresh installation is identical to `roles.py`;
* an existing one only gains the object types and actions that `roles.py` added since
  the last install (`Role.installed_grants` remembers what that was); actions an admin
  took away stay away, and its name, data scope and field rules are the admin's;
* roles an admin created are left alone.

Before migration 0008 the table has no `installed_grants`: the roles are then set to
`roles.py` whole, as they always were (only a fresh database runs those steps now).
"""

from django.utils import translation


def _added(new: dict, old: dict) -> dict:
    """What `new` grants beyond `old`: {object type: [actions]}."""
    added = {}
    for object_type, actions in new.items():
        extra = [a for a in actions if a not in old.get(object_type, ())]
        if extra:
            added[object_type] = extra
    return added


def _merge(grants: dict, added: dict) -> dict:
    merged = {key: list(actions) for key, actions in grants.items()}
    for object_type, actions in added.items():
        have = merged.setdefault(object_type, [])
        have.extend(a for a in actions if a not in have)
    return merged


def install(apps, schema_editor):
    from cashloop.identity.roles import BUILTIN_ROLES

    Role = apps.get_model("identity", "Role")
    tracked = any(f.name == "installed_grants" for f in Role._meta.get_fields())
    with translation.override("en"):
        for code, spec in BUILTIN_ROLES.items():
            defaults = {
                "name": str(spec["name"]),
                "data_scope": spec["data_scope"],
                "grants": spec["grants"],
            }
            if not tracked:
                Role.objects.update_or_create(code=code, defaults=defaults)
                continue
            role = Role.objects.filter(code=code).first()
            if role is None:
                Role.objects.create(code=code, installed_grants=spec["grants"], **defaults)
                continue
            role.grants = _merge(role.grants, _added(spec["grants"], role.installed_grants))
            role.installed_grants = spec["grants"]
            role.save(update_fields=["grants", "installed_grants"])


def track(apps, schema_editor):
    """Start tracking: what each built-in role holds now counts as installed."""
    from cashloop.identity.roles import BUILTIN_ROLES

    Role = apps.get_model("identity", "Role")
    for role in Role.objects.filter(code__in=list(BUILTIN_ROLES)):
        role.installed_grants = role.grants
        role.save(update_fields=["installed_grants"])
    install(apps, schema_editor)
