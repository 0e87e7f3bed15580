"""App assembly, configuration and the command line for the backorders service."""
