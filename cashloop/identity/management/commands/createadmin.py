"""`cashloop createadmin`: the first administrator, with a generated password shown once."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cashloop.identity.services import admin_account_create


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
        bar = "=" * 60
        self.stdout.write(
            f"{bar}\nAdministrator created.  Sign in at http://127.0.0.1:8000/ as\n"
            f"  user name: {user.username}\n  password:  {password}\n"
            f"This password is shown once.  Change it after you sign in.\n{bar}"
        )
