"""App state: what the app and the command line write (users, sign-in sessions, the audit log,
flag reviews, app-posted wins, the consultation queue, the wellbeing pulse), in SQLite or
PostgreSQL (``db.py``), and the PHI guard that screens free text before it is stored."""
