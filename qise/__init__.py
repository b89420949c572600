"""What composes the four services: the `qise` command, the demo loader and the
document generators. It stands above `services/` and `shared/`; nothing below imports it."""
