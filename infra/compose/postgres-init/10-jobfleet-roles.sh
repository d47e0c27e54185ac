#!/bin/sh
# Runs once, when the PostgreSQL container starts on an empty data directory: the database
# "jobfleet" and its two roles.
#   jobfleet_owner  owns the database and the schema; Flyway migrates as it (SPRING_FLYWAY_USER)
#   jobfleet_app    what the apps connect as (SPRING_DATASOURCE_USERNAME); the migrations grant it
#                   the DML it needs and nothing else
# The same statements for a server you run yourself are in infra/k8s/README.md ("Database roles").
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v owner_password="$JOBFLEET_OWNER_PASSWORD" \
    -v app_password="$JOBFLEET_APP_PASSWORD" <<'SQL'
CREATE ROLE jobfleet_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE jobfleet_app LOGIN PASSWORD :'app_password';
CREATE DATABASE jobfleet OWNER jobfleet_owner;
REVOKE ALL ON DATABASE jobfleet FROM PUBLIC;
GRANT CONNECT ON DATABASE jobfleet TO jobfleet_app;
\connect jobfleet
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO jobfleet_app;
SQL
