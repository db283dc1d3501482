"""SQLite's REPLACE INTO (INSERT OR REPLACE) removes a conflicting row without firing DELETE triggers
(unless recursive_triggers is on), so 0002's triggers alone let someone rewrite an event or cut off the
newest head. A BEFORE INSERT trigger refuses any insert whose id or leaf index is already taken: a plain
insert of a taken index fails on the unique index anyway, so only the replacing kind changes behaviour.

PostgreSQL has no REPLACE, and its upsert (ON CONFLICT DO UPDATE) fires 0002's UPDATE trigger: nothing
to add there (the PostgreSQL leg of tests/investigations/test_audit.py proves the refusals)."""

from django.db import migrations

MESSAGE = "the audit log is append-only"
UNIQUE = {"investigations_auditevent": "seq", "investigations_treehead": "size"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table, index in UNIQUE.items():
        taken = f"SELECT 1 FROM {table} WHERE id = NEW.id OR {index} = NEW.{index}"  # noqa: S608 - constants above
        schema_editor.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS ({taken}) BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in UNIQUE:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")


class Migration(migrations.Migration):
    dependencies = [("investigations", "0011_alert_source_transfer")]
    operations = [migrations.RunPython(create, remove)]
