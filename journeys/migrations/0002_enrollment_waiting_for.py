from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("journeys", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="enrollment",
            name="waiting_for_event",
            field=models.CharField(blank=True, max_length=100),
        ),
    ]
