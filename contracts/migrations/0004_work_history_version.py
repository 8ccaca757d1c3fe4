"""A version of ``contracts_workhistory`` and of the occupations of the workers in it, so each
process may keep both in memory (``contracts.ranking.WorkHistoryCache``) and reread them only
when they changed.

The version lives in a one-row table the history trigger updates in the same transaction as
the history itself (a reader sees both or neither), and takes its values from a sequence, which
never goes back: a rolled-back change leaves the old version in the row, never a value that a
process may have cached for the rolled-back data. TRUNCATE (test flushes) bumps it too.

Occupations: a change bumps the version when one of its workers has a contract (only they can
be in the history or join it: contracts are born ``proposed`` and become worked in a later
transaction). A new registration never bumps it."""

from importlib import import_module

from django.db import migrations

work_history = import_module("contracts.migrations.0003_work_history")
# The refresh function of 0003, bumping the version after it changed the history (its advisory
# lock already serializes the writers, so the version row adds no waiting).
REFRESH_FUNCTION = work_history.REFRESH.split("CREATE TRIGGER")[0]
REFRESH_BUMPING = REFRESH_FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION").replace(
    "    RETURN NULL;\nEND $$;",
    "    UPDATE contracts_workhistory_version SET version = nextval('contracts_workhistory_version_seq');\n"
    "    RETURN NULL;\nEND $$;")
assert REFRESH_BUMPING.count("contracts_workhistory_version_seq") == 1
REFRESH_PLAIN = REFRESH_FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")

VERSIONED = """
CREATE SEQUENCE contracts_workhistory_version_seq;
CREATE TABLE contracts_workhistory_version (version bigint NOT NULL);
CREATE UNIQUE INDEX contracts_workhistory_version_one_row ON contracts_workhistory_version ((true));
INSERT INTO contracts_workhistory_version VALUES (nextval('contracts_workhistory_version_seq'));
CREATE FUNCTION contracts_workhistory_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contracts_workhistory_version SET version = nextval('contracts_workhistory_version_seq');
    RETURN NULL;
END $$;
CREATE TRIGGER contracts_workhistory_truncate AFTER TRUNCATE ON contracts_workhistory
    FOR EACH STATEMENT EXECUTE FUNCTION contracts_workhistory_bump();
CREATE FUNCTION contracts_workhistory_occupations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    worked boolean := false;
BEGIN
    -- Each transition table exists only for its operations (PL/pgSQL resolves them when run).
    IF TG_OP <> 'DELETE' THEN
        worked := EXISTS (SELECT 1 FROM new_rows n JOIN contracts_contract c ON c.worker_id = n.worker_id);
    END IF;
    IF NOT worked AND TG_OP <> 'INSERT' THEN
        worked := EXISTS (SELECT 1 FROM old_rows o JOIN contracts_contract c ON c.worker_id = o.worker_id);
    END IF;
    IF worked THEN
        UPDATE contracts_workhistory_version SET version = nextval('contracts_workhistory_version_seq');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER contracts_workhistory_occupations_insert AFTER INSERT ON workers_worker_occupations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION contracts_workhistory_occupations_changed();
CREATE TRIGGER contracts_workhistory_occupations_update AFTER UPDATE ON workers_worker_occupations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION contracts_workhistory_occupations_changed();
CREATE TRIGGER contracts_workhistory_occupations_delete AFTER DELETE ON workers_worker_occupations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION contracts_workhistory_occupations_changed();
CREATE TRIGGER contracts_workhistory_occupations_truncate AFTER TRUNCATE ON workers_worker_occupations
    FOR EACH STATEMENT EXECUTE FUNCTION contracts_workhistory_bump();
"""
UNVERSIONED = """
DROP TRIGGER contracts_workhistory_occupations_insert ON workers_worker_occupations;
DROP TRIGGER contracts_workhistory_occupations_update ON workers_worker_occupations;
DROP TRIGGER contracts_workhistory_occupations_delete ON workers_worker_occupations;
DROP TRIGGER contracts_workhistory_occupations_truncate ON workers_worker_occupations;
DROP FUNCTION contracts_workhistory_occupations_changed();
DROP TRIGGER contracts_workhistory_truncate ON contracts_workhistory;
DROP FUNCTION contracts_workhistory_bump();
DROP TABLE contracts_workhistory_version;
DROP SEQUENCE contracts_workhistory_version_seq;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("contracts", "0003_work_history"),
    ]

    operations = [
        migrations.RunSQL(VERSIONED, UNVERSIONED),
        migrations.RunSQL(REFRESH_BUMPING, REFRESH_PLAIN),
    ]
