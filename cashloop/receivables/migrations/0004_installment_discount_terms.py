"""Keep an installment's early-payment terms as agreed (percent and days).

Before, only the amount and the last day were stored and a draft's percent was worked
back from them; existing rows get the same worked-back values once.
"""

from decimal import Decimal

from django.db import migrations, models


def terms_from_amounts(apps, schema_editor):
    Installment = apps.get_model("receivables", "Installment")
    rows = Installment.objects.exclude(discount_amount=0).select_related("invoice")
    for item in rows.iterator():
        item.discount_percent = (item.discount_amount * 100 / item.amount).quantize(Decimal("0.01"))
        item.discount_days = (item.discount_until - item.invoice.issue_date).days
        item.save(update_fields=["discount_percent", "discount_days"])


class Migration(migrations.Migration):
    dependencies = [
        ("receivables", "0003_write_off_label"),
    ]

    operations = [
        migrations.AddField(
            model_name="installment",
            name="discount_days",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="discount days"),
        ),
        migrations.AddField(
            model_name="installment",
            name="discount_percent",
            field=models.DecimalField(
                decimal_places=2, default=0, max_digits=5, verbose_name="early-payment discount %"
            ),
        ),
        migrations.RunPython(terms_from_amounts, migrations.RunPython.noop),
    ]
