"""Install the default pipeline, named in the installation's language (docs/decisions/023)."""

from django.conf import settings
from django.db import migrations

# (Chinese name, English name, default probability, kind)
DEFAULT_STAGES = [
    ("线索确认", "Qualification", 10, "open"),
    ("需求分析", "Needs analysis", 25, "open"),
    ("方案报价", "Proposal", 50, "open"),
    ("商务谈判", "Negotiation", 75, "open"),
    ("赢单", "Won", 100, "won"),
    ("输单", "Lost", 0, "lost"),
]
DEFAULT_PIPELINE = ("销售流程", "Sales pipeline")


def install_default_pipeline(apps, schema_editor):
    """Create the default pipeline unless a pipeline exists already (idempotent)."""
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    if Pipeline.objects.exists():
        return
    chinese = settings.LANGUAGE_CODE.lower().startswith("zh")
    pick = 0 if chinese else 1
    pipeline = Pipeline.objects.create(name=DEFAULT_PIPELINE[pick], is_default=True)
    Stage.objects.bulk_create(
        Stage(pipeline=pipeline, name=names[pick], position=n, probability=p, kind=kind)
        for n, (*names, p, kind) in enumerate(DEFAULT_STAGES, 1)
    )


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial")]
    operations = [migrations.RunPython(install_default_pipeline, migrations.RunPython.noop)]
