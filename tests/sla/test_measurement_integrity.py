"""A measurement's service and recorder are kept by triggers, not foreign keys
(sla/models/measurement_integrity.py): a point naming a service or user that does not exist is
refused and nothing of its statement stored; deleting a service deletes its points and deleting
a user forgets who recorded them, also by hand-written SQL; a referenced key cannot change. On
PostgreSQL, a COPY racing the deletion of its service leaves no point behind, in either order."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from catalog.models import Service
from sla import bulk_sql
from sla.models import Measurement
from sla.services.measurement_rows import COLUMNS, rows_insert
from tests import factories as f

WHEN = datetime(2026, 11, 18, 9, tzinfo=UTC)
MISSING = 987_654_321  # no service, no user has this id


def rows(service_id: int, count: int = 3, prefix: str = "p") -> list[tuple]:
    return [(service_id, "uptime", 99.0, WHEN, f"{prefix}-{n}", "") for n in range(count)]


def point(service_id: int, sender_id: str = "one", **fields) -> Measurement:
    return Measurement(
        service_id=service_id, measure_key="uptime", value=1.0, measured_at=WHEN, sender_id=sender_id, **fields
    )


def orphans() -> int:
    """Points naming a service or a user that is not there."""
    return (
        Measurement.objects.exclude(service_id__in=Service.objects.values("pk")).count()
        + Measurement.objects.filter(recorded_by__isnull=False)
        .exclude(recorded_by_id__in=f.UserFactory._meta.model.objects.values("pk"))
        .count()
    )


def refused(write) -> IntegrityError:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        write()
    return error.value


@pytest.fixture
def service(db):
    return f.ServiceFactory(slug="spare")


@pytest.mark.django_db
class TestRefused:
    def test_a_point_naming_no_service_and_its_whole_statement(self, service):
        error = refused(lambda: Measurement.objects.bulk_create([point(service.pk), point(MISSING, "two")]))
        assert "FOREIGN KEY" in str(error) or "foreign key" in str(error)
        refused(lambda: point(MISSING).save())
        assert Measurement.objects.count() == 0

    def test_a_point_naming_no_user(self, service):
        user = f.UserFactory()
        Measurement.objects.bulk_create([point(service.pk, recorded_by=user)])  # a real one is fine
        refused(lambda: Measurement.objects.bulk_create([point(service.pk, "two", recorded_by_id=MISSING)]))
        assert list(Measurement.objects.values_list("sender_id", "recorded_by_id")) == [("one", user.pk)]

    def test_the_service_code_path_naming_no_service(self, service):
        """rows_insert: a COPY on PostgreSQL (statement triggers), bulk_create elsewhere."""
        user = f.UserFactory()
        refused(lambda: rows_insert(rows(service.pk) + rows(MISSING, prefix="q"), source="api", recorded_by=user.pk))
        refused(lambda: rows_insert(rows(service.pk), source="api", recorded_by=MISSING))
        assert Measurement.objects.count() == 0
        rows_insert(rows(service.pk), source="api", recorded_by=user.pk)
        assert Measurement.objects.filter(service=service, recorded_by=user).count() == 3

    @pytest.mark.postgres
    def test_a_copy_naming_no_service(self, service):
        columns = (*COLUMNS, "source", "created_at")
        copy = [(*row, "api", WHEN) for row in rows(service.pk) + rows(MISSING, prefix="q")]
        error = refused(lambda: bulk_sql.rows_copy(model=Measurement, columns=columns, rows=copy))
        assert f"Key (service_id)=({MISSING}) is not present" in str(error)
        assert Measurement.objects.count() == 0

    def test_moving_points_to_a_missing_service_or_user(self, service):
        Measurement.objects.bulk_create([point(service.pk), point(service.pk, "two")])
        refused(lambda: Measurement.objects.filter(sender_id="two").update(service_id=MISSING))
        refused(lambda: Measurement.objects.update(recorded_by_id=MISSING))
        Measurement.objects.update(value=2.0, recorded_by=None)  # references unchanged: no check to fail
        assert sorted(Measurement.objects.values_list("sender_id", "service_id", "value")) == [
            ("one", service.pk, 2.0),
            ("two", service.pk, 2.0),
        ]

    def test_changing_a_referenced_key(self, service):
        user = f.UserFactory()
        Measurement.objects.bulk_create([point(service.pk, recorded_by=user)])
        with connection.cursor() as cursor:
            refused(lambda: cursor.execute("UPDATE catalog_service SET id = %s WHERE id = %s", [MISSING, service.pk]))
            refused(lambda: cursor.execute("UPDATE auth_user SET id = %s WHERE id = %s", [MISSING, user.pk]))
        assert orphans() == 0


@pytest.mark.django_db
class TestDeletes:
    def test_deleting_a_service_deletes_its_points_also_by_sql(self, service):
        other = f.ServiceFactory()
        Measurement.objects.bulk_create([point(service.pk), point(service.pk, "two"), point(other.pk)])
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Service._meta.db_table} WHERE id = %s", [service.pk])  # noqa: S608
        assert list(Measurement.objects.values_list("service_id", flat=True)) == [other.pk]
        other.delete()  # the ORM's way
        assert Measurement.objects.count() == 0

    def test_deleting_a_user_forgets_who_recorded_also_by_sql(self, service):
        gone, stays = f.UserFactory(), f.UserFactory()
        Measurement.objects.bulk_create(
            [point(service.pk, "a", recorded_by=gone), point(service.pk, "b", recorded_by=stays)]
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {gone._meta.db_table} WHERE id = %s", [gone.pk])  # noqa: S608
        assert sorted(Measurement.objects.values_list("sender_id", "recorded_by_id")) == [("a", None), ("b", stays.pk)]
        stays.delete()
        assert list(Measurement.objects.values_list("recorded_by_id", flat=True)) == [None, None]


@pytest.mark.postgres
@pytest.mark.django_db
def test_truncating_services_or_users_reaches_the_points(service):
    """Row triggers do not fire on TRUNCATE: a statement trigger does what the foreign keys'
    TRUNCATE ... CASCADE did (0026): no point is left naming a service or user that is gone."""
    recorder = f.UserFactory()
    Measurement.objects.bulk_create([point(service.pk, "a", recorded_by=recorder), point(service.pk, "b")])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's deferred checks, done before TRUNCATE
        cursor.execute(f"TRUNCATE {recorder._meta.db_table} CASCADE")
    assert orphans() == 0
    Measurement.objects.bulk_create([point(f.ServiceFactory().pk, "c")])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {Service._meta.db_table} CASCADE")
    assert Measurement.objects.count() == 0


# PostgreSQL: a COPY and the deletion of its service at the same moment, each on its own connection.

WAIT = 10.0


def _blocked_on_a_lock(timeout: float = WAIT) -> bool:
    """Whether another connection to this database is waiting for a lock (within `timeout`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


def _in_thread(call, outcome: dict, name: str) -> threading.Thread:
    def work():
        try:
            outcome[name] = call()
        except Exception as exc:
            outcome[name] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def _delete(service_id: int, how: str) -> None:
    if how == "orm":
        Service.objects.get(pk=service_id).delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Service._meta.db_table} WHERE id = %s", [service_id])  # noqa: S608


