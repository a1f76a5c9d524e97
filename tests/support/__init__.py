"""Test support: real server processes and real PostgreSQL clusters, no mocks."""
