"""The measurements' references (service, recorder) held by triggers instead of foreign keys.

Why: Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, checked at COMMIT one row at a
time (a trigger per row and key): a batch of 5,000 points queued 10,000 checks, 50-140 ms of a
POST /api/v1/measurements/ whose whole budget is 150 ms (issue 12). `Measurement.service` and
`.recorded_by` are `db_constraint=False`, and these triggers (installed by sla migration 0025)
keep the same integrity, whoever writes (the ORM, a COPY, a hand-written SQL fix):

- PostgreSQL: one AFTER INSERT and one AFTER UPDATE trigger FOR EACH STATEMENT on the
  measurements (a COPY fires them too) read the statement's rows from its transition table,
  lock the services and users they name FOR KEY SHARE, as PostgreSQL's own check does (a
  concurrent delete of the service waits for our commit; or we wait for its, and find the row
  gone), and raise SQLSTATE 23503 (foreign_key_violation: Django raises IntegrityError) naming
  a missing id. An UPDATE checks only the rows whose reference changed. (PostgreSQL allows no
  column list and no second event on a trigger with transition tables, hence two triggers.)
- SQLite: BEFORE INSERT / UPDATE row triggers raising ABORT 'FOREIGN KEY constraint failed'.
- Both: a row trigger on the service table deletes its measurements (ON DELETE CASCADE), one on
  the user table sets `recorded_by` to NULL (SET NULL), and changing a referenced key is
  refused (NO ACTION, as before). The ORM still cascades first (on_delete): these catch the
  rest, a raw DELETE and a COPY racing a delete.

Checked immediately, not at COMMIT: a statement naming a service created later in the same
transaction is refused (nothing in Accord writes in that order).

On PostgreSQL the functions name the tables and columns as they were when installed: a migration
that renames one of them must install the triggers again. `ALTER TABLE ... DISABLE TRIGGER USER`
(or ALL) switches these checks off, where it left PostgreSQL's own foreign keys on. Because the
checks are immediate, `loaddata` of a fixture listing measurements before their services fails
(order the fixture services first), and Django's `check_constraints` no longer sees these two.

On SQLite a migration that rebuilds one of the three tables (Django's SQLite schema editor
remakes a table to alter most columns) drops the triggers on it: that migration must install
them again (`statements_install`); tests/sla/test_measurement_integrity.py fails until it does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    """A column of the measurements naming a row of `table` by its `key`."""

    column: str
    table: str
    key: str
    on_delete: str  # "cascade" or "set_null"


@dataclass(frozen=True)
class Tables:
    """Names (unquoted) as the models' _meta has them: the migration passes its historical models'."""

    measurements: str
    key: str  # the measurements' primary key column
    references: tuple[Reference, ...]


def tables_from(apps) -> Tables:
    """The names from the (historical) models of `apps`: the service's table and that of
    settings.AUTH_USER_MODEL, as the measurement's fields point to them."""
    measurement = apps.get_model("sla", "Measurement")
    references = []
    for name, on_delete in (("service", "cascade"), ("recorded_by", "set_null")):
        field = measurement._meta.get_field(name)
        target = field.related_model._meta
        references.append(Reference(field.column, target.db_table, target.pk.column, on_delete))
    return Tables(measurement._meta.db_table, measurement._meta.pk.column, tuple(references))


def _name(tables: Tables, ref: Reference, what: str) -> str:
    return f"{tables.measurements}_{ref.column}_{what}"


def statements_install(vendor: str, tables: Tables, quote) -> list[str]:
    """The SQL creating the triggers (and PostgreSQL's functions), in order."""
    if vendor == "postgresql":
        return _postgres_install(tables, quote)
    if vendor == "sqlite":
        return _sqlite_install(tables, quote)
    raise NotImplementedError(f"No measurement reference triggers for {vendor}: add them here.")


