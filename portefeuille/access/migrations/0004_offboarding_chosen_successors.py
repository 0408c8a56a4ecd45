# The ids of the successors chosen in an offboarding plan, kept when the successor (or the
# roster entry) is deleted before the plan is applied: the apply then refuses the plan
# instead of leaving the place empty (docs/offboarding.md). Plans made before this
# migration get the ids they hold now.

from django.db import migrations, models
from django.db.models import F


def copy_chosen(apps, schema_editor):
    item = apps.get_model("access", "OffboardingItem")
    item.objects.filter(successor__isnull=False).update(chosen_successor=F("successor_id"))
    item.objects.filter(successor_owner__isnull=False).update(
        chosen_owner=F("successor_owner_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("access", "0003_offboarding_plans"),
    ]

    operations = [
        migrations.AddField(
            model_name="offboardingitem",
            name="chosen_owner",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="offboardingitem",
            name="chosen_successor",
            field=models.BigIntegerField(null=True),
        ),
        migrations.RunPython(copy_chosen, migrations.RunPython.noop),
    ]
