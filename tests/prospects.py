"""Prospect sites for the `assistant outreach` tests, each on its own loopback address (127.0.0.2, .3 …: one
"domain" each), plus the prospect lists and competitor exports that name them.

Relevant prospects are real pages: rust-blog posts and a go-blog post republished on another host. The
hostile ones are written here: a link seller ("write for us — $150 per dofollow link"), a link farm with
hundreds of outbound links, an off-topic casino page, an off-topic but clean recipe page, a page robots.txt
forbids, a 404, and a keyword-stuffed .xyz domain that does not resolve (it must be excluded unfetched).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

from tests.sites import CORPORA, QuietHandler

RUST = CORPORA / "rust-blog"
GO = CORPORA / "go-blog"
# role -> (loopback address, path served, source file in a corpus or None for a written page)
PAGES: dict[str, tuple[str, str, Path | None]] = {
    "stability": ("127.0.0.2", "/2014/10/30/Stability/", RUST / "2014/10/30/Stability"),
    "errors": ("127.0.0.2", "/2016/08/10/Shape-of-errors-to-come/", RUST / "2016/08/10/Shape-of-errors-to-come"),
    "generics": ("127.0.0.3", "/2021/02/26/const-generics-mvp-beta/", RUST / "2021/02/26/const-generics-mvp-beta"),
    "linking": ("127.0.0.4", "/2023/11/09/parallel-rustc/", RUST / "2023/11/09/parallel-rustc"),
    "seller": ("127.0.0.5", "/go-tips/", None),
    "farm": ("127.0.0.6", "/resources/", None),
    "casino": ("127.0.0.7", "/bonus/", None),
    "recipe": ("127.0.0.8", "/sourdough/", None),
    "robots": ("127.0.0.9", "/private/post/", None),
    "missing": ("127.0.0.10", "/gone/", None),
    "mirror": ("127.0.0.11", "/blog/pipelines/", GO / "blog/pipelines"),
    "solo": ("127.0.0.12", "/one-competitor/", None),
}
SPAM_URL = "http://best-cheap-seo-backlinks.xyz/guest-post/"
GO_TEXT = ("Goroutines are functions that run concurrently with other functions. Channels connect them: one "
           "goroutine sends a value and another receives it, which is how Go programs share memory by "
           "communicating. A select statement waits on several channel operations at once, and a context "
           "carries deadlines and cancellation across API boundaries so that a pipeline of goroutines stops "
           "cleanly when its consumer goes away.")
SELLER = f"""<html><head><title>Go tips for busy developers</title></head><body><main><article>
<h1>Go tips for busy developers</h1><p>{GO_TEXT}</p>
<h2>Write for us</h2><p>Write for us — $150 per dofollow link. Sponsored posts are welcome on every topic,
published within 24 hours and never marked as sponsored.</p>
<p>Price list: guest post $150, link insertion in an existing article $90, homepage link $300 per month.</p>
</article></main></body></html>"""
FARM_LINKS = 320
FARM = ("<html><head><title>Useful programming resources</title></head><body><main><article>"
        f"<h1>Useful programming resources</h1><p>{GO_TEXT}</p><ul>"
        + "".join(f'<li><a href="http://resource-{i}.example/go/page-{i}.html">Go resource number {i} about '
                  f'channels and goroutines</a></li>' for i in range(FARM_LINKS))
        + "</ul></article></main></body></html>")
CASINO = """<html><head><title>Best online casino bonuses this week</title></head><body><main><article>
<h1>Best online casino bonuses this week</h1>
<p>Claim free spins at the best online casino sites. Our experts compare welcome bonuses, roulette tables,
slot machines and progressive jackpot games so you can start playing with real money today.</p>
<p>Sports betting fans get odds boosts on football and tennis, and poker players find daily tournaments with
guaranteed prize pools. Every casino we list holds a gambling licence and pays out within 24 hours.</p>
<p>Sign up through our links to unlock an exclusive casino bonus of up to 500 free spins on the newest slots.</p>
</article></main></body></html>"""
RECIPE = """<html><head><title>Sourdough bread at home</title></head><body><main><article>
<h1>Sourdough bread at home</h1>
<p>A good sourdough loaf needs only flour, water, salt and a lively starter. Feed the starter the evening before
baking so that it is bubbly and smells pleasantly sour in the morning.</p>
<p>Mix the flour and water and let them rest for an hour: this autolyse makes the dough easier to stretch.
Then add the starter and the salt, and fold the dough every half hour for the first two hours.</p>
<p>Shape the loaf, let it proof in a floured basket overnight in the fridge, and bake it in a very hot Dutch
oven, covered for twenty minutes and uncovered until the crust is deep brown.</p>
</article></main></body></html>"""
SOLO = f"""<html><head><title>Notes on Go channels</title></head><body><main><article>
<h1>Notes on Go channels</h1><p>{GO_TEXT}</p></article></main></body></html>"""
WRITTEN = {"seller": SELLER, "farm": FARM, "casino": CASINO, "recipe": RECIPE, "robots": SOLO, "solo": SOLO}
ROBOTS = {"127.0.0.9": "User-agent: *\nDisallow: /private/\n"}
COMPETITORS = ("https://comp-a.example/", "https://comp-b.example/")


@dataclass
class Prospects:
    urls: dict[str, str] = field(default_factory=dict)        # role -> URL
    files: dict[str, Path] = field(default_factory=dict)      # name -> file (lists and exports)


def _write_sites(root: Path) -> dict[str, Path]:
    """One folder per loopback address with its pages (and robots.txt); returns address -> folder."""
    folders: dict[str, Path] = {}
    for role, (host, path, source) in PAGES.items():
        folder = folders.setdefault(host, root / host)
        folder.mkdir(parents=True, exist_ok=True)
        if role == "missing":
            continue
        page = folder / path.strip("/") / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        if source is not None:
            shutil.copy(source / "index.html", page)
        else:
            page.write_text(WRITTEN[role], encoding="utf-8")
    for host, text in ROBOTS.items():
        (folders[host] / "robots.txt").write_text(text, encoding="utf-8")
    return folders


@contextmanager
def _serve_on(folder: Path, host: str) -> Iterator[str]:
    httpd = ThreadingHTTPServer((host, 0), partial(QuietHandler, directory=str(folder)))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def write_inputs(root: Path, urls: dict[str, str], our_page: str) -> dict[str, Path]:
    """The prospect lists (text and CSV, each with one bad line), the bad list, two competitor exports in two
    layouts (Ahrefs CSV, Moz as UTF-16 tab-separated) and the backlink export of our own site."""
    files = {name: root / name for name in ("prospects.txt", "prospects.csv", "bad.txt", "ahrefs.csv", "moz.tsv",
                                            "ours.csv", "nourl.csv")}
    files["prospects.txt"].write_text("\n".join([
        "# prospects for the go blog", "", urls["stability"], urls["errors"] + "  found via search",
        "not a url at all", urls["seller"], urls["farm"], SPAM_URL, urls["robots"]]) + "\n", encoding="utf-8")
    files["prospects.csv"].write_text("\n".join([
        "Website,DR,Notes", f"{urls['casino']},12,casino", f"{urls['recipe']},40,", f"{urls['missing']},,",
        f"{urls['mirror']},55,republished", ",,empty row"]) + "\n", encoding="utf-8")
    files["bad.txt"].write_text("prospects\nhttp//missing-colon.example\nftp://files.example/x\n", encoding="utf-8")
    files["nourl.csv"].write_text("Name,Notes\nAnn,hello\n", encoding="utf-8")
    a, b = COMPETITORS
    files["ahrefs.csv"].write_text("\n".join([
        "Referring page URL,Referring page title,Domain rating,UR,Target URL,Anchor,External links",
        f"{urls['generics']},Const generics MVP hits beta!,71,35,{a}generics/,const generics,12",
        f"{urls['seller']},Go tips for busy developers,22,5,{a}go/,go tips,3",
        f"{urls['linking']},Faster compilation,64,30,{a}build/,parallel builds,8",
        f"{urls['solo']},Notes on Go channels,50,20,{a}channels/,channels,4"]) + "\n", encoding="utf-8")
    moz = "\n".join([
        "URL\tTitle\tTarget URL\tAnchor Text\tDomain Authority\tPage Authority\tSpam Score",
        f"{urls['generics']}\tConst generics MVP hits beta!\t{b}types/\tgeneric types\t66\t40\t1%",
        f"{urls['seller']}\tGo tips\t{b}x/\tcheap links\t20\t10\t60%",
        f"{urls['linking']}\tFaster compilation\t{b}y/\tcompiler\t60\t30\t2%"]) + "\n"
    files["moz.tsv"].write_bytes(b"\xff\xfe" + moz.encode("utf-16-le"))
    files["ours.csv"].write_text("source_url,target_url,anchor\n"
                                 f"{urls['linking']},{our_page},a go post\n", encoding="utf-8")
    return files


@contextmanager
def serve_prospects(root: Path, our_page: str) -> Iterator[Prospects]:
    """Serve every prospect site; yields their URLs and the input files naming them."""
    folders = _write_sites(root / "sites")
    with ExitStack() as stack:
        bases = {host: stack.enter_context(_serve_on(folder, host)) for host, folder in folders.items()}
        urls = {role: bases[host] + path for role, (host, path, _src) in PAGES.items()}
        urls["spam"] = SPAM_URL
        yield Prospects(urls, write_inputs(root, urls, our_page))
