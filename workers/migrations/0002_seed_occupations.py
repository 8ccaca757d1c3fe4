from django.db import migrations


def seed(apps, schema_editor):
    from workers.occupations import OCCUPATIONS

    Occupation = apps.get_model("workers", "Occupation")
    for code, name_es, name_en in OCCUPATIONS:
        Occupation.objects.update_or_create(code=code, defaults={"name_es": name_es, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("workers", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
