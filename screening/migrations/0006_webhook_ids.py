"""Deliveries get an event id and a delivery id; webhooks a description and a creation time.

The ids are added nullable, given one fresh UUID per existing row, then made required (and the delivery id
unique): a callable default in a single AddField would give every existing row the same value."""

import uuid

import django.utils.timezone
from django.db import migrations, models


def ids_give(apps, schema_editor):
    delivery = apps.get_model("screening", "WebhookDelivery")
    for row_id in delivery.objects.values_list("id", flat=True).iterator():
        delivery.objects.filter(id=row_id).update(event_id=uuid.uuid4(), delivery_id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("screening", "0005_request_log_flush_schedule"),
    ]

    operations = [
        migrations.AlterModelOptions(name="webhook", options={"ordering": ["id"]}),
        migrations.AlterModelOptions(name="webhookdelivery", options={"ordering": ["-created_at", "-id"]}),
        migrations.AddField(
            model_name="webhook",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AddField(
            model_name="webhook",
            name="description",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="webhookdelivery",
            name="last_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(model_name="webhookdelivery", name="event_id", field=models.UUIDField(null=True)),
        migrations.AddField(model_name="webhookdelivery", name="delivery_id", field=models.UUIDField(null=True)),
        migrations.RunPython(ids_give, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event_id",
            field=models.UUIDField(db_index=True, default=uuid.uuid4),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="delivery_id",
            field=models.UUIDField(default=uuid.uuid4, unique=True),
        ),
    ]
