-- Runs once, on the first start of the compose postgres volume: Metabase's own application database.
create database metabase;
