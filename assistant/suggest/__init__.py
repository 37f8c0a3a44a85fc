"""Internal-link suggestions (`assistant suggest`): which pages should link where, with anchor and sentence.

:mod:`.load` reads the workspace (the only I/O), :mod:`.candidates` knows who may link to whom and the
phrases that name a page, :mod:`.anchors` picks the anchor and sentence, :mod:`.scoring` ranks.
Deterministic: no LLM, no randomness.
"""

from __future__ import annotations

from assistant.suggest.load import SiteData, important_pages, load_site
from assistant.suggest.model import Suggestion
from assistant.suggest.scoring import Engine, suggest_all

__all__ = ["Engine", "SiteData", "Suggestion", "important_pages", "load_site", "suggest_all"]
