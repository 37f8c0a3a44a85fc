"""Search Console and analytics exports: real clicks, impressions, positions, views and search queries.

:mod:`.read` turns a file's bytes into tables (zip, API JSON, CSV with GA4's comment lines; encodings and
delimiters as :mod:`assistant.backlinks.readfile` reads them), :mod:`.layouts` recognises each table by its
header names (:mod:`assistant.columns`) and reads its rows, :mod:`.match` maps export URLs onto workspace pages,
:mod:`.model` holds the records and the derived views (striking distance). Everything here is pure;
:mod:`assistant.store.traffic` keeps the rows in the workspace and loads a :class:`Traffic` for the engines.
"""

from __future__ import annotations

from assistant.traffic.model import PageStats, QueryStats, Traffic, number, striking_distance

__all__ = ["PageStats", "QueryStats", "Traffic", "number", "striking_distance"]
