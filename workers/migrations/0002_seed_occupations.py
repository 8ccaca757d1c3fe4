from django.db import migrations


def seed(apps, schema_editor):
    from workers.occupations import seed_occupations

    seed_occupations(apps.get_model("workers", "Occupation"))


class Migration(migrations.Migration):
    dependencies = [("workers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
