"""The device's SQLite file and every SQL statement of ``mobile.core``, by table family.

- :mod:`~mobile.core.store.db`: the connection, transactions, key-value state and settings;
- :mod:`~mobile.core.store.migrations`: the schema, as ordered migrations;
- :mod:`~mobile.core.store.records`: records and their search index;
- :mod:`~mobile.core.store.outbox`: unsent changes and the server's answers;
- :mod:`~mobile.core.store.conflicts`: fields that met another device's value, and the officer's
  choice;
- :mod:`~mobile.core.store.files`: evidence files and their upload progress;
- :mod:`~mobile.core.store.reference`: cached forms and units.

Functions take the :class:`Store` first and run inside the caller's transaction.
"""

from mobile.core.store.db import Store, StoreError

__all__ = ["Store", "StoreError"]
