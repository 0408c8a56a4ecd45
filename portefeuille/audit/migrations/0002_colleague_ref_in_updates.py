"""Before sentences were written at read time, a "colleague.updated" event named the
colleague only in its stored summary. Copy that name into the event's parameters, where
the history now reads it, so old events stay readable once the summary column is gone."""

import re

from django.db import migrations

# The stored summary was written in the actor's language: French or English.
SUMMARY = re.compile(r"^(?:Collaborateur|Colleague) (?P<name>.+) (?:modifié|changed)$")


def copy_names(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    for event in AuditEvent.objects.filter(action="colleague.updated").iterator():
        before = dict(event.before or {})
        if "colleague" in before:
            continue
        match = SUMMARY.match(event.summary or "")
        before["colleague"] = {"id": None, "name": match["name"] if match else ""}
        event.before = before
        event.save(update_fields=["before"])


def states_as_codes(apps, schema_editor):
    """"work_status.state_changed" stored the previous state's label; store its code."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    labels = {
        "Planifié": "planned", "Planned": "planned",
        "Prêt à démarrer": "ready", "Ready to start": "ready",
        "En cours": "in_progress", "In progress": "in_progress",
        "En attente": "waiting", "Waiting": "waiting",
        "Terminé": "completed", "Completed": "completed",
    }  # fmt: skip
    for event in AuditEvent.objects.filter(action="work_status.state_changed").iterator():
        before = dict(event.before or {})
        code = labels.get(str(before.get("primary_state", "")))
        if code is not None:
            before["primary_state"] = code
            event.before = before
            event.save(update_fields=["before"])


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(copy_names, migrations.RunPython.noop),
        migrations.RunPython(states_as_codes, migrations.RunPython.noop),
    ]
