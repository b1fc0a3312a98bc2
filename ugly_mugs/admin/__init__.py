"""Admin pages: accounts, key-group invitations and the audit log. Admins never read reports."""
