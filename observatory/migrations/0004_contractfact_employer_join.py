"""ContractFact.employer_id becomes a join to the employer (no constraint). The facts are rebuilt
by the next refresh, so they are emptied here rather than converted."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("employers", "0001_initial"),
        ("observatory", "0003_indicator_measures"),
    ]

    operations = [
        migrations.RunSQL("DELETE FROM observatory_contractfact", migrations.RunSQL.noop),
        migrations.RemoveField(model_name="contractfact", name="employer_id"),
        migrations.AddField(
            model_name="contractfact",
            name="employer",
            field=models.ForeignKey(db_constraint=False, default=0,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="employers.employer"),
            preserve_default=False,
        ),
    ]
