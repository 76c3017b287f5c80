"""One module per group of commands; each imports the core's heavy parts inside the command."""
