"""The data pipeline: vendor readers, the local store, refresh, source lists, config, the bundled sample."""
