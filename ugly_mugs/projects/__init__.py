"""Support projects: their areas, members and delivery channels, the feed token and the printable sheet."""
