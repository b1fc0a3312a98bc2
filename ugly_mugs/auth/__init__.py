"""Staff authentication: accounts, passwords, TOTP two-factor login and server-side sessions."""
