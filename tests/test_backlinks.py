"""Backlink import: every export layout, encodings and separators, errors, warnings, idempotent re-import."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.backlinks import formats, readfile, store
from assistant.cli import backlinks as backlinks_cli
from assistant.cli.app import app
from assistant.models import Backlink
from assistant.store.db import Database
from tests.conftest import cli, cli_json, db_rows

SITE = ("http://site.test/", "http://site.test/blog/x/", "http://site.test/blog/y/")
AHREFS_HEAD = ["Referring page title", "Referring page URL", "Domain rating", "UR", "Target URL", "Anchor",
               "Left context", "Right context", "Type", "Nofollow", "UGC", "Sponsored", "First seen", "Last seen",
               "Lost"]


@pytest.fixture(autouse=True, scope="module")
def _registered() -> Iterator[None]:
    """Until app.py registers the sub-app, add it to the real CLI for these tests only."""
    if any(g.name == "backlinks" for g in app.registered_groups):
        yield
        return
    app.add_typer(backlinks_cli.app, name="backlinks")
    info = app.registered_groups[-1]
    yield
    app.registered_groups.remove(info)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace holding three page rows (no crawl needed)."""
    workspace = tmp_path / "ws"
    db = Database(workspace / "assistant.db")
    for url in SITE:
        db.page_id(url)
    db.close()
    return workspace


def write(path: Path, rows: list[list[str]], sep: str = ",", encoding: str = "utf-8", bom: bytes = b"") -> Path:
    def cell(v: str) -> str:
        return f'"{v}"' if sep in v or '"' in v else v

    text = "".join(sep.join(cell(v) for v in row) + "\r\n" for row in rows)
    path.write_bytes(bom + text.encode(encoding))
    return path


def imp(ws: Path, file: Path, *extra: str) -> dict[str, Any]:
    result: dict[str, Any] = cli_json("--workspace", str(ws), "backlinks", "import", str(file), *extra)
    return result


def links(ws: Path) -> list[Backlink]:
    db = Database(ws / "assistant.db")
    try:
        return store.all_backlinks(db)
    finally:
        db.close()


def fail(ws: Path, file: Path, *extra: str, named: bool = True) -> str:
    """Exit 2 with one line on stderr (naming the file), no traceback."""
    result = cli("--workspace", str(ws), "backlinks", "import", str(file), *extra)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: {file}: " if named else "error: "), result.stderr
    return str(result.stderr)


def ahrefs_rows() -> list[list[str]]:
    return [AHREFS_HEAD,
            ["A post", "https://blog.example/a", "71", "23", "https://www.site.test/blog/x", "great guide",
             "see this", "for more", "text", "FALSE", "FALSE", "FALSE", "2026-09-01 10:00:00", "2026-09-28 08:30:00",
             ""],
            ["Forum", "https://forum.example/t/9", "40", "5.5", "http://site.test/blog/y/", "here", "", "", "text",
             "true", "true", "false", "2026-08-01", "2026-09-02", "2026-09-20"],
            ["Img", "https://img.example/g", "12", "1", "https://site.test/", "", "", "", "image", "TRUE",
             "FALSE", "TRUE", "Sep 15, 2026", "2026-09-28", "false"]]


# ---------------------------------------------------------------------------------------------- layouts
def test_ahrefs_utf16le_bom_tab_separated(ws: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "ahrefs.csv", ahrefs_rows(), sep="\t", encoding="utf-16-le", bom=codecs.BOM_UTF16_LE)
    s = imp(ws, f)
    assert (s["format"], s["encoding"], s["delimiter"]) == ("ahrefs", "utf-16-le", "\t")
    assert (s["rows"], s["new"], s["updated"], s["skipped"], s["targets_not_found"]) == (3, 3, 0, 0, [])
    by_source = {b.source_url: b for b in links(ws)}
    a = by_source["https://blog.example/a"]
    assert a.target_url == "http://site.test/blog/x/"          # scheme, www. and slash matched to the page
    assert (a.anchor, a.source_title, a.left_context, a.right_context) == ("great guide", "A post", "see this",
                                                                          "for more")
    assert a.metrics == {"domain_rating": 71.0, "url_rating": 23.0}
    assert (a.first_seen, a.last_seen, a.nofollow, a.lost, a.link_type) == ("2026-09-01", "2026-09-28", False,
                                                                            False, "text")
    forum = by_source["https://forum.example/t/9"]
    assert (forum.nofollow, forum.ugc, forum.sponsored, forum.lost) == (True, True, False, True)
    img = by_source["https://img.example/g"]
    assert (img.link_type, img.sponsored, img.first_seen, img.source_domain) == ("image", True, "2026-09-15",
                                                                                 "img.example")
    assert img.source_format == "ahrefs" and img.line == 4


