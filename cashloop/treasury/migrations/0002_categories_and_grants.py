"""The default budget categories (decision 054), mapped to the default chart's accounts
where it has them, and the treasury grants of the built-in roles.

A category code that exists already is left as finance set it.
"""

from django.db import migrations

from cashloop.identity.migrations import _roles

# (code, Chinese name, English name, direction, ledger account codes)
CATEGORIES = (
    ("sales", "销售回款", "Sales", "inflow", ("6001",)),
    ("other_income", "其他收入", "Other income", "inflow", ("6051",)),
    ("payroll", "工资薪酬", "Payroll", "outflow", ()),
    ("suppliers", "供应商付款", "Suppliers", "outflow", ()),
    ("rent", "房租", "Rent", "outflow", ()),
    ("tax", "税费", "Tax", "outflow", ()),
    ("loans", "借款还款", "Loans", "outflow", ()),
    ("capex", "资本支出", "Capital expenditure", "outflow", ()),
    ("finance_costs", "财务费用", "Finance costs", "outflow", ("6603", "6603.01", "6603.02", "6603.03")),
    ("other_expense", "其他支出", "Other expenses", "outflow", ()),
)


def install_categories(apps, schema_editor):
    Category = apps.get_model("treasury", "BudgetCategory")
    Account = apps.get_model("ledger", "Account")
    for position, (code, name_zh, name_en, direction, accounts) in enumerate(CATEGORIES):
        category, made = Category.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "direction": direction,
                "position": position * 10,
            },
        )
        if made:
            category.accounts.set(Account.objects.filter(code__in=accounts))


class Migration(migrations.Migration):
    dependencies = [
        ("treasury", "0001_initial"),
        ("ledger", "0002_default_chart_and_guards"),
        ("identity", "0012_worklist_dispute_grants"),
    ]
    operations = [
        migrations.RunPython(install_categories, migrations.RunPython.noop),
        migrations.RunPython(_roles.install, migrations.RunPython.noop),
    ]
