"""`cashloop createadmin`: the first administrator, with a generated password shown once,
and the approval flows every installation starts with (they name the admin as their maker)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cashloop.identity.services import admin_account_create
from cashloop.receivables.approval_types import default_flows_install


class Command(BaseCommand):
    help = "Create the first administrator (if none exists) and print its password once."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--username", default="admin")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        created = admin_account_create(username=options["username"])
        if created is None:
            self.stdout.write("An administrator already exists; nothing created.")
            return
        user, password = created
        default_flows_install()
        bar = "=" * 60
        self.stdout.write(
            f"{bar}\nAdministrator created.  Sign in at http://127.0.0.1:8000/ as\n"
            f"  user name: {user.username}\n  password:  {password}\n"
            f"This password is shown once.  Change it after you sign in.\n{bar}"
        )
