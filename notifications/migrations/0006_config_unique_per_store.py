from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0005_store_defaults"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="notificationconfig",
            constraint=models.UniqueConstraint(
                condition=models.Q(("store__isnull", False)),
                fields=("store", "action_type", "channel"),
                name="notification_config_unique_per_store",
            ),
        ),
    ]
