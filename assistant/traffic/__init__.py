"""Search Console and analytics exports: real clicks, impressions, positions, views and search queries.

:mod:`.read` turns a file's bytes into tables (zip, API JSON, CSV with GA4's comment lines; encodings and
delimiters as :mod:`assistant.backlinks.readfile` reads them), :mod:`.layouts` recognises each table by its
header names (:mod:`assistant.columns`) and reads its rows. Everything here is pure. The records, the derived
views (striking distance) and the matcher of export URLs onto workspace pages are in :mod:`assistant.trafficdata`
(:mod:`.model` and :mod:`.match` name them here), below :mod:`assistant.store.traffic`, which keeps the rows in
the workspace and loads a :class:`Traffic` for the engines.
"""

from __future__ import annotations

from assistant.trafficdata import PageStats, QueryStats, Traffic, number, striking_distance

__all__ = ["PageStats", "QueryStats", "Traffic", "number", "striking_distance"]
