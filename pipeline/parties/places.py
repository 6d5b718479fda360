"""The country lexicon (countries, their other names and demonyms, US states, capitals): a leaf
module, so `names` (keys) and `country` (bodies' countries) read the same words without a cycle."""

from __future__ import annotations

# canonical name → other ways news writes it (demonym, short forms, capital)
COUNTRIES: dict[str, tuple[str, ...]] = {
    "united states": ("u.s.", "us", "usa", "america", "american", "americans", "washington"),
    "united kingdom": ("uk", "u.k.", "britain", "british", "england", "english", "london"),
    "philippines": ("philippine", "filipino", "filipinos", "manila"),
    "canada": ("canadian", "ottawa"), "mexico": ("mexican",), "brazil": ("brazilian", "brasilia"),
    "argentina": ("argentine", "argentinian"), "chile": ("chilean",), "colombia": ("colombian",),
    "france": ("french", "paris"), "germany": ("german", "berlin"), "italy": ("italian", "rome"),
    "spain": ("spanish", "madrid"), "portugal": ("portuguese", "lisbon"), "netherlands": ("dutch", "amsterdam"),
    "belgium": ("belgian", "brussels"), "switzerland": ("swiss", "bern"), "austria": ("austrian", "vienna"),
    "poland": ("polish", "warsaw"), "hungary": ("hungarian", "budapest"), "greece": ("greek", "athens"),
    "turkey": ("turkish", "ankara"), "russia": ("russian", "moscow", "kremlin"), "ukraine": ("ukrainian", "kyiv"),
    "sweden": ("swedish", "stockholm"), "norway": ("norwegian", "oslo"), "denmark": ("danish", "copenhagen"),
    "finland": ("finnish", "helsinki"), "ireland": ("irish", "dublin"), "iceland": ("icelandic",),
    "china": ("chinese", "beijing"), "japan": ("japanese", "tokyo"), "south korea": ("korean", "seoul"),
    "india": ("indian", "delhi"), "pakistan": ("pakistani", "islamabad"), "indonesia": ("indonesian", "jakarta"),
    "australia": ("australian", "canberra"), "new zealand": ("zealand",), "iran": ("iranian", "tehran"),
    "iraq": ("iraqi", "baghdad"), "israel": ("israeli",), "egypt": ("egyptian", "cairo"),
    "saudi arabia": ("saudi", "riyadh"), "libya": ("libyan", "tripoli"), "cyprus": ("cypriot", "nicosia"),
    "nigeria": ("nigerian", "abuja"), "south africa": ("johannesburg", "pretoria"), "kenya": ("kenyan", "nairobi"),
    "cuba": ("cuban", "havana"), "venezuela": ("venezuelan", "caracas"), "taiwan": ("taiwanese", "taipei"),
    "malaysia": ("malaysian",), "thailand": ("thai", "bangkok"), "vietnam": ("vietnamese", "hanoi"),
    "singapore": ("singaporean",), "panama": ("panamanian",), "peru": ("peruvian",), "syria": ("syrian",),
    "lebanon": ("lebanese",), "jordan": ("jordanian",), "afghanistan": ("afghan",), "ethiopia": ("ethiopian",),
    "samoa": ("samoan",), "fiji": ("fijian",), "tonga": ("tongan",), "bangladesh": ("bangladeshi",),
    "sri lanka": ("sri lankan",), "nepal": ("nepalese",), "myanmar": ("burmese",), "morocco": ("moroccan",),
    "algeria": ("algerian",), "tunisia": ("tunisian",), "ghana": ("ghanaian",), "uganda": ("ugandan",),
    "tanzania": ("tanzanian",), "zimbabwe": ("zimbabwean",), "bolivia": ("bolivian",), "ecuador": ("ecuadorian",),
    "uruguay": ("uruguayan",), "paraguay": ("paraguayan",), "romania": ("romanian",), "bulgaria": ("bulgarian",),
    "serbia": ("serbian",), "croatia": ("croatian",), "qatar": ("qatari",), "kuwait": ("kuwaiti",),
    "yemen": ("yemeni",), "north korea": ("north korean", "pyongyang"),
}
# US states name the United States ("senator Mark Warner from Virginia"); Georgia is also a country
US_STATES = (
    "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut", "delaware", "florida",
    "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas", "kentucky", "louisiana", "maine", "maryland",
    "massachusetts", "michigan", "minnesota", "mississippi", "missouri", "montana", "nebraska", "nevada",
    "new hampshire", "new jersey", "new mexico", "new york", "north carolina", "north dakota", "ohio", "oklahoma",
    "oregon", "pennsylvania", "rhode island", "south carolina", "south dakota", "tennessee", "texas", "utah",
    "vermont", "virginia", "west virginia", "wisconsin", "wyoming", "wall street")
FORM = {form: c for c, forms in COUNTRIES.items() for form in (c, *forms)} | {s: "united states" for s in US_STATES}
FORM |= {" ".join(f.replace(".", " ").split()): c for f, c in list(FORM.items()) if "." in f}  # "u s"

# capitals, which news writes for their country's government ("If Tokyo declines", "Washington
# warned"); a claim naming one beside its country is that country (`coref`)
CAPITALS = {"washington": "united states", "london": "united kingdom", "manila": "philippines",
            "ottawa": "canada", "brasilia": "brazil", "paris": "france", "berlin": "germany", "rome": "italy",
            "madrid": "spain", "lisbon": "portugal", "amsterdam": "netherlands", "bern": "switzerland",
            "vienna": "austria", "warsaw": "poland", "budapest": "hungary", "athens": "greece", "ankara": "turkey",
            "moscow": "russia", "kremlin": "russia", "kyiv": "ukraine", "stockholm": "sweden", "oslo": "norway",
            "copenhagen": "denmark", "helsinki": "finland", "dublin": "ireland", "beijing": "china",
            "tokyo": "japan", "seoul": "south korea", "delhi": "india", "new delhi": "india",
            "islamabad": "pakistan", "jakarta": "indonesia", "canberra": "australia", "tehran": "iran",
            "baghdad": "iraq", "cairo": "egypt", "riyadh": "saudi arabia", "tripoli": "libya",
            "nicosia": "cyprus", "abuja": "nigeria", "nairobi": "kenya", "havana": "cuba", "caracas": "venezuela",
            "taipei": "taiwan", "bangkok": "thailand", "hanoi": "vietnam", "pretoria": "south africa"}