def test_semrush(ws: Path, tmp_path: Path) -> None:
    head = ["Page ascore", "Source title", "Source url", "Target url", "Anchor", "External links", "Internal links",
            "Nofollow", "Sponsored", "Ugc", "Text", "Frame", "Form", "Image", "Sitewide", "First seen",
            "Last seen", "New link", "Lost link"]
    f = write(tmp_path / "semrush.csv", [
        head,
        ["34", "Roundup", "https://news.example/roundup", "http://site.test/blog/x/", "x post", "120", "40",
         "false", "false", "false", "true", "false", "false", "false", "true", "2026-07-01", "2026-09-28", "false",
         "false"],
        ["8", "Gallery", "https://pics.example/", "http://site.test/blog/y/", "", "3", "1", "true", "false",
         "false", "false", "false", "false", "true", "false", "1785196800", "Sep 15, 2026", "true", "true"]])
    s = imp(ws, f)
    assert (s["format"], s["new"], s["skipped"]) == ("semrush", 2, 0)
    roundup, pics = sorted(links(ws), key=lambda b: b.source_url)
    assert roundup.metrics == {"page_ascore": 34.0, "external_links": 120.0, "internal_links": 40.0}
    assert (roundup.link_type, roundup.sitewide, roundup.source_title) == ("text", True, "Roundup")
    assert (pics.link_type, pics.nofollow, pics.lost) == ("image", True, True)
    assert (pics.first_seen, pics.last_seen) == ("2026-07-28", "2026-09-15")   # a Unix time and a US date


def test_search_console_three_layouts(ws: Path, tmp_path: Path) -> None:
    pages = write(tmp_path / "Top linked pages.csv", [
        ["Target page", "Incoming links", "Linking sites"],
        ["https://site.test/blog/x/", "1,234", "7"], ["http://site.test/", "12", "2"],
        ["http://site.test/old/", "3", "1"]])
    sites = write(tmp_path / "Top linking sites.csv", [
        ["Site", "Linking pages", "Target pages"], ["blog.example", "40", "3"], ["www.forum.example", "2", "1"]])
    latest = write(tmp_path / "Latest links.csv", [
        ["Linking page", "Last crawled"], ["https://blog.example/a", "2026-09-28"],
        ["https://blog.example/b", "Sep 15, 2026"], ["https://other.example/z", "Aug 2, 2026"]])
    p = imp(ws, pages)
    assert (p["format"], p["new"], p["targets_not_found"]) == ("gsc-top-pages", 3, ["http://site.test/old/"])
    t = imp(ws, sites)
    assert (t["format"], t["new"]) == ("gsc-top-sites", 2)
    n = imp(ws, latest)
    assert (n["format"], n["new"], n["skipped"], n["warnings"]) == ("gsc-links", 3, 0, [])
    got = {b.source_url: b for b in links(ws)}
    assert got["https://blog.example/b"].target_url is None
    assert [got[u].last_seen for u in sorted(got)] == ["2026-09-28", "2026-09-15", "2026-08-02"]
    db = Database(ws / "assistant.db")
    try:
        assert store.referring_domains(db) == {"http://site.test/blog/x/": 7, "http://site.test/": 2,
                                               "http://site.test/old/": 1}
        assert store.backlinked_targets(db) == set(store.referring_domains(db))
        assert [(s.site, s.linking_pages, s.target_pages) for s in store.top_linking_sites(db)] == [
            ("blog.example", 40, 3), ("forum.example", 2, 1)]
        assert store.top_linked_pages(db)[0].incoming_links == 1234
    finally:
        db.close()


