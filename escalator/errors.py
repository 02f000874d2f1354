"""The exception tree. Library code raises these; only cli.py turns them into a line and an
exit code.

    EscalatorError
    ├── ConfigError        config.toml is missing, not TOML, or has a bad key or value
    ├── DatabaseError      the database cannot be reached or its schema is not current
    └── NotFound           an ESC-N that does not exist
"""


class EscalatorError(Exception):
    """Anything the CLI reports as a one-line reason."""


class ConfigError(EscalatorError):
    pass


class DatabaseError(EscalatorError):
    pass


class NotFound(EscalatorError):
    pass
