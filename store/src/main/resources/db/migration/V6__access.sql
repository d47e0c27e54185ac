-- jobfleet schema, version 6: who submitted each job, side data that stays bounded, and least
-- privilege: migrations as the owner role jobfleet_owner, the apps as jobfleet_app with DML only.
-- Nothing here depends on V4 or V5: it names only tables of V1-V3 and covers whatever else the
-- schema holds by looping over the catalog.

-- ---- 1. the principal that submitted a job or a batch through the API ----
-- Set once at submission (token name or JWT subject, prefixed "token:" / "jwt:"), never changed;
-- NULL for jobs of Kafka-first producers, schedules and batch callbacks. A submitter reads and
-- cancels only the jobs whose submitted_by is its own.

ALTER TABLE jobs ADD COLUMN submitted_by text;
ALTER TABLE job_batch ADD COLUMN submitted_by text;
-- NOT VALID, then VALIDATE: the new column is all NULL, and validating takes no lock that blocks writers
ALTER TABLE jobs ADD CONSTRAINT jobs_submitted_by_length
    CHECK (length(submitted_by) BETWEEN 1 AND 255) NOT VALID;
ALTER TABLE jobs VALIDATE CONSTRAINT jobs_submitted_by_length;
ALTER TABLE job_batch ADD CONSTRAINT job_batch_submitted_by_length
    CHECK (length(submitted_by) BETWEEN 1 AND 255) NOT VALID;
ALTER TABLE job_batch VALIDATE CONSTRAINT job_batch_submitted_by_length;

CREATE FUNCTION jobfleet_submitted_by_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.submitted_by never changes: refused for row %', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- UPDATE OF: fires only for statements that name the column, so the claim and finish never pay for it
CREATE TRIGGER jobs_submitted_by_is_final
    BEFORE UPDATE OF submitted_by ON jobs
    FOR EACH ROW WHEN (OLD.submitted_by IS DISTINCT FROM NEW.submitted_by)
    EXECUTE FUNCTION jobfleet_submitted_by_is_final();

CREATE TRIGGER job_batch_submitted_by_is_final
    BEFORE UPDATE OF submitted_by ON job_batch
    FOR EACH ROW WHEN (OLD.submitted_by IS DISTINCT FROM NEW.submitted_by)
    EXECUTE FUNCTION jobfleet_submitted_by_is_final();

-- GET /jobs pages newest first by keyset (created_at, id): all jobs, and a submitter's own
CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_submitter_created ON jobs (submitted_by, created_at DESC, id DESC)
    WHERE submitted_by IS NOT NULL;

-- ---- 2. the errors array keeps the last 20 attempts ----
-- Every statement that appends an attempt's error calls this (JobSql.FINISH_RUNS, RESCUE_EXPIRED),
-- so a job with max_attempts 1000 and long stack traces cannot grow its row without bound. Each
-- entry names its attempt, so a reader sees which ones were dropped.

CREATE FUNCTION jobfleet_append_error(errors jsonb, error jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN jsonb_array_length(errors) < 20 THEN errors || jsonb_build_array(error)
        ELSE (SELECT jsonb_agg(e ORDER BY i)
              FROM jsonb_array_elements(errors || jsonb_build_array(error)) WITH ORDINALITY AS t(e, i)
              WHERE i > jsonb_array_length(errors) + 1 - 20)
    END
$$;

-- ---- 3. least privilege ----
-- Roles are cluster-wide and many databases may share a server (the tests make one per class), so
-- they are created only when missing, and a concurrent creation by another database's migration is
-- not an error. They get no password here: a DBA sets them (ALTER ROLE ... PASSWORD) where the
-- server does not trust local connections.

DO $$
DECLARE
    role text;
BEGIN
    FOREACH role IN ARRAY ARRAY['jobfleet_owner', 'jobfleet_app'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I LOGIN', role);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL; -- another migration created it a moment ago
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'role % does not exist and % may not create it', role, current_user
                        USING HINT = 'create it once as a superuser: CREATE ROLE ' || role || ' LOGIN;'
                                     ' see docs/security.md';
            END;
        END IF;
    END LOOP;
END $$;

-- Everything in this schema belongs to jobfleet_owner, so that later migrations run as that role
-- whoever applied the earlier ones. Applied as jobfleet_owner (a database created with OWNER
-- jobfleet_owner), there is nothing to move. Flyway's own history table keeps its owner (Flyway
-- writes to it while this runs) and lets the owner role write to it instead.
DO $$
DECLARE
    schema_name text := current_schema();
    object record;
BEGIN
    IF current_user = 'jobfleet_owner' THEN
        RETURN;
    END IF;
    IF NOT pg_has_role(current_user, 'jobfleet_owner', 'MEMBER') THEN
        EXECUTE format('GRANT jobfleet_owner TO %I', current_user);
    END IF;
    FOR object IN
        SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = schema_name AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND pg_get_userbyid(c.relowner) = current_user
          AND c.relname <> '${flyway:table}'
          -- identity and serial sequences follow their table
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                                          AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format('ALTER TABLE %s OWNER TO jobfleet_owner', object.name);
    END LOOP;
    FOR object IN
        SELECT t.oid::regtype AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = schema_name AND t.typtype IN ('e', 'd', 'c', 'r') AND t.typrelid = 0
          AND pg_get_userbyid(t.typowner) = current_user
        UNION ALL
        SELECT t.oid::regtype FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'
        WHERE n.nspname = schema_name AND pg_get_userbyid(t.typowner) = current_user
    LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO jobfleet_owner', object.name);
    END LOOP;
    FOR object IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = schema_name AND p.prokind IN ('f', 'p') AND pg_get_userbyid(p.proowner) = current_user
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO jobfleet_owner', object.name);
    END LOOP;
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO jobfleet_owner', schema_name);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I.%I TO jobfleet_owner',
                   schema_name, '${flyway:table}');
END $$;

-- The apps: read and write rows, nothing else. No DDL (no CREATE on the schema, owning nothing),
-- no TRUNCATE; job_state_transition is read-only, history and handler logs insert-only (their
-- triggers refuse the rest too; deleting a job cascades to them as the tables' owner).
DO $$
DECLARE
    schema_name text := current_schema();
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO jobfleet_app, jobfleet_owner', current_database());
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO jobfleet_app', schema_name);
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', schema_name);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO jobfleet_app', schema_name);
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO jobfleet_app', schema_name);
    -- tables of later migrations, whether jobfleet_owner or (in tests and bin/fleet) a superuser applies them
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE jobfleet_owner IN SCHEMA %I'
                   ' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO jobfleet_app', schema_name);
    EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE jobfleet_owner IN SCHEMA %I'
                   ' GRANT USAGE, SELECT ON SEQUENCES TO jobfleet_app', schema_name);
    IF current_user <> 'jobfleet_owner' THEN
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I'
                       ' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO jobfleet_app', schema_name);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I'
                       ' GRANT USAGE, SELECT ON SEQUENCES TO jobfleet_app', schema_name);
    END IF;
    EXECUTE format('REVOKE ALL ON TABLE %I.%I FROM jobfleet_app', schema_name, '${flyway:table}');
END $$;

REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON job_state_transition FROM jobfleet_app;
REVOKE UPDATE, DELETE, TRUNCATE ON job_history, job_log FROM jobfleet_app;
