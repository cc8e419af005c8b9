-- One fact about the imported data (e.g. key 'demo').
SELECT value FROM meta WHERE key = $key
