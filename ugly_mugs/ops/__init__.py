"""Operating the installation: the installed package's console command and the figures for Prometheus."""
