"""Install the default chart of accounts; on PostgreSQL, the ledger's database guards.

The guards: posted entries and lines can be neither updated nor deleted (a trigger), and
an entry whose lines do not sum to zero per currency and in base currency is refused at
commit (a deferred constraint trigger), whoever writes the rows.
"""

from django.db import migrations

GUARDS = """
CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger.immutable: posted journal rows never change (% on %)',
    TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER ledger_entry_immutable BEFORE UPDATE OR DELETE ON ledger_journalentry
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_line_immutable BEFORE UPDATE OR DELETE ON ledger_journalline
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();

CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT currency, SUM(amount) AS total INTO bad FROM ledger_journalline
    WHERE entry_id = NEW.entry_id GROUP BY currency HAVING SUM(amount) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger.unbalanced: entry % is off by % %', NEW.entry_id, bad.total,
      bad.currency USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (SELECT SUM(base_amount) FROM ledger_journalline WHERE entry_id = NEW.entry_id) <> 0 THEN
    RAISE EXCEPTION 'ledger.unbalanced: entry % is off in base currency', NEW.entry_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_journalline
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
"""

UNGUARDS = """
DROP TRIGGER IF EXISTS ledger_entry_balanced ON ledger_journalline;
DROP TRIGGER IF EXISTS ledger_line_immutable ON ledger_journalline;
DROP TRIGGER IF EXISTS ledger_entry_immutable ON ledger_journalentry;
DROP FUNCTION IF EXISTS ledger_check_balanced();
DROP FUNCTION IF EXISTS ledger_refuse_change();
"""


def install_chart(apps, schema_editor):
    from cashloop.ledger.chart import DEFAULT_CHART

    Account = apps.get_model("ledger", "Account")
    if Account.objects.exists():
        return
    by_code = {}
    for code, name_zh, name_en, kind, role, parent in DEFAULT_CHART:
        by_code[code] = Account.objects.create(
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            type=kind,
            role=role,
            parent=by_code.get(parent) if parent else None,
        )


def guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARDS, params=None)


def unguards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARDS, params=None)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [
        migrations.RunPython(install_chart, migrations.RunPython.noop),
        migrations.RunPython(guards, unguards),
    ]
