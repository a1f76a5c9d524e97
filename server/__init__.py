"""DKST Field server: the SYNC.md contract on FastAPI, SQLite by default and PostgreSQL at scale."""
