"""One reader per source format; each returns raw frames and raises InputError for bad files."""