def statements_remove(vendor: str, tables: Tables, quote) -> list[str]:
    """The SQL dropping what statements_install created."""
    m = quote(tables.measurements)
    if vendor == "postgresql":
        found = [f"DROP TRIGGER IF EXISTS {quote(f'{tables.measurements}_refs_{op}')} ON {m}" for op in OPS]
        found.append(f"DROP FUNCTION IF EXISTS {quote(f'{tables.measurements}_refs_check')}()")
        for ref in tables.references:
            found.append(f"DROP TRIGGER IF EXISTS {quote(_name(tables, ref, 'referenced'))} ON {quote(ref.table)}")
            found.append(f"DROP FUNCTION IF EXISTS {quote(_name(tables, ref, 'referenced'))}()")
        return found
    if vendor == "sqlite":
        names = [_name(tables, ref, what) for ref in tables.references for what in SQLITE_TRIGGERS]
        return [f"DROP TRIGGER IF EXISTS {quote(name)}" for name in names]
    raise NotImplementedError(f"No measurement reference triggers for {vendor}.")


def truncate_statements_install(vendor: str, tables: Tables, quote) -> list[str]:
    """PostgreSQL: row triggers do not fire on TRUNCATE, and TRUNCATE ... CASCADE no longer
    reaches the measurements without a foreign key. A statement trigger AFTER TRUNCATE on the
    service and user tables does what the cascade did: every point goes with the services, every
    recorder is forgotten with the users (sla migration 0026). SQLite has no TRUNCATE (its
    DELETE fires the row triggers)."""
    if vendor != "postgresql":
        return []
    m = quote(tables.measurements)
    found = []
    for ref in tables.references:
        name = quote(_name(tables, ref, "truncated"))
        column = quote(ref.column)
        action = (
            f"DELETE FROM {m};"  # noqa: S608 - identifiers from _meta, quoted; no values
            if ref.on_delete == "cascade"
            else f"UPDATE {m} SET {column} = NULL WHERE {column} IS NOT NULL;"  # noqa: S608 - identifiers from _meta, quoted; no values
        )
        found += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql"
            f" AS $body$ BEGIN {action} RETURN NULL; END $body$",
            f"CREATE TRIGGER {name} AFTER TRUNCATE ON {quote(ref.table)} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return found


def truncate_statements_remove(vendor: str, tables: Tables, quote) -> list[str]:
    if vendor != "postgresql":
        return []
    found = []
    for ref in tables.references:
        name = quote(_name(tables, ref, "truncated"))
        found += [f"DROP TRIGGER IF EXISTS {name} ON {quote(ref.table)}", f"DROP FUNCTION IF EXISTS {name}()"]
    return found


OPS = ("insert", "update")
SQLITE_TRIGGERS = ("insert", "update", "deleted", "key_changed")


def _postgres_check(tables: Tables, ref: Reference, quote) -> str:
    """The part of the statement trigger's body for one reference."""
    column, key, target = quote(ref.column), quote(ref.key), quote(ref.table)
    pk = quote(tables.key)
    constraint = _name(tables, ref, "check")
    return f"""
    IF TG_OP = 'INSERT' THEN
        wanted := ARRAY(SELECT DISTINCT {column} FROM new_rows WHERE {column} IS NOT NULL);
    ELSE  -- only the rows whose reference changed
        wanted := ARRAY(
            SELECT DISTINCT n.{column} FROM new_rows n WHERE n.{column} IS NOT NULL AND NOT EXISTS (
                SELECT FROM old_rows o WHERE o.{pk} = n.{pk} AND o.{column} = n.{column}));
    END IF;
    IF cardinality(wanted) > 0 THEN
        PERFORM FROM {target} t WHERE t.{key} = ANY(wanted) FOR KEY SHARE OF t;
        GET DIAGNOSTICS locked = ROW_COUNT;
        IF locked < cardinality(wanted) THEN
            SELECT w INTO missing FROM unnest(wanted) w
                WHERE NOT EXISTS (SELECT FROM {target} t WHERE t.{key} = w) LIMIT 1;
            RAISE EXCEPTION 'insert or update on table "{tables.measurements}" violates foreign key "{constraint}":'
                ' Key ({ref.column})=(%) is not present in table "{ref.table}".', coalesce(missing::text, '?')
                USING ERRCODE = 'foreign_key_violation',
                      TABLE = '{tables.measurements}', COLUMN = '{ref.column}', CONSTRAINT = '{constraint}';
        END IF;
    END IF;"""  # noqa: S608 - identifiers from _meta, quoted; no values


