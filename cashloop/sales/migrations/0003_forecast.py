"""Forecast categories and thresholds, manager adjustments, weekly snapshots (decision 027)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def derive_categories(apps, schema_editor):
    """Existing deals take the category their probability gives with the default thresholds."""
    Opportunity = apps.get_model("sales", "Opportunity")
    Opportunity.objects.filter(status="won").update(forecast_category="closed")
    Opportunity.objects.filter(status="lost").update(forecast_category="omitted")
    Opportunity.objects.filter(status="open", probability__gte=75).update(forecast_category="commit")
    Opportunity.objects.filter(status="open", probability__gte=50, probability__lt=75).update(
        forecast_category="best_case"
    )


class Migration(migrations.Migration):

    dependencies = [
        ('identity', '0005_credit_write_off_refund_grants'),
        ('sales', '0002_default_pipeline'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='opportunity',
            name='forecast_category',
            field=models.CharField(choices=[('pipeline', 'Pipeline'), ('best_case', 'Best case'), ('commit', 'Commit'), ('omitted', 'Omitted'), ('closed', 'Closed')], default='pipeline', max_length=10, verbose_name='forecast category'),
        ),
        migrations.AddField(
            model_name='pipeline',
            name='best_case_probability',
            field=models.PositiveSmallIntegerField(default=50, help_text='Percent, 0 to 100.', verbose_name='best case from probability'),
        ),
        migrations.AddField(
            model_name='pipeline',
            name='commit_probability',
            field=models.PositiveSmallIntegerField(default=75, help_text='Percent, 0 to 100.', verbose_name='commit from probability'),
        ),
        migrations.CreateModel(
            name='ForecastAdjustment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.CharField(max_length=7, verbose_name='period')),
                ('amount', models.DecimalField(decimal_places=4, max_digits=19, verbose_name='adjusted commit')),
                ('note', models.CharField(max_length=500, verbose_name='note')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='at')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='forecast_adjustments', to=settings.AUTH_USER_MODEL, verbose_name='rep')),
            ],
            options={
                'verbose_name': 'forecast adjustment',
                'verbose_name_plural': 'forecast adjustments',
                'ordering': ['period', 'user_id', '-created_at', '-id'],
                'indexes': [models.Index(fields=['period', 'user', 'created_at'], name='sales_forec_period_efba99_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('amount__gte', 0)), name='sales_forecast_adjustment_amount')],
            },
        ),
        migrations.CreateModel(
            name='ForecastSnapshot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period', models.CharField(max_length=7, verbose_name='period')),
                ('week', models.DateField(help_text='Monday of the week of the snapshot.', verbose_name='week')),
                ('as_of', models.DateField(verbose_name='as of')),
                ('pipeline', models.DecimalField(decimal_places=4, max_digits=19, verbose_name='pipeline')),
                ('best_case', models.DecimalField(decimal_places=4, max_digits=19, verbose_name='best case')),
                ('commit', models.DecimalField(decimal_places=4, max_digits=19, verbose_name='commit')),
                ('weighted', models.DecimalField(decimal_places=4, max_digits=19, verbose_name='weighted')),
                ('adjusted_commit', models.DecimalField(decimal_places=4, max_digits=19, verbose_name='adjusted commit')),
                ('closed_won', models.DecimalField(decimal_places=4, max_digits=19, verbose_name='closed won')),
                ('taken_at', models.DateTimeField(auto_now=True, verbose_name='taken')),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='identity.team', verbose_name='team')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='forecast_snapshots', to=settings.AUTH_USER_MODEL, verbose_name='rep')),
            ],
            options={
                'verbose_name': 'forecast snapshot',
                'verbose_name_plural': 'forecast snapshots',
                'ordering': ['period', 'user_id', 'as_of'],
                'indexes': [models.Index(fields=['period', 'as_of'], name='sales_forec_period_5ac073_idx')],
                'constraints': [models.UniqueConstraint(fields=('period', 'user', 'week'), name='sales_forecast_snapshot_weekly')],
            },
        ),
        migrations.RunPython(derive_categories, migrations.RunPython.noop),
    ]
