"""A link suggestion as the engine returns it (:mod:`assistant.suggest.scoring`) and every surface shows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Suggestion:
    source_url: str
    target_url: str
    anchor: str
    sentence: str
    score: float
    reasons: list[str] = field(default_factory=list)
    pagerank_gain: float = 0.0
    mentioned: bool = False          # the anchor is the target's own phrase, written unlinked in the source
    anchor_fit: float = 0.0          # 0-1: the anchor phrase names the target (assistant.suggest.fit)
    named: bool = False              # the anchor names the target, as a task's must (fit.names_whole)
    confidence: float = 0.0          # 0-1: how often such a link is one the site's authors made (confidence.py)
    signals: dict[str, float] = field(default_factory=dict, repr=False)   # what the confidence is worked out from

    def as_dict(self) -> dict[str, Any]:
        return {"source_url": self.source_url, "target_url": self.target_url, "anchor": self.anchor,
                "sentence": self.sentence, "score": round(self.score, 4), "reasons": self.reasons,
                "pagerank_gain": self.pagerank_gain, "mentioned": self.mentioned,
                "anchor_fit": round(self.anchor_fit, 3), "named": self.named, "confidence": round(self.confidence, 3)}

    def actionable(self, min_confidence: float) -> bool:
        """Worth a task: at or above ``min_confidence``, and its anchor names the target (:func:`names_target`)."""
        return self.confidence >= min_confidence and names_target(self.named, min_confidence)


def names_target(named: bool, min_confidence: float) -> bool:
    """Does a suggestion's anchor name its target, as a task's must (``named``: an unlinked mention of the target's
    phrase, or words that all name the target; one word only when it is the title's one word:
    :func:`~assistant.suggest.fit.names_whole`)? A passage on the target's topic with an anchor that names something
    else ("dto object" for an article on naming by role) restores an author's link 0.18 of the time at confidence
    ≥ 0.3, a mention 0.51 (bench/anchors.py, seven corpora); an anchor whose head noun names the target but whose
    modifier does not ("return type" for "Visitor as a sum type") 0.34, against 0.56 for the rest (the 912-page
    blog). ``min_confidence`` 0 keeps every suggestion the engine has (plan and ``suggest --all``)."""
    return min_confidence <= 0 or named
