"""Grants for the CRM front office: interactions, leads, opportunities, pipelines."""

from django.db import migrations

from cashloop.identity.migrations import _roles


class Migration(migrations.Migration):
    dependencies = [("identity", "0005_credit_write_off_refund_grants")]
    operations = [migrations.RunPython(_roles.install, migrations.RunPython.noop)]