@pytest.mark.parametrize("head", [
    ["Target URL", "Source URL", "Anchor Text", "Source Crawl Date", "Source First Found Date", "Flag NoFollow",
     "Flag Image Link", "Source Citation Flow", "Source Trust Flow"],
    ["TargetURL", "SourceURL", "AnchorText", "LastSeenDate", "FirstIndexedDate", "FlagNoFollow", "FlagImageLink",
     "SourceCitationFlow", "SourceTrustFlow"],
])
def test_majestic_both_header_styles(ws: Path, tmp_path: Path, head: list[str]) -> None:
    f = write(tmp_path / "majestic.csv", [
        head, ["http://site.test/blog/x/", "http://majestic-fan.example/p", "deep dive", "2026-09-20", "2026-01-05",
               "+", "-", "31", "18"]])
    s = imp(ws, f)
    assert (s["format"], s["new"]) == ("majestic", 1)
    (b,) = links(ws)
    assert b.metrics == {"trust_flow": 18.0, "citation_flow": 31.0}
    assert (b.nofollow, b.anchor, b.first_seen, b.last_seen) == (True, "deep dive", "2026-01-05", "2026-09-20")


@pytest.mark.parametrize("head", [
    ["Source URL", "Target URL", "Anchor Text", "Domain Authority", "Spam Score"],
    ["URL", "Target URL", "Anchor Text", "Domain Authority", "Spam Score"],
    ["URL", "Anchor Text", "Target URL"],
])
def test_moz_variants(ws: Path, tmp_path: Path, head: list[str]) -> None:
    values = {"Source URL": "moz-user.example/post", "URL": "moz-user.example/post", "Target URL": "site.test/blog/y/",
              "Anchor Text": "why y", "Domain Authority": "45", "Spam Score": "2%"}
    f = write(tmp_path / "moz.csv", [head, [values[h] for h in head]])
    s = imp(ws, f)
    assert (s["format"], s["new"], s["targets_not_found"]) == ("moz", 1, [])
    (b,) = links(ws)
    assert (b.source_url, b.target_url, b.anchor) == ("http://moz-user.example/post", "http://site.test/blog/y/",
                                                      "why y")
    assert b.metrics == ({"domain_authority": 45.0, "spam_score": 2.0} if "Spam Score" in head else {})


def test_utf8_bom_semicolon_generic_csv(ws: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "export.csv", [
        ["\"Source URL\"", " Target URL ", "Anchor", "First seen", "domain_rating"],
        ["https://a.example/1", "/blog/x/", "x", "15/09/2026", "12,5"],
        ["https://a.example/2", "/blog/y/", "y", "03/04/2026", "7"]], sep=";", bom=codecs.BOM_UTF8)
    s = imp(ws, f)
    assert (s["format"], s["encoding"], s["delimiter"], s["new"]) == ("csv", "utf-8-sig", ";", 2)
    one, two = links(ws)
    assert (one.target_url, one.first_seen, one.metrics) == ("http://site.test/blog/x/", "2026-09-15",
                                                             {"domain_rating": 12.5})
    assert two.first_seen == "2026-04-03"      # day-first: another date in the file has a day above 12


def test_map_option(ws: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "custom.tsv", [
        ["From page", "To page", "Link text", "Rating", "Follow?"],
        ["https://x.example/a", "http://site.test/blog/x/", "read x", "55", "no"],
        ["https://x.example/b", "https://www.site.test/blog/y", "read y", "", "yes"]], sep="\t")
    fail(ws, f)                                # nothing to recognise without --map
    s = imp(ws, f, "--map", "source_url=From page,target_url=To page,anchor=Link text,domain_rating=Rating,"
                            "nofollow=Follow?")
    assert (s["format"], s["label"], s["new"], s["skipped"]) == ("csv", "mapped CSV", 2, 0)
    a, b = links(ws)
    assert (a.anchor, a.metrics, a.nofollow) == ("read x", {"domain_rating": 55.0}, False)
    assert (b.target_url, b.metrics, b.nofollow) == ("http://site.test/blog/y/", {}, True)
    err = fail(ws, f, "--map", "source_url=From page,target_url=Nowhere")
    assert "'Nowhere'" not in err and "Nowhere" in err and "From page" in err
    assert "fields are" in fail(ws, f, "--map", "sauce_url=From page")
    assert "cannot be combined" in fail(ws, f, "--map", "source_url=From page", "--source", "moz", named=False)


