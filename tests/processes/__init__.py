"""Real server processes on one PostgreSQL database: races across processes and a SIGKILL."""
