-- Record one fact about the imported data.
INSERT OR REPLACE INTO meta (key, value) VALUES ($key, $value)