# ---------------------------------------------------------------------------------------------- errors
def test_unmatched_file_error(ws: Path, tmp_path: Path) -> None:
    err = fail(ws, write(tmp_path / "people.csv", [["name", "email"], ["Ann", "ann@example.com"]]))
    assert "people.csv" in err and "no known backlink export layout" in err and "'name', 'email'" in err
    assert "closest is generic CSV, which needs the missing column(s) source_url, target_url" in err
    assert "--map source_url=COL" in err


def test_missing_column_error(ws: Path, tmp_path: Path) -> None:
    head = [h for h in AHREFS_HEAD if h != "Target URL"]
    f = write(tmp_path / "ahrefs-cut.csv", [head, ["t", "https://a.example/", "1", "2", "x"] + [""] * 9])
    err = fail(ws, f)
    assert "looks like an Ahrefs backlinks export but lacks the required column(s) Target URL;" in err
    assert "'Referring page URL'" in err
    err = fail(ws, write(tmp_path / "ahrefs.csv", ahrefs_rows()), "--source", "semrush")
    assert "not a Semrush backlinks export: missing column(s) Source url;" in err
    assert links(ws) == []                     # nothing written, not even the tables' rows


def test_empty_and_missing_files(ws: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"\xef\xbb\xbf\r\n\r\n")
    assert "the file is empty" in fail(ws, tmp_path / "empty.csv")
    assert "no such file" in fail(ws, tmp_path / "nope.csv")


def test_bad_rows_warn_with_line_numbers(ws: Path, tmp_path: Path) -> None:
    rows = ahrefs_rows()
    rows[2][1] = "not a url"                   # line 3: invalid source
    rows.insert(3, ["short", "row"])          # line 4: wrong column count
    rows[1][12] = "someday"                    # line 2: unreadable date -> warning, row kept
    rows.append(["", "", "1", "1", "http://site.test/", "a"] + [""] * 9)   # line 6: no source URL
    s = imp(ws, write(tmp_path / "bad.csv", rows))
    assert (s["rows"], s["new"], s["skipped"]) == (5, 2, 3)
    w = s["warnings"]
    assert "line 2: First seen 'someday' is not a date; left empty" in w
    assert "line 3: invalid source URL 'not a url'; row skipped" in w
    assert "line 4: 2 columns where the header has 15; row skipped" in w
    assert "line 6: no source URL; row skipped" in w
    assert {b.source_url: b.first_seen for b in links(ws)}["https://blog.example/a"] is None
    text = cli("--workspace", str(ws), "backlinks", "import", str(tmp_path / "bad.csv")).stdout
    assert "skipped" in text and "line 3: invalid source URL" in text


