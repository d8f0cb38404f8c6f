"""Name keys fold traditional characters into simplified ones now: recompute the keys and
name tokens of the customers whose names change under it."""

from django.db import migrations

from cashloop.customers.matching import name_key, name_tokens


def refold(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Token = apps.get_model("customers", "CustomerNameToken")
    held: dict[int, set[str]] = {}
    for customer_id, token in Token.objects.values_list("customer_id", "token"):
        held.setdefault(customer_id, set()).add(token)
    changed, rows = [], []
    for customer in Customer.objects.only("pk", "name", "name_key", "legal_name", "aliases"):
        names = [customer.name, customer.legal_name, *customer.aliases.splitlines()]
        keys = {name_key(name) for name in names if name.strip()} - {""}
        tokens = set().union(*map(name_tokens, keys)) if keys else set()
        if name_key(customer.name) != customer.name_key or tokens != held.get(customer.pk, set()):
            customer.name_key = name_key(customer.name)
            changed.append(customer)
            rows.extend(Token(customer_id=customer.pk, token=token) for token in sorted(tokens))
    Token.objects.filter(customer_id__in=[c.pk for c in changed]).delete()
    Token.objects.bulk_create(rows, batch_size=5000)
    Customer.objects.bulk_update(changed, ["name_key"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("customers", "0009_customer_aliases")]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
