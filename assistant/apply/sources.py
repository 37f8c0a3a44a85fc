"""Which source file makes which page, and how a file's links name pages. Pure apart from reading the folder.

Every Markdown or HTML file under the source folder gets the URL paths it can render to, strongest first:

1. ``--map 'URL_PATTERN=FILE_PATTERN'`` (``{name}`` matches one path segment: ``/blog/{slug}/=posts/{slug}.md``);
2. its front matter: ``permalink`` (Jekyll/Eleventy, ``:year``-style placeholders expanded), ``url`` (Hugo),
   ``path`` (Zola), a ``slug`` starting with ``/`` (Docusaurus);
3. conventions: Jekyll ``_posts/YYYY-MM-DD-title.ext`` (``/:categories/:year/:month/:day/:title/``, or the
   ``permalink`` of ``_config.yml``), a Zola/Hugo date prefix dropped, ``slug`` replacing the file name;
4. its path under the content folder (``content/`` when there is one): ``a/b.md`` and ``a/b/index.md`` are
   ``/a/b/``, ``a/b.html`` is ``/a/b.html``, ``_index.md``/``index.*``/``README.md`` are their folder;
5. ``aliases``.

Paths compare without a trailing slash, ``index.html`` or ``.html``, percent-escapes decoded; a path two files
claim at the same strength is ambiguous.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from assistant.apply.frontmatter import list_of, split, text_of
from assistant.apply.locate import MARKDOWN_SUFFIXES

SUFFIXES = (*MARKDOWN_SUFFIXES, ".html", ".htm")
SKIP_DIRS = frozenset({"node_modules", "_site", "vendor", "_layouts", "_includes", "_data", "_sass"})
POST_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
DATED = re.compile(r"^\d{4}-\d{2}-\d{2}[-_](.+)$")
DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
JEKYLL_STYLES = {"date": "/:categories/:year/:month/:day/:title:output_ext",
                 "pretty": "/:categories/:year/:month/:day/:title/",
                 "ordinal": "/:categories/:year/:y_day/:title:output_ext", "none": "/:categories/:title:output_ext"}
ABSOLUTE = re.compile(r"https?://([A-Za-z0-9.:-]+)(/[^\s)\"'<>#?\]]*)")
HREFS = re.compile(r"""\]\(\s*<?([^)\s>]+|\{\{[<%][^)]*?[>%]\}\})|\bhref\s*=\s*["']([^"']+)["']""")
REF_SHORTCODE = re.compile(r"""\{\{[<%]\s*(?:rel)?ref\s+"?([^"\s>%]+)"?\s*[>%]\}\}""")


def key_of(path: str) -> str:
    """A URL path as compared: decoded, no trailing slash, ``index.html``, ``.html`` or ``.md``."""
    path = unquote(path.split("#")[0].split("?")[0])
    path = "/" + path.strip("/")
    path = re.sub(r"(/index)?\.(html?|md|markdown)$", "", path)
    return path.rstrip("/") or "/"


def jekyll_slug(name: str) -> str:
    """Jekyll's ``:title`` ("pretty" slugify, case kept)."""
    return re.sub(r"[^0-9A-Za-z._~!$&'()+,;=@]+", "-", name).strip("-")


@dataclass
class SourceFile:
    path: Path
    rel: str                                          # relative to the source folder, POSIX
    content_rel: str                                  # relative to the content folder
    meta: dict[str, Any] = field(default_factory=dict)
    keys: list[tuple[int, str]] = field(default_factory=list)     # (strength, path key)

    @property
    def page(self) -> str:
        """The path the file renders to (its strongest)."""
        return min(self.keys)[1] if self.keys else ""


@dataclass
class Lookup:
    file: SourceFile | None
    reason: str = ""                                  # why None: unknown | ambiguous (...)


