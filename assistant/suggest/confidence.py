"""How likely a suggested link is one the site's authors would make: a calibrated 0-1 confidence. Pure.

``confidence`` is a logistic model over signals of the (source, target) pair that mean the same whichever way the
engine was asked (``--to`` or ``--from``); only relevance is scaled over the query's candidates, so one link's
confidence may differ a little between the two:

* ``relevance`` — the topical relevance the ranking uses (0-1, scaled over the query's candidates);
* ``mention`` — the strongest unlinked mention of the target's phrases in the source (0-1);
* ``strength`` — the strength of the phrase that became the anchor (0 when the anchor is not a mention);
* ``fit`` — :func:`assistant.suggest.fit.anchor_fit`: the anchor phrase is a name of the target;
* ``chronology`` — 1 when the target was published before the source, 0 after, 0.5 unknown;
* ``neighbours`` — the two pages' shared content-link neighbours, ``aa / (1 + aa)`` of their Adamic-Adar sum.

Calibration: the coefficients are a logistic regression of "this suggestion restores a link the authors made" on
those signals, over every top-10 ``suggest --from`` suggestion of ``../shared/bench/linkpred.py``'s holed
go-blog, seeds 0, 1 and 2 (``python bench/anchors.py … --calibrate``, then ``--fit``): a confidence of 0.4 means
that about 4 in 10 such suggestions put back a link the authors had written. It was checked, not fitted, on
rust-blog (bench/anchors.py prints the reliability table). The hidden links are a fifth of the authors' links,
so a suggestion that restores none may still be a good link: the confidence is a lower bound of an editor's
acceptance rate, not an estimate of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

# phrase kinds that name the target outright: its title or an anchor other pages use for it
NAMING_KINDS = frozenset({"title", "anchor"})
COEF: dict[str, float] = {"relevance": 2.09, "mention": 3.39, "strength": 0.85, "fit": 0.17, "chronology": 2.38,
                          "neighbours": 3.48}
INTERCEPT = -7.11


def chronology(born: date | None, target_born: date | None) -> float:
    """1 when the target was published before (or with) the source, 0 after, 0.5 when a date is unknown."""
    return 0.5 if born is None or target_born is None else float(target_born <= born)


def pair_signals(relevance: float, mention: float, chron: float, adamic_adar: float) -> dict[str, float]:
    """The pair's signals known before the anchor is placed (``fit`` and ``strength`` are added with it)."""
    return {"relevance": relevance, "mention": mention, "chronology": chron,
            "neighbours": adamic_adar / (1.0 + adamic_adar)}


def confidence(signals: Mapping[str, float]) -> float:
    """0-1 from a suggestion's signals (the calibrated logistic model above)."""
    z = INTERCEPT + sum(c * signals.get(name, 0.0) for name, c in COEF.items())
    return 1.0 / (1.0 + math.exp(-z))
