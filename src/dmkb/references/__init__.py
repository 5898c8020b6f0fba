"""References: ids, the cache of reference texts, and quote matching."""
