"""The search index: filled for facilities saved before it existed, and on
PostgreSQL a covering index for its postings.

`FacilitySearchToken` (0002) is derived data that services keep in step
(services.facility_index); facilities created earlier, by the demo data for
instance, have no tokens and could not be found. This rebuilds their name keys
and tokens with the same rules, in batches. Reversing it leaves the tokens,
which 0002's reversal drops with the table.

On PostgreSQL, search reads the postings of a word (token -> facility) for
every query; with an index on (token, facility_id) that is an index-only scan
instead of a heap fetch per posting, a third less time per search at 100,000
facilities (selectors.py). SQLite is left with the indexes of 0002: the brief
keeps its schema as the models declare it, and search meets its budget there
without. No trigram index: pg_trgm was measured and not used (selectors.py).
"""

from django.db import migrations

from remedia.facilities.normalise import name_tokens, normalise_name


def _name_key(name, legal_name):
    names = [normalise_name(name), normalise_name(legal_name)]
    return " ".join(dict.fromkeys(n for n in names if n))[:255]


def index_existing(apps, schema_editor):
    Facility = apps.get_model("facilities", "Facility")
    FacilityAlias = apps.get_model("facilities", "FacilityAlias")
    FacilitySearchToken = apps.get_model("facilities", "FacilitySearchToken")
    db = schema_editor.connection.alias
    ids = list(Facility.objects.using(db).values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        aliases = {}
        for facility_id, alias in (
            FacilityAlias.objects.using(db)
            .filter(facility_id__in=chunk)
            .values_list("facility_id", "name")
        ):
            aliases.setdefault(facility_id, []).append(alias)
        FacilitySearchToken.objects.using(db).filter(facility_id__in=chunk).delete()
        rows = []
        for facility in Facility.objects.using(db).filter(pk__in=chunk):
            key = _name_key(facility.name, facility.legal_name)
            if facility.name_key != key:
                Facility.objects.using(db).filter(pk=facility.pk).update(name_key=key)
            if facility.status == "merged":
                continue
            words = []
            for name in (facility.name, facility.legal_name, *aliases.get(facility.pk, [])):
                words.extend(
                    w[:60] for w in name_tokens(name or "") if len(w) >= 2 or w.isdigit()
                )
            rows.extend(
                FacilitySearchToken(facility_id=facility.pk, token=w, prefix=w[:3])
                for w in dict.fromkeys(words)
            )
        FacilitySearchToken.objects.using(db).bulk_create(rows, batch_size=2000)


_POSTINGS_INDEX = "facilities_searchtoken_postings"


def postings_index_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {_POSTINGS_INDEX} "
        "ON facilities_facilitysearchtoken (token, facility_id)"
    )


def postings_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {_POSTINGS_INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("facilities", "0002_registry"),
    ]

    operations = [
        # The index first: PostgreSQL refuses CREATE INDEX on a table with
        # pending deferred foreign-key checks, which the backfill leaves.
        migrations.RunPython(postings_index_create, postings_index_drop),
        migrations.RunPython(index_existing, migrations.RunPython.noop),
    ]
