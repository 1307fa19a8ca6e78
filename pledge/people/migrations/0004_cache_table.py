"""Create the database cache table that holds the rate-limit counters.

``createcachetable`` is not part of ``migrate``; doing it here means the test
databases (pytest-django runs migrations) and ``make run`` both have the table.
It creates nothing when the cache is not a database cache.
"""

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    for alias in settings.CACHES:
        cache = caches[alias]
        if isinstance(cache, DatabaseCache):
            table = schema_editor.connection.ops.quote_name(cache._table)
            schema_editor.execute(f"DROP TABLE IF EXISTS {table}")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_pending_email"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table, elidable=False),
    ]
