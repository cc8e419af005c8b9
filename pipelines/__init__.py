"""Everything without Streamlit: ingest, stores, SQL, reports, sample data, users, benchmarks."""
