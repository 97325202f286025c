"""The foundation every other part stands on: the database file, settings, errors, logging, the shared
filters, who may do what, the audit trail, backups and the reference content."""
