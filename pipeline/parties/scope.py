"""Names that stand for a party only inside their own article.

English names a party three ways: by its name ("Lufthansa"), by a description ("German airline",
"the company", "primary UK index") or by an office ("President of the United States", "Chief
Executive Officer of General Motors", "the CEO"). Only a name means the same party in every
article. A description fits every party of its kind, and an office is held by one person at one
date: "German airline" is Air Berlin in one story and Lufthansa in another, "President of the
United States" is Bush in 2008 and Obama in 2009. So a description or an office is linked by its
own article's text (`coref`: the name set beside it, the holder the text names) or it stays a
party of that article; two articles' descriptions meet only through the named party each stands
for.

A description with a name in it ("the Boeing airframe company", "Reuters news agency") or an
office with its holder ("US Secretary of State Mike Pompeo", whose key is the person's name) is a
name, and crosses articles by it.
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.parties import names as nm
from pipeline.parties import roles
from pipeline.parties.generic import descriptor


@lru_cache(maxsize=65536)
def local(name: str) -> bool:
    """True when `name` is a description or an office with no name of its own (module doc)."""
    if nm.anaphor(name):
        return True
    desc = descriptor(name)
    if desc is not None and desc[0] is None:  # "German airline", "Italian company", "primary UK index"
        return True
    # "President of the United States"; not "US Secretary of State Mike Pompeo" (a person's name)
    return roles.is_role(name) and nm.core_words(name) == nm.words(name)


__all__ = ["local"]
