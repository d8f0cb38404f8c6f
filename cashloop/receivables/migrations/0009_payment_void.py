"""A voided payment is a state of the payment, not a refund row (decision 046).

Adds `voided_on`, `void_entry` and `void_memo` to payments, and converts the refund rows
that `payment_void` used to write.  Those are told apart from real refunds reliably: a
void's row holds the reversal of the payment's own entry (`reverses` = the payment's
entry, reason "payment received"), while a refund posts an entry of its own (reason
"refund").  Each becomes the payment's void (same date, memo and entry) and the row goes;
the payment's unapplied amount was zero already, and `verify` now counts the void.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def refunds_to_voids(apps, schema_editor):
    Refund = apps.get_model("receivables", "Refund")
    Payment = apps.get_model("receivables", "Payment")
    voids = Refund.objects.filter(
        journal_entry__reverses_id=F("payment__journal_entry_id"), payment__voided_on=None
    ).order_by("pk")
    for row in voids:
        Payment.objects.filter(pk=row.payment_id).update(
            voided_on=row.date, void_entry_id=row.journal_entry_id, void_memo=row.memo
        )
        row.delete()


def voids_to_refunds(apps, schema_editor):
    Refund = apps.get_model("receivables", "Refund")
    Payment = apps.get_model("receivables", "Payment")
    for payment in Payment.objects.filter(voided_on__isnull=False).order_by("pk"):
        Refund.objects.create(
            payment=payment,
            date=payment.voided_on,
            amount=payment.amount,
            base_amount=payment.base_amount,
            memo=payment.void_memo,
            journal_entry_id=payment.void_entry_id,
        )
    Payment.objects.filter(voided_on__isnull=False).update(
        voided_on=None, void_entry=None, void_memo=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0005_revenue_recognition_reason"),
        ("receivables", "0008_default_sale_flow"),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="void_entry",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.journalentry",
            ),
        ),
        migrations.AddField(
            model_name="payment",
            name="void_memo",
            field=models.CharField(
                blank=True, default="", max_length=500, verbose_name="reason voided"
            ),
        ),
        migrations.AddField(
            model_name="payment",
            name="voided_on",
            field=models.DateField(blank=True, null=True, verbose_name="voided on"),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("void_entry__isnull", True), ("voided_on__isnull", True)),
                    models.Q(("void_entry__isnull", False), ("voided_on__isnull", False)),
                    _connector="OR",
                ),
                name="payment_void_has_entry",
            ),
        ),
        migrations.RunPython(refunds_to_voids, voids_to_refunds),
    ]
