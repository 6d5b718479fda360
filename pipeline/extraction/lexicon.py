"""Word classes that say which way an outcome goes, by lemma and by the role a party plays.

News rarely names winners; it says what happens to whom. Each class below pairs a lemma with a
sign (+1 good for the party, -1 bad) and says *where* the party sits in the clause:

- MOVE verbs change a quantity ("shares fell"): the party owns the quantity (its subject);
- EXPERIENCER verbs happen to their subject ("X lost its appeal", "X won the contract");
- PATIENT verbs happen to their object ("the rule hits Y", "the court rejected Z's claim");
- ADJUST verbs move their object's quantity ("Moody's cut X's rating", "X cut 800 jobs");
- OUTCOME nouns point at a party through "for"/"to" ("a lift for X", "a blow to Y").

Quantities have a sign of their own (profit +, losses -), so "losses widened" is bad and
"costs fell" is good. The lists are general English (written before any real-coverage gold was
read), so they are meant to carry over to text they were not tuned on.
"""

from __future__ import annotations

# intransitive change of a quantity: subject is the quantity (or a party standing for it)
MOVE: dict[str, int] = {
    **dict.fromkeys("""rise climb jump surge soar rally gain increase grow advance rebound recover
    improve double triple expand strengthen outperform outpace beat top exceed widen_good
    skyrocket spike leap balloon""".split(), 1),
    **dict.fromkeys("""fall drop decline slump plunge tumble sink slide slip dip shrink contract
    decrease weaken plummet crash collapse sag halve miss underperform retreat ease erode
    evaporate shrivel nosedive crater fade""".split(), -1),
}
MOVE.pop("widen_good")

# roundup verbs that are a move only with an amount: "X added 3%" (not "X added a feature")
MOVE_WITH_AMOUNT: dict[str, int] = {"add": 1, "shed": -1, "give": -1, "pare": -1, "extend": 1, "trim": -1}

# direction words that make "closed higher", "were up 5%" a move
DIRECTION: dict[str, int] = {"higher": 1, "up": 1, "lower": -1, "down": -1}
DIRECTION_VERBS = {"close", "end", "finish", "trade", "be", "open", "move", "edge", "head", "go",
                   "settle", "stand", "come"}

# the subject experiences the outcome; 0 = the object decides ("reported a loss")
EXPERIENCER: dict[str, int] = {
    **dict.fromkeys("""win benefit profit prosper thrive succeed secure land clinch capture
    triumph prevail welcome gain outbid hail applaud""".split(), 1),
    **dict.fromkeys("""lose suffer struggle fail incur forfeit falter default owe shed""".split(), -1),
    **dict.fromkeys("""post report record announce see book log register notch deliver achieve
    enjoy face receive get expect forecast predict warn take reach issue suffer lead""".split(), 0),
}
# verbs that report a result: their object counts only if it is a result of the subject's own
# ("reported a loss"), not a measure it imposes on others ("announced a ban")
REPORTING = set("""post report record announce see book log register notch deliver achieve issue
expect forecast predict warn""".split())
RESULT = set("""profit gain windfall record surplus dividend loss deficit shortfall writedown write-down
impairment bankruptcy insolvency decline drop fall slump warning increase raise""".split())
# a default sign when the object says nothing either way
EXPERIENCER_DEFAULT: dict[str, int] = {"face": -1, "enjoy": 1, "receive": 1, "suffer": -1}
# "X filed for bankruptcy", "X went into administration"
STATE_PREP: dict[tuple[str, str], int] = {
    ("file", "for"): -1, ("go", "into"): -1, ("enter", ""): 0, ("be", "under"): -1,
    ("be", "without"): -1, ("be", "in"): 0, ("fall", "into"): -1, ("slip", "into"): -1,
    ("plunge", "into"): -1, ("sink", "into"): -1,
}
STATE_OBJECT: dict[str, int] = {
    **dict.fromkeys("""bankruptcy administration receivership liquidation insolvency recession
    debt trouble crisis default sanction sanctions investigation pressure threat attack fire
    power electricity water work job jobs""".split(), -1),
}
# adverbs that make the subject's own act a success or a failure
MANNER: dict[str, int] = {"successfully": 1, "smoothly": 1, "unsuccessfully": -1, "poorly": -1,
                          "badly": -1, "well": 1, "better": 1, "worse": -1}