def test_reimport_is_idempotent_and_updates(ws: Path, tmp_path: Path) -> None:
    f = write(tmp_path / "ahrefs.csv", ahrefs_rows())
    first = imp(ws, f)
    again = imp(ws, f)
    assert (first["new"], again["new"], again["updated"], again["unchanged"]) == (3, 0, 0, 3)
    assert again["previous_import"]["id"] == first["import_id"]
    assert len(links(ws)) == 3
    assert [r["rows"] for r in db_rows(ws, "SELECT rows FROM backlink_imports")] == [3, 3]
    assert len({r[0] for r in db_rows(ws, "SELECT sha256 FROM backlink_imports")}) == 1
    # the same link reported by another tool, later: metrics merged, last_seen moved, nothing doubled
    semrush = write(tmp_path / "semrush.csv", [
        ["Page ascore", "Source url", "Target url", "Anchor", "Nofollow", "Last seen"],
        ["29", "https://blog.example/a", "http://site.test/blog/x/", "great guide", "false", "2026-10-01"],
        ["29", "https://blog.example/a", "http://site.test/blog/x/", "great guide", "false", "2026-10-01"]])
    s = imp(ws, semrush)
    assert (s["new"], s["updated"], s["duplicates"]) == (0, 1, 1)
    a = {b.source_url: b for b in links(ws)}["https://blog.example/a"]
    assert a.metrics == {"domain_rating": 71.0, "url_rating": 23.0, "page_ascore": 29.0}
    assert (a.first_seen, a.last_seen, a.left_context, a.source_format) == ("2026-09-01", "2026-10-01",
                                                                            "see this", "semrush")
    assert len(links(ws)) == 3


