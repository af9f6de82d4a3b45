"""The embedded cloud (`nubes up`): every nubes service in one process on
SQLite files and the in-process message bus."""
