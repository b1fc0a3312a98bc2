"""Operating the installation: the installed package's console command, the figures for
Prometheus, backups and restore, retention and the workers' scheduler that runs it, and the
readiness checks."""
