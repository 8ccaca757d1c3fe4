"""Name search by whole words; two redundant indexes dropped (bench/RESULTS.md).

- worker_words_<state>_idx (one per state, for staff) and worker_words_idx (every worker): GIN over
  the words of the name, for WorkerQuerySet.search.
- curp: unique through a constraint instead of unique=True, which also built a varchar_pattern_ops
  index that exact lookups never use (52 MB at 1M workers, one more write per insert).
- worker_nss_idx: the same partial btree as the worker_nss_unique constraint's index.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

import workers.validators


class Migration(migrations.Migration):

    dependencies = [
        ('workers', '0003_status_change_from_blank'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='worker',
            name='worker_nss_idx',
        ),
        migrations.AlterField(
            model_name='worker',
            name='curp',
            field=models.CharField(max_length=18, validators=[workers.validators.validate_curp], verbose_name='CURP'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'AGU')), name='worker_words_agu_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'BCN')), name='worker_words_bcn_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'BCS')), name='worker_words_bcs_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'CAM')), name='worker_words_cam_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'CDMX')), name='worker_words_cdmx_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'CHH')), name='worker_words_chh_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'CHP')), name='worker_words_chp_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'COA')), name='worker_words_coa_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'COL')), name='worker_words_col_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'DUR')), name='worker_words_dur_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'GRO')), name='worker_words_gro_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'GUA')), name='worker_words_gua_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'HID')), name='worker_words_hid_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'JAL')), name='worker_words_jal_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'MEX')), name='worker_words_mex_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'MIC')), name='worker_words_mic_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'MOR')), name='worker_words_mor_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'NAY')), name='worker_words_nay_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'NLE')), name='worker_words_nle_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'OAX')), name='worker_words_oax_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'PUE')), name='worker_words_pue_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'QUE')), name='worker_words_que_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'ROO')), name='worker_words_roo_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'SIN')), name='worker_words_sin_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'SLP')), name='worker_words_slp_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'SON')), name='worker_words_son_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'TAB')), name='worker_words_tab_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'TAM')), name='worker_words_tam_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'TLA')), name='worker_words_tla_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'VER')), name='worker_words_ver_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'YUC')), name='worker_words_yuc_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), condition=models.Q(('state_of_origin', 'ZAC')), name='worker_words_zac_idx'),
        ),
        migrations.AddIndex(
            model_name='worker',
            index=django.contrib.postgres.indexes.GinIndex(models.Func(models.F('search_name'), models.Value(' '), function='string_to_array', output_field=django.contrib.postgres.fields.ArrayField(base_field=models.TextField(), size=None)), name='worker_words_idx'),
        ),
        migrations.AddConstraint(
            model_name='worker',
            constraint=models.UniqueConstraint(fields=('curp',), name='worker_curp_unique'),
        ),
    ]
