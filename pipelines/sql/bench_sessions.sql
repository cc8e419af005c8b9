-- The benchmark practice's size: its sessions.
SELECT count(*) FROM sessions
