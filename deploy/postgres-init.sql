-- One database per service, each owned by its own role: a service cannot read
-- another service's data. The postgres image runs this once, on an empty data
-- directory (docker-compose.yml). Development passwords: production gets its
-- own roles and passwords (deploy/k8s/secret.yaml holds the URLs).
CREATE ROLE registry LOGIN PASSWORD 'registry';
CREATE DATABASE registry OWNER registry;

CREATE ROLE activities LOGIN PASSWORD 'activities';
CREATE DATABASE activities OWNER activities;

CREATE ROLE requests LOGIN PASSWORD 'requests';
CREATE DATABASE requests OWNER requests;

CREATE ROLE stats LOGIN PASSWORD 'stats';
CREATE DATABASE stats OWNER stats;

-- Only the owner connects to a service's database.
REVOKE CONNECT ON DATABASE registry, activities, requests, stats FROM PUBLIC;
