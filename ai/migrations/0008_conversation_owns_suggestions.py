# The call links now live in telephony (Call.conversation, filled by telephony 0004, which runs
# before this one).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ai", "0007_conversation_outcomes"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="analysissuggestion",
            name="suggestion_unique_per_call",
        ),
        migrations.RemoveField(
            model_name="aiconversationsession",
            name="call",
        ),
        migrations.RemoveField(
            model_name="analysissuggestion",
            name="call",
        ),
        migrations.AlterField(
            model_name="analysissuggestion",
            name="conversation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="suggestions",
                to="ai.aiconversationsession",
            ),
        ),
        migrations.AddConstraint(
            model_name="analysissuggestion",
            constraint=models.UniqueConstraint(
                fields=("conversation", "kind", "position"), name="suggestion_unique_per_conversation"
            ),
        ),
    ]
