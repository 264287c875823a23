"""Alerts record who carries their subject (`Alert.owner`): the ticket's assignee for SLA clock
alerts, the commitment's owner for commitment alerts. Existing alerts are filled in from their
subjects as they stand now (feedback's migration 0005 does the follow-up alerts); alerts whose
subject is gone, or whose ticket is assigned to no Accord user, keep no owner."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Lower

CLOCK_KINDS = ("clock_warning", "clock_breach")
COMMITMENT_KINDS = ("commitment_at_risk", "commitment_stale", "commitment_missed")
BATCH = 1000


def _assignee_user_ids(users, tickets):
    """As sla.selectors.ticket_assignee_user_ids: {ticket id: user id} for (id, assignee, e-mail)
    rows. The ticket tool's e-mail names an active user with that address; without one, the
    assignee names one by username or address; the earliest user wins a tie."""
    tickets = [(pk, (name or "").strip(), (email or "").strip()) for pk, name, email in tickets]
    emails = {(email or name).lower() for _, name, email in tickets if email or name}
    names = {name for _, name, email in tickets if name and not email}
    by_email, by_username = {}, {}
    for pk, username, email in (
        users.annotate(email_lower=Lower("email"))
        .filter(models.Q(email_lower__in=emails) | models.Q(username__in=names))
        .order_by("-pk")
        .values_list("pk", "username", "email_lower")
    ):
        if email:
            by_email[email] = pk
        by_username[username] = pk
    found = {}
    for pk, name, email in tickets:
        if email:
            user_id = by_email.get(email.lower())
        elif name:
            user_id = min((c for c in (by_username.get(name), by_email.get(name.lower())) if c is not None), default=None)
        else:
            user_id = None
        if user_id is not None:
            found[pk] = user_id
    return found


def _save(Alert, owners):
    """owners: {alert id: user id}, written one UPDATE per owner."""
    by_owner = {}
    for alert_id, owner_id in owners.items():
        by_owner.setdefault(owner_id, []).append(alert_id)
    for owner_id, alert_ids in by_owner.items():
        for start in range(0, len(alert_ids), BATCH):
            Alert.objects.filter(pk__in=alert_ids[start : start + BATCH]).update(owner_id=owner_id)


def _batches(queryset):
    """Rows of a values_list queryset whose first column is the pk, BATCH at a time."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def backfill_owners(apps, schema_editor):
    Alert = apps.get_model("sla", "Alert")
    Ticket = apps.get_model("sla", "Ticket")
    Commitment = apps.get_model("sla", "Commitment")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))

    clock_alerts = Alert.objects.filter(kind__in=CLOCK_KINDS, owner__isnull=True, ticket__isnull=False)
    users = None
    for rows in _batches(clock_alerts.values_list("pk", "ticket_id")):
        users = users if users is not None else User.objects.filter(is_active=True)
        tickets = Ticket.objects.filter(pk__in={ticket_id for _, ticket_id in rows}).values_list(
            "pk", "assignee", "assignee_email"
        )
        assignees = _assignee_user_ids(users, tickets)
        _save(Alert, {pk: assignees[t] for pk, t in rows if t in assignees})

    commitment_alerts = Alert.objects.filter(kind__in=COMMITMENT_KINDS, owner__isnull=True)
    for rows in _batches(commitment_alerts.values_list("pk", "details")):
        wanted = [(pk, (details or {}).get("commitment_id")) for pk, details in rows]
        owners = dict(
            Commitment.objects.filter(pk__in={c for _, c in wanted if isinstance(c, int)}).values_list("pk", "owner_id")
        )
        _save(Alert, {pk: owners[c] for pk, c in wanted if c in owners})


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0011_follow_up_alerts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='alert',
            name='owner',
            field=models.ForeignKey(blank=True, help_text="Who carries the alert's subject: the ticket's assignee, the commitment's or the follow-up's owner. They see the alert and may acknowledge it, besides the service's people.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(backfill_owners, migrations.RunPython.noop),
    ]
