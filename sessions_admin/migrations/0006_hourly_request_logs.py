from datetime import timezone

from django.db import migrations, models
from django.db.models.functions import TruncHour

import sessions_admin.models


def fill_hours(apps, schema_editor):
    RequestLog = apps.get_model("sessions_admin", "RequestLog")
    RequestLog.objects.update(hour=TruncHour("created", tzinfo=timezone.utc))


class Migration(migrations.Migration):

    dependencies = [
        ("sessions_admin", "0005_dashboard_titles_clients"),
    ]

    operations = [
        migrations.AddField(
            model_name="requestlog",
            name="hour",
            field=sessions_admin.models.HourField(editable=False, null=True),
        ),
        migrations.RunPython(fill_hours, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="requestlog",
            name="hour",
            field=sessions_admin.models.HourField(editable=False),
        ),
        migrations.RemoveIndex(
            model_name="requestlog",
            name="requestlog_dashboard",
        ),
        migrations.AddIndex(
            model_name="requestlog",
            index=models.Index(
                fields=[
                    "hour", "error_type", "model", "created", "ttfb_ms",
                    "input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens",
                ],
                name="requestlog_hourly",
            ),
        ),
        migrations.AddIndex(
            model_name="requestlog",
            index=models.Index(fields=["hour", "ttfb_ms", "created"], name="requestlog_hourly_ttfb"),
        ),
    ]
