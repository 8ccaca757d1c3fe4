"""The database refuses more named workers than a request asks for, whichever way it happens
(naming one more, or lowering the number after naming): a deferred constraint trigger checks the
request at commit, so a transaction that fixes both sides in either order passes."""

from django.db import migrations

CHECK = """
CREATE OR REPLACE FUNCTION employers_named_workers_within_request() RETURNS trigger AS $$
DECLARE
    target bigint;
    named integer;
    requested integer;
BEGIN
    IF TG_TABLE_NAME = 'employers_namedworker' THEN
        target := NEW.request_id;
    ELSE
        target := NEW.id;
    END IF;
    SELECT count(*) INTO named FROM employers_namedworker WHERE employers_namedworker.request_id = target;
    SELECT workers_requested INTO requested FROM employers_workerrequest WHERE id = target;
    IF named > requested THEN
        RAISE EXCEPTION 'request % names % workers but asks for %', target, named, requested
            USING ERRCODE = '23514';  -- check_violation: the API answers 409 like any constraint
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER named_workers_within_request_on_name
    AFTER INSERT OR UPDATE ON employers_namedworker DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION employers_named_workers_within_request();

CREATE CONSTRAINT TRIGGER named_workers_within_request_on_number
    AFTER UPDATE OF workers_requested ON employers_workerrequest DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.workers_requested < OLD.workers_requested)
    EXECUTE FUNCTION employers_named_workers_within_request();
"""

UNDO = """
DROP TRIGGER IF EXISTS named_workers_within_request_on_name ON employers_namedworker;
DROP TRIGGER IF EXISTS named_workers_within_request_on_number ON employers_workerrequest;
DROP FUNCTION IF EXISTS employers_named_workers_within_request();
"""


class Migration(migrations.Migration):
    dependencies = [("employers", "0003_employers_and_requests")]

    operations = [migrations.RunSQL(CHECK, UNDO)]
