"""Checks of the deployment files, the generated docs and the event contract against the code."""
