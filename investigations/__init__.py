"""Cases, subjects, notes, evidence, alerts, watchlists, tags, roles, the audit log and reports."""
