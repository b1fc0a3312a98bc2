"""Pages for staff other than admins: outreach filing, key-group approvals, the staff home."""