MANNER_VERBS = {"fare", "perform", "do", "trade"}
# things handed over: their recipient ("sent to X", "awarded to Y") gains
TRANSFER = set("""give send relocate transfer hand deliver donate award grant allocate assign
lend loan""".split())
# data that its owner loses when it leaks
DATA_NOUN = set("data record information profile detail account password".split())
LEAK = set("leak expose steal hack harvest breach compromise publish".split())

# the object (or a passive subject) undergoes the outcome
PATIENT: dict[str, int] = {
    **dict.fromkeys("""hit hurt harm damage squeeze threaten penalize penalise fine sue ban block
    reject dismiss deny overturn punish sanction downgrade fire oust undercut weaken derail batter
    slam pummel bar exclude cancel scrap revoke suspend charge indict accuse shut close strip
    cripple hamper hobble disrupt burden saddle lay axe ax force sack snub overrule strike
    jeopardize jeopardise endanger imperil devastate investigate probe raid subpoena delist slight
    affect attack bomb target restrict curb limit condemn expel hamstring""".split(), -1),
    **dict.fromkeys("""boost help benefit favor favour aid lift award grant approve clear acquit
    upgrade rescue save reward protect shield bolster strengthen buoy support select choose pick
    back compensate exempt spare bail hire uphold""".split(), 1),
}
# choices whose denial is a loss: "NASA did not choose them"
SELECT = set("choose select pick award approve grant".split())
# verbs that move their object's quantity ("cut X's rating", "raised its forecast")
ADJUST: dict[str, int] = {
    **dict.fromkeys("raise boost lift increase hike double expand".split(), 1),
    **dict.fromkeys("cut reduce lower slash trim halve eliminate axe ax shed lose".split(), -1),
}

# quantities whose owner gains when they go up (+1) or loses (-1)
QUANTITY: dict[str, int] = {
    **dict.fromkeys("""share stock profit earnings earning revenue sale income turnover value valuation
    margin output production demand order booking rating exports subscriber customer user traffic
    growth dividend capitalization capitalisation cap surplus reserve cash employment wage salary
    funding forecast outlook guidance ridership membership visitor popularity approval
    profitability market_share stake""".split(), 1),
    **dict.fromkeys("""cost loss debt deficit unemployment layoff liability expense arrears
    borrowing complaint delay writedown write-down impairment""".split(), -1),
}

# nouns that are themselves a change ("a 20% drop in profit")
CHANGE_NOUN: dict[str, int] = {
    **dict.fromkeys("rise increase jump surge gain growth rebound boost hike recovery upturn".split(), 1),
    **dict.fromkeys("""fall drop decline slump plunge cut reduction decrease slide dip downturn
    contraction""".split(), -1),
}

# what a verb's object can be on its own: good or bad news for whoever gets it
OUTCOME_OBJECT: dict[str, int] = {
    **dict.fromkeys("""profit gain windfall contract award approval victory win bonus bailout
    subsidy funding grant order deal license licence boost lift reprieve record surplus
    dividend raise increase agreement pact accord""".split(), 1),
    **dict.fromkeys("""loss fine penalty lawsuit charge setback blow defeat deficit cut layoff
    bankruptcy insolvency shortfall downgrade writedown write-down impairment strike shortage
    backlash criticism scrutiny investigation probe sanction tariff ban pressure hit
    decline drop fall slump warning""".split(), -1),
}

# "a lift for X", "a blow to Y", "good news for Z"
OUTCOME_NOUN: dict[str, int] = {
    **dict.fromkeys("""boost lift boon windfall relief win victory bonanza gain tailwind lifeline
    reprieve opportunity advantage""".split(), 1),
    **dict.fromkeys("""blow setback threat headache defeat loss problem hit pain burden
    disappointment embarrassment challenge risk disaster nightmare""".split(), -1),
}
NEWS_ADJ: dict[str, int] = {"good": 1, "welcome": 1, "great": 1, "positive": 1, "bad": -1,
                            "grim": -1, "worrying": -1, "negative": -1, "terrible": -1}