def test_failed_write_leaves_nothing(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    imp(ws, write(tmp_path / "one.csv", ahrefs_rows()[:2]))
    table = readfile.parse_table((tmp_path / "one.csv").read_text())
    table.rows.extend(readfile.parse_table("\n".join(",".join(r) for r in ahrefs_rows())).rows[1:])
    parsed = formats.parse(table, formats.AHREFS)
    calls = iter(range(100))

    def explode(b: Backlink) -> tuple[Any, ...]:
        if next(calls) == 1:
            raise RuntimeError("disk full")
        return original(b)

    original = store._values
    monkeypatch.setattr(store, "_values", explode)
    db = Database(ws / "assistant.db")
    try:
        with pytest.raises(RuntimeError):
            store.import_parsed(db, parsed, file="x.csv", sha256="0")
    finally:
        db.close()
    assert len(links(ws)) == 1 and len(db_rows(ws, "SELECT * FROM backlink_imports")) == 1


def test_busy_workspace_is_refused(ws: Path, tmp_path: Path) -> None:
    from assistant.store.lock import WorkspaceLock

    f = write(tmp_path / "ahrefs.csv", ahrefs_rows())
    with WorkspaceLock(ws, "ingest"):
        assert "is busy" in fail(ws, f, named=False)
    assert imp(ws, f)["new"] == 3


# ---------------------------------------------------------------------------------------------- listing
def test_listing(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")          # rich folds table cells on a narrow terminal
    imp(ws, write(tmp_path / "ahrefs.csv", ahrefs_rows()))
    to_x = cli_json("--workspace", str(ws), "backlinks", "--to", "/blog/x")
    assert [(r["source_url"], r["anchor"], r["source_domain"], r["metrics"]["domain_rating"]) for r in to_x] == [
        ("https://blog.example/a", "great guide", "blog.example", 71.0)]
    everything = cli_json("--workspace", str(ws), "backlinks", "--limit", "2")
    assert len(everything) == 2
    table = cli("--workspace", str(ws), "backlinks", "--to", "http://site.test/blog/y/")
    assert table.exit_code == 0 and "forum.example" in table.stdout and "nofollow ugc" in table.stdout
    bad = cli("--workspace", str(ws), "backlinks", "--to", "/nope/")
    assert bad.exit_code == 2 and "not a page of this workspace" in bad.stderr
    assert "import" in cli("backlinks", "--help").stdout


def test_listing_targets_outside_the_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "empty-ws"
    f = write(tmp_path / "m.csv", [["SourceURL", "TargetURL", "AnchorText"],
                                   ["http://a.example/", "http://site.test/old/", "old"]])
    s = imp(ws, f)
    assert s["targets_not_found"] == ["http://site.test/old/"] and "no pages yet" in s["warnings"][0]
    rows = cli_json("--workspace", str(ws), "backlinks", "--to", "http://site.test/old")
    assert [r["anchor"] for r in rows] == ["old"]


def test_workspace_from_ingested_folder(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    (folder / "blog" / "x").mkdir(parents=True)
    (folder / "index.html").write_text("<html><head><title>Home</title></head><body><main><p>Welcome home, "
                                       "read <a href='/blog/x/'>the x post</a>.</p></main></body></html>")
    (folder / "blog" / "x" / "index.html").write_text("<html><head><title>X</title></head><body><main><p>All "
                                                      "about x.</p></main></body></html>")
    ws = tmp_path / "ws"
    ingest = cli("--workspace", str(ws), "ingest", str(folder), "--base-url", "https://www.site.test/", "--no-embed")
    assert ingest.exit_code == 0, ingest.output
    s = imp(ws, write(tmp_path / "gsc.csv", [["Target page", "Incoming links", "Linking sites"],
                                             ["/blog/x", "4", "2"], ["http://site.test/gone/", "1", "1"]]))
    assert s["targets_not_found"] == ["http://site.test/gone/"]
    db = Database(ws / "assistant.db")
    try:
        assert store.referring_domains(db) == {"https://www.site.test/blog/x/": 2, "http://site.test/gone/": 1}
    finally:
        db.close()


# ---------------------------------------------------------------------------------------------- pure parts
@pytest.mark.parametrize(("text", "iso"), [
    ("2026-09-28", "2026-09-28"), ("2026-09-28 10:00:00", "2026-09-28"), ("2026-09-28T10:00:00Z", "2026-09-28"),
    ("Sep 15, 2026", "2026-09-15"), ("September 5, 2026", "2026-09-05"), ("15 Sep 2026", "2026-09-15"),
    ("15/09/2026", "2026-09-15"), ("09/15/2026", "2026-09-15"), ("28.09.2026", "2026-09-28"),
    ("2026/09/28", "2026-09-28"), ("", None), ("-", None),
])
def test_dates(text: str, iso: str | None) -> None:
    assert readfile.parse_date(text) == iso


def test_ambiguous_and_bad_dates() -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        readfile.parse_date("03/04/2026")
    assert readfile.parse_date("03/04/2026", "mdy") == "2026-03-04"
    assert readfile.slash_order(["03/04/2026", "04/30/2026"]) == "mdy"
    assert readfile.slash_order(["13/04/2026", "04/30/2026"]) is None
    with pytest.raises(ValueError, match="month"):
        readfile.parse_date("2026-13-45")


def test_decoding_and_sniffing() -> None:
    text = "Linking page\tLast crawled\r\nhttps://a.example/\t2026-09-28\r\n"
    assert readfile.decode(text.encode("utf-16-le"))[:2] == (text, "utf-16-le")     # no BOM, clearly UTF-16
    assert readfile.decode(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))[:2] == (text, "utf-16-be")
    assert readfile.decode("Anchor,é".encode("cp1252"))[1] == "cp1252"
    assert readfile.sniff_delimiter('"a;b",c,d') == ","
    assert readfile.sniff_delimiter("a;b;c") == ";"
    table = readfile.parse_table('sep=;\na;b\n1;"two\nlines"\n\n3;4\n')
    assert table.header == ["a", "b"] and [(r.line, r.end) for r in table.rows] == [(3, 4), (6, 6)]
    assert [readfile.parse_number(v) for v in ("1,234", "12,5", "7%", "", "3.5")] == [1234, 12.5, 7, None, 3.5]


def test_detection_is_unambiguous() -> None:
    assert formats.detect(["Source URL", "Target URL", "Anchor Text"]).name == "csv"
    assert formats.detect(["source_url", "target_url"]).name == "csv"
    assert formats.detect(["Page ascore", "Source url", "Target url", "Anchor"]).name == "semrush"
    with pytest.raises(formats.FormatError, match=r"looks like a Semrush backlinks export but lacks .* Target url"):
        formats.detect(["Page ascore", "Source url", "Anchor"])    # not silently a generic CSV without target
    assert formats.detect(["Site", "Linking pages", "Target pages"], "gsc").name == "gsc-top-sites"
    with pytest.raises(formats.FormatError, match="not a Search Console"):
        formats.detect(["Source URL", "Target URL"], "gsc")
    assert json.dumps(formats.SOURCES) == json.dumps([s.value for s in backlinks_cli.Source])
