"""Publication dates in the many spellings articles use, read once for every stage.

`parse_date` reads what an article says (many spellings); `parse_since` reads what a user types
(`--since`: a date or ISO datetime, strictly) and `published_ts` compares the two.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime
from typing import Any

from pipeline.errors import UsageError

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


class DateError(UsageError, ValueError):
    """A `--since` value that is not a date; the message says how to write one."""


def parse_since(value: str | dt.date | dt.datetime | None) -> int | None:
    """A date or ISO datetime → epoch seconds (UTC when no zone is given); None passes through."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime(value.year, value.month, value.day)
    else:
        s = str(value).strip()
        try:
            when = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError as exc:
            raise DateError(f"--since {s!r}: not a date; use YYYY-MM-DD or an ISO datetime") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return int(when.timestamp())


def published_ts(published_at: str | None) -> int | None:
    """The article's publication time as epoch seconds, or None when absent or unparseable."""
    if not published_at:
        return None
    try:
        return parse_since(published_at)
    except DateError:
        return None
