"""The store layer: every SQL statement of the server, one module per family of tables."""
