-- One database per service: each service owns its data.
CREATE DATABASE registry OWNER qise;
CREATE DATABASE activities OWNER qise;
CREATE DATABASE requests OWNER qise;
CREATE DATABASE stats OWNER qise;
