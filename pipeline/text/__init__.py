"""Text jobs shared by every stage: sentences, headings, party names, dates, grounding, parsing (spaCy)."""
