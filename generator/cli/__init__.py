"""The command line: argument parsing and the commands (demo, serve, init, new)."""