class SourceMap:
    def __init__(self, root: Path, maps: list[str] | None = None) -> None:
        self.root = root
        self.content = root / "content" if (root / "content").is_dir() and not (root / "_posts").is_dir() else root
        self.maps = [parse_map(m) for m in maps or []]
        self.files: list[SourceFile] = []
        self.by_key: dict[str, list[tuple[int, SourceFile]]] = {}
        self.by_rel: dict[str, SourceFile] = {}
        self.jekyll_permalink = jekyll_config(root)
        self.hugo_permalinks = hugo_config(root)
        self.absolute: list[tuple[str, str]] = []
        self.hrefs: list[str] = []                    # every link target written in the sources (raw)
        self.default_form: str | None = None          # see assistant.apply.links.site_form
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if not path.name.lower().endswith(SUFFIXES) or not path.is_file() or any(
                    part.startswith(".") or part in SKIP_DIRS for part in rel.parts[:-1]):
                continue
            self.add(path)
        self.hosts = self.own_hosts()

    def add(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        meta, _ = split(text)
        self.absolute.extend(ABSOLUTE.findall(text))
        self.hrefs.extend(a or b for a, b in HREFS.findall(text))
        content_rel = path.relative_to(self.content).as_posix() if path.is_relative_to(self.content) else ""
        f = SourceFile(path, path.relative_to(self.root).as_posix(), content_rel, meta)
        f.keys = sorted({(s, key_of(k)) for s, k in self.urls(f) if k})
        self.files.append(f)
        self.by_rel[f.rel] = f
        if content_rel:
            self.by_rel.setdefault(content_rel, f)
        for strength, key in f.keys:
            self.by_key.setdefault(key, []).append((strength, f))

    def urls(self, f: SourceFile) -> list[tuple[int, str]]:
        meta = f.meta
        out: list[tuple[int, str]] = []
        name = f.path.name
        stem = name.rsplit(".", 1)[0]
        post = POST_NAME.match(stem) if "_posts" in f.path.parts else None
        for key in ("permalink", "url", "path"):
            value = text_of(meta.get(key)).strip()
            if value:
                out.append((2, self.expand(value, f, post) if ":" in value else value))
        slug = text_of(meta.get("slug")).strip()
        if slug.startswith("/"):
            out.append((2, slug))
        section = f.content_rel.split("/")[0] if "/" in f.content_rel else ""
        if section in self.hugo_permalinks and stem.lower() != "_index":
            out.append((2, self.expand(self.hugo_permalinks[section], f, None, hugo=True)))
        if post:
            dates = {post.groups()[:3]}
            if (written := DATE.match(text_of(meta.get("date")))) is not None:
                dates.add(written.groups())
            for when in sorted(dates):
                for cats in (True, False):
                    out.append((3, self.expand(self.jekyll_permalink, f, post, when, cats)))
        rel = f.content_rel or f.rel
        parent, _, _ = rel.rpartition("/")
        folder = f"/{parent}/" if parent else "/"
        if stem.lower() in ("index", "_index", "readme"):
            out.append((4, folder))
        else:
            base = DATED.match(stem)
            last = slug if slug and not slug.startswith("/") else base.group(1) if base else stem
            out.append((4 if not post else 5, f"{folder}{last}/" if name.lower().endswith(MARKDOWN_SUFFIXES)
                        else f"{folder}{name}"))
            if slug or base:
                out.append((4, f"{folder}{stem}/"))
        out.extend((5, a) for a in list_of(meta.get("aliases")))
        return out

    def expand(self, pattern: str, f: SourceFile, post: re.Match[str] | None,
               when: tuple[str, ...] | None = None, categories: bool = True, hugo: bool = False) -> str:
        """A Jekyll (or, with ``hugo``, a Hugo) permalink pattern such as ``/:year/:month/:day/:title/`` for ``f``."""
        meta = f.meta
        pattern = JEKYLL_STYLES.get(pattern, pattern)
        date = DATE.match(text_of(meta.get("date")))
        y, mo, d = when or (date.groups() if date else post.groups()[:3] if post else ("", "", ""))
        title = text_of(meta.get("slug")) or (post.group(4) if post else f.path.stem)
        parts = f.rel.split("/")
        folders = parts[:parts.index("_posts")] if "_posts" in parts else []      # blog/_posts: category "blog"
        cats = folders + (list_of(meta.get("categories")) or list_of(meta.get("category")))
        values = {"year": y, "month": f"{int(mo):02d}" if mo else "", "day": f"{int(d):02d}" if d else "",
                  "i_month": str(int(mo)) if mo else "", "i_day": str(int(d)) if d else "", "short_year": y[2:],
                  "title": jekyll_slug(title), "slug": jekyll_slug(title).lower(), "output_ext": ".html",
                  "categories": "/".join(c.lower().replace(" ", "-") for c in cats) if categories else "",
                  "y_day": ""}
        if hugo:
            stem = f.path.stem if f.path.stem.lower() != "index" else f.path.parent.name
            named = text_of(meta.get("slug")) or stem
            values.update(title=urlize(text_of(meta.get("title")) or stem), slug=named, filename=stem,
                          slugorfilename=named, contentbasename=stem, section=f.content_rel.split("/")[0])
        out = re.sub(r":([a-z_]+)", lambda m: values.get(m.group(1), m.group(0)), pattern)
        return re.sub(r"/{2,}", "/", out)

    def own_hosts(self) -> set[str]:
        """The hosts of the site's own absolute links: those whose links name the most posts (a host naming at
        least half as many as the top one counts too; a home page "/" or an alias proves nothing)."""
        named: dict[str, set[str]] = {}
        for host, path in self.absolute:
            key = key_of(path)
            if key != "/" and any(s <= 3 for s, _ in self.by_key.get(key, [])):
                named.setdefault(host.lower(), set()).add(key)
        top = max((len(v) for v in named.values()), default=0)
        return {h for h, v in named.items() if len(v) >= max(2, top / 2)}

    # ---- lookups
    def find(self, url: str) -> Lookup:
        """The source file of the page at ``url`` (a full URL or a path)."""
        path = urlsplit(url).path if "://" in url else url
        for pattern, target in self.maps:
            m = pattern.fullmatch(key_of(path)) or pattern.fullmatch(key_of(path) + "/")
            if m:
                hit = self.by_rel.get(target.format(**m.groupdict()))
                if hit:
                    return Lookup(hit)
        key = key_of(path)
        found = self.by_key.get(key)
        if not found:
            folded = [v for k, v in self.by_key.items() if k.casefold() == key.casefold()]
            found = [x for group in folded for x in group]
        if not found:
            return Lookup(None, "source file unknown")
        best = min(s for s, _ in found)
        files = sorted({f.rel for s, f in found if s == best})
        if len(files) > 1:
            return Lookup(None, f"ambiguous: {', '.join(files[:3])} all render {key}")
        return Lookup(next(f for s, f in found if s == best))

    def page_of_href(self, href: str, page: str, f: SourceFile | None) -> str | None:
        """The path key of the page a link written in ``f`` (served at the URL path ``page``) points to; None when
        it points off the site or to no page we know (absolute links count when their host is the site's)."""
        href = href.strip()
        ref = REF_SHORTCODE.search(href)
        if ref or href.startswith("@/") or (href.split("#")[0].endswith(MARKDOWN_SUFFIXES) and "://" not in href):
            target = ref.group(1) if ref else href.split("#")[0]
            for rel in candidates(target, f, self.content, self.root):
                hit = self.by_rel.get(rel)
                if hit:
                    return key_of(hit.page)
            return None
        parts = urlsplit(href)
        if parts.scheme and parts.scheme not in ("http", "https"):
            return None
        if parts.scheme:
            return key_of(parts.path) if parts.netloc.lower() in self.hosts else None
        return key_of(urljoin(page, parts.path)) if parts.path else None


def candidates(target: str, f: SourceFile | None, content: Path, root: Path) -> list[str]:
    """Source-relative names a file link (``@/x.md``, ``../x.md``, a Hugo ref) may mean."""
    target = unquote(target)
    if target.startswith("@/"):
        return [target[2:], f"content/{target[2:]}"]
    names = [target.lstrip("/")]
    if f is not None and not target.startswith("/"):
        base = (f.content_rel or f.rel).rpartition("/")[0]
        names.insert(0, str(Path(base, target).as_posix()))
    out = []
    for n in names:
        parts: list[str] = []
        for p in n.split("/"):
            if p == "..":
                if parts:
                    parts.pop()
            elif p not in (".", ""):
                parts.append(p)
        joined = "/".join(parts)
        out.extend([joined, joined + ".md", joined + "/index.md", joined + "/_index.md"])
    return out


def parse_map(text: str) -> tuple[re.Pattern[str], str]:
    """``--map 'URL_PATTERN=FILE_PATTERN'``: ``{name}`` in the URL pattern matches one path segment."""
    if "=" not in text:
        raise ValueError(f"--map {text!r} is not URL_PATTERN=FILE_PATTERN")
    url, file = text.split("=", 1)
    names = re.findall(r"\{(\w+)\}", url)
    if set(re.findall(r"\{(\w+)\}", file)) - set(names):
        raise ValueError(f"--map {text!r}: the file pattern names a {{placeholder}} the URL pattern does not have")
    regex = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p)
                    for p in re.split(r"(\{\w+\})", key_of(url)) if p)
    return re.compile(regex + "/?"), file


