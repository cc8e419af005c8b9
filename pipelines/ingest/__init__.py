"""The ingest command's engine: CSV files read and counted (``csv_files``), headers recognised and
rows validated by rules compiled from ``schemas/`` (``validate``), and each file loaded or
quarantined in one transaction (``load``)."""
