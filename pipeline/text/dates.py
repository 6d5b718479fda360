"""Publication dates in the many spellings articles use, read once for every stage."""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime
from typing import Any

_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%d.%m.%Y", "%B %Y")


def parse_date(value: Any) -> tuple[str | None, int]:
    """(ISO 8601 string, epoch seconds). Date-only stays date-only; naive times count as UTC."""
    if value is None or value == "":
        return None, 0
    when: dt.datetime | None = None
    date_only = False
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when, date_only = dt.datetime(value.year, value.month, value.day), True
    else:
        s = str(value).strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            date_only = True
        try:
            when = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            try:
                when = parsedate_to_datetime(s)
            except (TypeError, ValueError, IndexError):
                for fmt in _DATE_FORMATS:
                    try:
                        when, date_only = dt.datetime.strptime(s, fmt), True
                        break
                    except ValueError:
                        continue
    if when is None:
        return None, 0
    aware = when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)
    iso = when.date().isoformat() if date_only else when.isoformat()
    return iso, int(aware.timestamp())