def _postgres_install(tables: Tables, quote) -> list[str]:
    m = quote(tables.measurements)
    check = quote(f"{tables.measurements}_refs_check")
    body = "".join(_postgres_check(tables, ref, quote) for ref in tables.references)
    found = [
        f"""CREATE FUNCTION {check}() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    wanted bigint[];
    locked bigint;
    missing bigint;
BEGIN{body}
    RETURN NULL;
END
$body$""",
        f"CREATE TRIGGER {quote(f'{tables.measurements}_refs_insert')} AFTER INSERT ON {m}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {check}()",
        f"CREATE TRIGGER {quote(f'{tables.measurements}_refs_update')} AFTER UPDATE ON {m}"
        f" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {check}()",
    ]
    for ref in tables.references:
        name = quote(_name(tables, ref, "referenced"))
        column, key, target = quote(ref.column), quote(ref.key), quote(ref.table)
        action = (
            f"DELETE FROM {m} WHERE {column} = OLD.{key};"  # noqa: S608 - identifiers from _meta, quoted; no values
            if ref.on_delete == "cascade"
            else f"UPDATE {m} SET {column} = NULL WHERE {column} = OLD.{key};"  # noqa: S608 - identifiers from _meta, quoted; no values
        )
        found += [
            f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    IF TG_OP = 'DELETE' THEN
        {action}
    ELSIF NEW.{key} IS DISTINCT FROM OLD.{key} AND EXISTS (SELECT FROM {m} WHERE {column} = OLD.{key}) THEN
        RAISE EXCEPTION 'update on table "{ref.table}" violates foreign key "{_name(tables, ref, "check")}":'
            ' Key ({ref.key})=(%) is still referenced from table "{tables.measurements}".', OLD.{key}
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END
$body$""",  # noqa: S608 - identifiers from _meta, quoted; no values
            f"CREATE TRIGGER {name} AFTER DELETE OR UPDATE OF {key} ON {target} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    return found


def _sqlite_install(tables: Tables, quote) -> list[str]:
    m = quote(tables.measurements)
    found = []
    for ref in tables.references:
        column, key, target = quote(ref.column), quote(ref.key), quote(ref.table)
        failed = f"'FOREIGN KEY constraint failed: {tables.measurements}.{ref.column}'"
        missing = f"NEW.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {target} WHERE {key} = NEW.{column})"  # noqa: S608 - identifiers from _meta, quoted; no values
        action = (
            f"DELETE FROM {m} WHERE {column} = OLD.{key};"  # noqa: S608 - identifiers from _meta, quoted; no values
            if ref.on_delete == "cascade"
            else f"UPDATE {m} SET {column} = NULL WHERE {column} = OLD.{key};"  # noqa: S608 - identifiers from _meta, quoted; no values
        )
        name = lambda what, ref=ref: quote(_name(tables, ref, what))  # noqa: E731
        found += [
            f"CREATE TRIGGER {name('insert')} BEFORE INSERT ON {m} FOR EACH ROW WHEN {missing}"
            f" BEGIN SELECT RAISE(ABORT, {failed}); END",
            f"CREATE TRIGGER {name('update')} BEFORE UPDATE OF {column} ON {m} FOR EACH ROW"
            f" WHEN NEW.{column} IS NOT OLD.{column} AND {missing} BEGIN SELECT RAISE(ABORT, {failed}); END",
            f"CREATE TRIGGER {name('deleted')} AFTER DELETE ON {target} FOR EACH ROW BEGIN {action} END",
            f"CREATE TRIGGER {name('key_changed')} BEFORE UPDATE OF {key} ON {target} FOR EACH ROW"  # noqa: S608 - identifiers from _meta, quoted; no values
            f" WHEN NEW.{key} IS NOT OLD.{key} AND EXISTS (SELECT 1 FROM {m} WHERE {column} = OLD.{key})"
            f" BEGIN SELECT RAISE(ABORT, {failed}); END",
        ]
    return found
