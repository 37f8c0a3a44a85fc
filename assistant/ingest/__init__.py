"""ingest: fetch (the only HTTP code) -> sources -> extract (pure) -> pipeline (incremental)."""
