"""Backlinks from SEO tools' exports (Ahrefs, Semrush, Search Console, Majestic, Moz, any CSV).

:mod:`.readfile` reads a file into rows (encoding, delimiter, line numbers), :mod:`.formats` recognises
the tool by its header names and turns rows into :class:`assistant.models.Backlink` records (pure),
:mod:`.store` keeps them in the workspace database and answers the engines' queries.
"""

from __future__ import annotations

from assistant.backlinks.store import (
    all_backlinks,
    backlinked_targets,
    backlinks_to,
    ensure_schema,
    referring_domains,
)

__all__ = ["all_backlinks", "backlinked_targets", "backlinks_to", "ensure_schema", "referring_domains"]
