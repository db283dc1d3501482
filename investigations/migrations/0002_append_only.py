"""The audit log's tables refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) in the database itself."""

from django.db import migrations

TABLES = ("investigations_auditevent", "investigations_treehead")
MESSAGE = "the audit log is append-only"
OPERATIONS = {"sqlite": ("update", "delete"), "postgresql": ("update", "delete", "truncate")}
PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION investigations_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME; END $$"
)


def create(apps, schema_editor):
    vendor = _vendor(schema_editor)
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # no parameters: its % are PL/pgSQL's, not placeholders
    for table in TABLES:
        for operation in OPERATIONS[vendor]:
            schema_editor.execute(_trigger(vendor, table, operation))


def remove(apps, schema_editor):
    vendor = _vendor(schema_editor)
    for table in TABLES:
        for operation in OPERATIONS[vendor]:
            on = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}{on}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS investigations_append_only()")


def _vendor(schema_editor) -> str:
    vendor = schema_editor.connection.vendor
    if vendor not in OPERATIONS:
        raise NotImplementedError(f"no append-only triggers for {vendor}: the audit log needs SQLite or PostgreSQL")
    return vendor


def _trigger(vendor: str, table: str, operation: str) -> str:
    head = f"CREATE TRIGGER {table}_no_{operation} BEFORE {operation.upper()} ON {table} "
    if vendor == "sqlite":
        return head + f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    level = "STATEMENT" if operation == "truncate" else "ROW"
    return head + f"FOR EACH {level} EXECUTE FUNCTION investigations_append_only()"


class Migration(migrations.Migration):
    dependencies = [("investigations", "0001_audit_log")]
    operations = [migrations.RunPython(create, remove)]