def urlize(title: str) -> str:
    """Hugo's ``urlize`` of a title: lower case, spaces as hyphens, no punctuation."""
    return re.sub(r"[^\w\-.~]+", "", re.sub(r"\s+", "-", title.strip().lower()))


def hugo_config(root: Path) -> dict[str, str]:
    """``[permalinks]`` of a Hugo config (``hugo.toml`` or ``config.toml`` beside or above the folder): section ->
    pattern (the ``page`` kind of Hugo's newer nested form)."""
    for folder in (root, root.parent):
        for name in ("hugo.toml", "config.toml", "config/_default/hugo.toml", "config/_default/config.toml"):
            cfg = folder / name
            if cfg.is_file():
                try:
                    table = tomllib.loads(cfg.read_text(encoding="utf-8")).get("permalinks") or {}
                except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                    return {}
                page = table["page"] if isinstance(table.get("page"), dict) else table
                return {str(k): str(v) for k, v in page.items() if isinstance(v, str)}
    return {}


def jekyll_config(root: Path) -> str:
    """The ``permalink`` of a Jekyll ``_config.yml`` beside (or above) the folder; Jekyll's default otherwise."""
    for folder in (root, root.parent):
        cfg = folder / "_config.yml"
        if cfg.is_file():
            m = re.search(r"^permalink:\s*['\"]?([^'\"\n#]+)", cfg.read_text(encoding="utf-8", errors="replace"),
                          re.M)
            if m:
                return m.group(1).strip()
    return "date"
