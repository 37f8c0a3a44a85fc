"""Link strategy assistant: crawl a site, learn its link graph, suggest where links should go."""

__version__ = "0.1.0"