def _copy(service_id: int, user_id: int) -> int:
    rows_insert(rows(service_id, count=500), source="api", recorded_by=user_id)
    return 500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("how", ["sql", "orm"])
def test_a_copy_committed_while_its_service_is_deleted_is_cascaded(how):
    """The COPY holds its transaction open; the delete waits for it, then takes its points."""
    service, user = f.ServiceFactory(), f.UserFactory()
    copied, go = threading.Event(), threading.Event()
    outcome: dict = {}

    def copy_then_hold():
        with transaction.atomic():
            done = _copy(service.pk, user.pk)
            copied.set()
            assert go.wait(WAIT)
        return done

    def delete():
        assert copied.wait(WAIT)
        with transaction.atomic():
            _delete(service.pk, how)

    threads = [_in_thread(copy_then_hold, outcome, "copy"), _in_thread(delete, outcome, "delete")]
    assert copied.wait(WAIT)
    blocked = _blocked_on_a_lock()
    go.set()
    for thread in threads:
        thread.join(WAIT * 2)
    assert outcome == {"copy": 500, "delete": None}
    assert blocked, "the delete did not wait for the COPY's lock on the service"
    assert not Service.objects.filter(pk=service.pk).exists()
    assert Measurement.objects.count() == 0
    assert orphans() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("how", ["sql", "orm"])
def test_a_copy_while_its_service_is_being_deleted_is_refused(how):
    """The delete holds its transaction open; the COPY waits for it, then finds the service gone."""
    service, user = f.ServiceFactory(), f.UserFactory()
    deleted, go = threading.Event(), threading.Event()
    outcome: dict = {}

    def delete_then_hold():
        with transaction.atomic():
            _delete(service.pk, how)
            deleted.set()
            assert go.wait(WAIT)

    def copy():
        assert deleted.wait(WAIT)
        with transaction.atomic():
            return _copy(service.pk, user.pk)

    threads = [_in_thread(delete_then_hold, outcome, "delete"), _in_thread(copy, outcome, "copy")]
    assert deleted.wait(WAIT)
    blocked = _blocked_on_a_lock()
    go.set()
    for thread in threads:
        thread.join(WAIT * 2)
    assert outcome["delete"] is None
    assert isinstance(outcome["copy"], IntegrityError), outcome
    assert f"Key (service_id)=({service.pk}) is not present" in str(outcome["copy"])
    assert blocked, "the COPY did not wait for the delete"
    assert Measurement.objects.count() == 0
    assert orphans() == 0
