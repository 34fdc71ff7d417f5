"""The stored comparison report: its freshness, its computation, the weekly series, and the
shapes the page, the API and the commands draw from it (tables, CSV, verdict, charts)."""
