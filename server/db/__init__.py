"""Storage: tables, engine, transactions, migrations. Services take a connection as ``conn=``."""
