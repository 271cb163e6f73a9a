-- The database roles of Cloud Sync's two apps on Azure Database for PostgreSQL, run once after
-- `teamsapp provision` by the server's Microsoft Entra administrator, connected to the app database:
--
--   export PGPASSWORD="$(az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv)"
--   psql "host=<server>.postgres.database.azure.com dbname=cloudsync user=<administrator> sslmode=verify-full" \
--     -v server_role=<resourceBaseName>-server-identity -v worker_role=<resourceBaseName>-worker-identity \
--     -f infra/postgres-roles.sql
--
-- Each app signs in as the role of its own managed identity (pgaadauth maps it to the identity by its
-- display name) with an Entra token, never a password. Both act as one group role, cloudsync_app, so
-- that tables either app's migrations create have one owner: it may connect to this database and use
-- and create objects in its public schema, nothing else (no superuser, no CREATEDB, no CREATEROLE, no
-- other database).
\set ON_ERROR_STOP on

SELECT * FROM pgaadauth_create_principal(:'server_role', false, false);
SELECT * FROM pgaadauth_create_principal(:'worker_role', false, false);

CREATE ROLE cloudsync_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
GRANT CONNECT, TEMPORARY ON DATABASE :"DBNAME" TO cloudsync_app;
GRANT USAGE, CREATE ON SCHEMA public TO cloudsync_app;

GRANT cloudsync_app TO :"server_role", :"worker_role";
-- Every session of an app identity runs as cloudsync_app, so what it creates belongs to the group.
ALTER ROLE :"server_role" SET role = 'cloudsync_app';
ALTER ROLE :"worker_role" SET role = 'cloudsync_app';
