"""Today as the county sees it (`shared.settings.county_today`): the services count days
in their time zone, and from 16:00 UTC on it is already tomorrow in China."""

from shared.settings import county_today

__all__ = ["county_today"]
