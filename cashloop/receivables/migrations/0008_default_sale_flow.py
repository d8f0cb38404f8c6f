"""Non-contract sales need approval (强制收入, decision 039): install the default flow.

One step, any of finance or the administrators (so that a company whose only finance
user is the one who issues still has someone to approve).  A flow names the user who
made it and a fresh database has no user yet, so it is installed here when an installation
has an administrator (an upgrade), and otherwise by the demo seed
(`receivables.seed.seed_receivables` calls `install_sale_flow`).  Idempotent: a type that
has any flow already, active or not, is left as the company set it.
"""

from django.db import migrations
from django.db.models import Q

SALE_TYPE = "receivables.noncontract"
SALE_FLOW_NAME = "非合同销售 Non-contract sales"
SALE_FLOW_STEPS = [
    {
        "approvers": [{"kind": "role", "value": "finance"}, {"kind": "role", "value": "admin"}],
        "rule": "any",
        "deadline_hours": 24,
    }
]


def install_sale_flow(apps, schema_editor):
    Flow = apps.get_model("approvals", "ApprovalFlow")
    Version = apps.get_model("approvals", "ApprovalFlowVersion")
    User = apps.get_model("identity", "User")
    if Flow.objects.filter(document_type=SALE_TYPE).exists():
        return
    maker = (
        User.objects.filter(Q(is_superuser=True) | Q(roles__code="admin"), is_active=True)
        .order_by("pk")
        .first()
    )
    if maker is None:
        return
    flow = Flow.objects.create(
        document_type=SALE_TYPE, name=SALE_FLOW_NAME, priority=100, created_by=maker
    )
    flow.current_version = Version.objects.create(
        flow=flow, number=1, conditions={}, steps=SALE_FLOW_STEPS, created_by=maker
    )
    flow.save(update_fields=["current_version"])


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0007_invoice_origin"),
        ("approvals", "0001_initial"),
        ("identity", "0009_contract_grants"),
    ]
    operations = [migrations.RunPython(install_sale_flow, migrations.RunPython.noop)]
