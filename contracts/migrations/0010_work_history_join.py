"""The work-history trigger joins the touched workers instead of testing ``worker_id =
ANY(touched)``: with a large statement (a bulk load of 100,000 contracts) that test compared every
contract against every touched worker, quadratic time; a join is hashed."""

from importlib import import_module

from django.db import migrations

versioned = import_module("contracts.migrations.0004_work_history_version")
BEFORE = versioned.REFRESH_BUMPING
AFTER = (BEFORE
         .replace("FROM contracts_contract WHERE worker_id = ANY(touched) AND status",
                  "FROM contracts_contract WHERE worker_id IN (SELECT unnest(touched)) AND status")
         .replace("DELETE FROM contracts_workhistory h WHERE h.worker_id = ANY(touched) AND NOT EXISTS",
                  "DELETE FROM contracts_workhistory h WHERE h.worker_id IN (SELECT unnest(touched)) AND NOT EXISTS"))
assert AFTER.count("IN (SELECT unnest(touched))") == 2, "the trigger's text changed: update this migration"


class Migration(migrations.Migration):

    dependencies = [
        ("contracts", "0009_jobs_reminders"),
    ]

    operations = [
        migrations.RunSQL(AFTER, BEFORE),
    ]
