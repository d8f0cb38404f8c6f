"""Permission schemes (decision 034): team-only scope, record shares, additive role installs."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from cashloop.identity.migrations import _roles


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0007_role_field_rules"),
        ("customers", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="role",
            name="data_scope",
            field=models.CharField(
                choices=[
                    ("own", "Own records"),
                    ("team_only", "Own team only"),
                    ("team", "Team and sub-teams"),
                    ("all", "All records"),
                ],
                default="own",
                max_length=10,
                verbose_name="data scope",
            ),
        ),
        migrations.AddField(
            model_name="role",
            name="installed_grants",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.CreateModel(
            name="RecordShare",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "access",
                    models.CharField(
                        choices=[("read", "Read"), ("read_write", "Read and write")],
                        default="read",
                        max_length=10,
                        verbose_name="access",
                    ),
                ),
                ("expires_at", models.DateTimeField(blank=True, null=True, verbose_name="expires")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="shared by",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shares",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shares_received",
                        to="identity.team",
                        verbose_name="team",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shares_received",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "record share",
                "verbose_name_plural": "record shares",
                "ordering": ["-created_at"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("team__isnull", True), ("user__isnull", False)),
                            models.Q(("team__isnull", False), ("user__isnull", True)),
                            _connector="OR",
                        ),
                        name="recordshare_user_xor_team",
                    )
                ],
            },
        ),
        migrations.RunPython(_roles.track, migrations.RunPython.noop),
    ]
