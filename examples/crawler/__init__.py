"""A crawler: a cluster of async fetchers over a local HTTP server, results collected with asks."""
