"""store: the workspace's SQLite database, the embedder and the Chroma vectors."""
