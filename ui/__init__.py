"""Shared Streamlit UI: runtime resources, sign-in and the access guard, tables."""
