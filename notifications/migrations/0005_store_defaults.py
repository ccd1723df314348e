"""Existing stores get what new stores get when created: notification settings and the default
configurations (a frozen copy of notifications.defaults as of this migration). Queued items get
their next attempt time; duplicate configurations of a store are merged before 0006 makes them
unique."""

import secrets

from django.db import migrations

DEFAULTS = (
    # action, channel, to the owner?, active, min severity
    ("new_order", "email", True, True, "low"),
    ("new_reservation", "email", True, True, "low"),
    ("new_booking", "email", True, True, "low"),
    ("new_consultation", "email", True, True, "low"),
    ("complaint", "email", True, True, "normal"),
    ("missed_call", "email", True, True, "low"),
    ("callback_ticket", "email", True, True, "low"),
    ("daily_digest", "email", True, True, "low"),
    ("call_summary", "email", True, False, "low"),
    ("customer_confirmation", "sms", False, True, "low"),
    ("booking_reminder", "sms", False, True, "low"),
)


def forwards(apps, schema_editor):
    Store = apps.get_model("stores", "Store")
    Config = apps.get_model("notifications", "NotificationConfig")
    Settings = apps.get_model("notifications", "StoreNotificationSettings")
    Item = apps.get_model("notifications", "NotificationQueueItem")

    for item in Item.objects.filter(status__in=("queued", "retrying"), next_attempt_at__isnull=True):
        item.next_attempt_at = item.scheduled_at
        item.save(update_fields=["next_attempt_at"])

    for store in Store.objects.select_related("business__owner").iterator():
        kept = {}
        for config in Config.objects.filter(store=store).order_by("pk"):
            key = (config.action_type, config.channel)
            first = kept.get(key)
            if first is None:
                kept[key] = config
                continue
            first.recipients = list(dict.fromkeys([*first.recipients, *config.recipients]))
            first.is_active = first.is_active or config.is_active
            first.save(update_fields=["recipients", "is_active"])
            config.delete()
        if not Settings.objects.filter(store=store).exists():
            Settings.objects.create(store=store, webhook_secret=secrets.token_hex(32), digest_hour=8)
        owner = store.business.owner.email
        Config.objects.bulk_create(
            Config(
                business_id=store.business_id,
                store=store,
                action_type=action,
                channel=channel,
                recipients=[owner] if to_owner and owner else [],
                is_active=active and (bool(owner) or not to_owner),
                min_severity=severity,
            )
            for action, channel, to_owner, active, severity in DEFAULTS
            if (action, channel) not in kept
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_queue_dead_store_settings"),
        ("accounts", "0001_initial"),
        ("stores", "0003_store_record_calls"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