# "X is better off", "X is the big winner"
STATE_ADJ: dict[str, int] = {
    **dict.fromkeys("better stronger healthier profitable solvent ahead".split(), 1),
    **dict.fromkeys("""worse weaker vulnerable exposed unprofitable bankrupt insolvent
    squeezed""".split(), -1),
}
ROLE_NOUN: dict[str, int] = {
    **dict.fromkeys("winner beneficiary victor gainer advancer".split(), 1),
    **dict.fromkeys("loser victim casualty faller decliner laggard".split(), -1),
}
# nouns naming what is done to someone: "the bailout of X", "a ban on Y", "attacks on Z"
NOMINAL: dict[str, int] = {
    **dict.fromkeys("""bailout rescue approval subsidy aid acquittal exemption
    selection""".split(), 1),
    **dict.fromkeys("""rejection dismissal ban sanction sanctions tariff tariffs restriction
    restrictions investigation probe inquiry attack attacks closure closing shutdown bankruptcy
    collapse failure fine penalty lawsuit charge charges delisting downgrade boycott embargo
    suspension blockade""".split(), -1),
}
NOMINAL_PREPS = ("of", "on", "against", "into", "for", "to")

# claims whose owner wins when they are accepted and loses when rejected
CLAIM_NOUN = set("""appeal lawsuit suit claim case bid application request complaint petition
challenge motion offer proposal plan merger takeover acquisition licence license patent
argument objection attempt effort protest defence defense""".split())

# rulings for or against a party: "ruled against X", "sided with Y"
RULING_PREP: dict[tuple[str, str], int] = {
    ("rule", "against"): -1, ("decide", "against"): -1, ("find", "against"): -1,
    ("side", "with"): 1, ("rule", "for"): 1, ("decide", "for"): 1, ("find", "for"): 1,
}
IN_FAVOUR = {"favor", "favour"}

# job nouns: when they go, their holders lose
JOB_NOUN = set("job position post role workforce".split())
WORKER_NOUN = set("worker employee staff staffer workforce crew miner pilot driver".split())
JOB_GO_VERB = set("go disappear vanish end".split())

# common nouns that name a group able to win or lose on their own
GROUP_NOUN = set("""worker employee staff union consumer customer shopper passenger traveler
traveller commuter farmer grower producer manufacturer maker exporter importer shareholder
investor bondholder creditor lender borrower bank insurer airline carrier automaker carmaker
retailer supplier buyer seller taxpayer resident tenant landlord homeowner driver pilot miner
student patient doctor nurse teacher user subscriber developer operator rival competitor
smoker household family saver pensioner retiree trader broker dealer refiner utility
shipper exporter processor vendor startup incumbent""".split())
# institutions: a plural of these names a group of organisations ("telehealth platforms")
INSTITUTION = set("""platform pharmacy clinic hospital school university college museum port airport
chain brand lab laboratory studio outlet firm business company bank insurer agency union league
club fund hedge charity nonprofit cooperative co-op utility carrier airline railroad railway
shipyard mill farm ranch station broadcaster network newspaper publisher app marketplace store
retailer automaker enterprise corporation conglomerate authority regulator commission ministry
council board administration department agency dealership showroom""".split())
# company words that need a modifier to name anyone ("oil companies", not "companies")
GENERIC_HEAD = set("""company firm business community industry sector market people group
everyone country nation government economy world organisation organization party side
one other many some all most""".split())
# descriptions that point back at the article's named organisation ("the airline", "the firm")
ORG_DESCRIPTION = set("""company firm airline carrier bank group automaker carmaker retailer
insurer lender maker manufacturer producer operator business corporation conglomerate
chain giant network broadcaster publisher utility supplier miner refiner exchange startup
developer platform brand insurer""".split())
# people quoted about an outcome, not parties to it
SOURCE_NOUN = set("""analyst expert official spokesman spokeswoman spokesperson economist
observer commentator source report statement study survey""".split())
PARTY_ENTS = {"ORG", "GPE", "NORP", "PERSON", "LOC"}  # products and vehicles are not parties
