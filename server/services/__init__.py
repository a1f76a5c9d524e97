"""Service layer: the logic behind routes and CLI commands. Functions take ``conn=`` and settings."""
