"""Text jobs shared by every stage: parsing (spaCy), and later sentences, headings, party names."""
