"""Backlinks from SEO tools' exports (Ahrefs, Semrush, Search Console, Majestic, Moz, any CSV).

:mod:`.readfile` reads a file into rows (encoding, delimiter, line numbers), :mod:`.formats` recognises
the tool by its header names and turns rows into :class:`assistant.models.Backlink` records (pure),
:mod:`assistant.store.backlinks` (``store`` here) keeps them in the workspace database and answers the engines' queries.
"""

from __future__ import annotations

from assistant.store import backlinks as store
from assistant.store.backlinks import (
    all_backlinks,
    backlinked_targets,
    backlinks_to,
    ensure_schema,
    referring_domains,
)

__all__ = ["all_backlinks", "backlinked_targets", "backlinks_to", "ensure_schema", "referring_domains", "store"]
