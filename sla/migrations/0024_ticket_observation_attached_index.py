"""The observations' ticket index only where a ticket is set: a large batch accepted for new
tickets stores every observation without one (its ticket is derived on a worker), and each
wrote a NULL entry that no query reads. Deleting a ticket (the cascade, and the foreign key's
check per deleted ticket) still finds its observations through it. The new index is built
before the old one goes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0023_ticket_observation_pending'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='ticketobservation',
            index=models.Index(condition=models.Q(('ticket__isnull', False)), fields=['ticket'], name='ticket_observation_attached'),
        ),
        migrations.AlterField(
            model_name='ticketobservation',
            name='ticket',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='observations', to='sla.ticket'),
        ),
    ]
