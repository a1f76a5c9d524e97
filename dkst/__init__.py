"""The `dkst` command line: one entry point over shared_schema, the server and the device core."""
