"""The part of docs/rules.md that explains how content is classified: signals, frames, the matching
view, placeholders, and how to add a phrase in each language; with the index of every signal."""
from __future__ import annotations

from templater.rulepacks.loader import RuleSet

INTRO = """\
## How promotional intent is detected

`classify` and the `mixed-content` rule read the same evidence (one code path: a plain message is
classified as `templater lint` reads a rendered message). The evidence is a list of *signals* found
in the text, each named with its span: promotional markers (what sells), transactional markers
(what reports on something the customer started) and reply markers (what answers the customer).

**Frames, not phrases.** A promotional signal describes a kind of selling, not a sentence: an
incentive tied to goods, a service or a visit ("free X with any purchase", "kids eat free", "on
the house", "a bonus 2GB", "$10 credit toward your next order"); a price stated as an offer ("only
$9 a month for your first year", "deux plats pour 15 €"); a call to act on the business's offer
("shop", "book", "reserve your spot", "join us for", "réservez", "profitez de"); a launch ("back by
popular demand", "our fall edit is here", "édition limitée") or urgency in a sale ("doors close at
midnight", "plus que 3 places"); a cart or replenishment nudge ("your picks are waiting", "il est
temps de refaire le stock"); B2B outreach ("claim your free listing", "I made a quick audit of your
site"). Each pattern leaves the completion of something the customer started alone: "your free
trial ends", a one-time code, a receipt naming the discount applied, "solde" as a balance, a
back-in-stock alert the customer asked for are near misses, kept in each signal's `pass` examples.

A frame is one pattern alternative that joins a kind of word to the kinds of object it takes, so
that wordings nobody listed still match:

* an incentive to take: a verb of taking (get, grab, claim, enjoy, unlock, score...) with free,
  complimentary or bonus ("grab a free coffee", "enjoy a complimentary dessert"), but not free
  alerts or updates one subscribes to; claim + an incentive noun ("claim your free sample"), not a
  refund, a parcel or a prize already won; "recevez / gagne un cadeau, un bon d'achat", not « vous
  avez gagné »;
* a call to act on the business's offer, in French in both persons (« réservez / réserve vite »,
  « commandez / commande dès maintenant », « découvre-la ici : »), or a call followed by a link
  (« Réservez : {lien} »), never the noun (« suivez votre commande en ligne »);
* replenishment: one frame for "time to restock", "refill time", "don't run out", "restock your
  ...", "running low?" (not a balance, data or a pharmacy's own refill);
* English selling without offer words, written as the constructions marketing copy is built
  from rather than as its sentences: a question that sells ("Looking for a last-minute gift?",
  "Did you know {business} also caters?", "Ready to upgrade?", "Is your furnace ready for
  winter?"), never one about the customer's own order or bill; a sale kept warm ("following up
  on the proposal", "any questions about the estimate?", "thinking of selling?"); a price with
  its terms ("$35 through Dec 24", "$12/lb", "wings are 50 cents during the game", "first
  adjustment $39"); the business's goods in a construction ("make hosting easy with our ...",
  "fuel your day with ...", "with our new ...", "our famous ..."); an event or a visit ("join us
  Sunday", "come watch the game", "no appointment needed", "National Donut Day"); scarcity and
  deadlines without a date ("only a few left", "going quickly", "act now", "order by Thursday");
* a launch by anyone ("our / a / the new ... is live / lands / is here"), the business's goods
  pointed at ("discover our collection", « découvrez notre collection »), a win-back
  (« ça fait un moment », « votre prochaine coupe vous attend ») and scarcity in a sale ("before
  they sell out", « avant rupture »).

`benchmarks/accuracy.py` measures whether a frame generalises: its source-supported recall counts
a detection only where the pattern alternative that made it also matches promotional content from
another source, so a frame several sources use counts and a phrase one source uses does not.

**The matching view.** Signal patterns read a view of the text (templater/matching.py), and every
match is mapped back to the characters as written:

* typographic spaces, quotes and dashes are folded first (`text.normalize`), and a dash glued
  between a letter and a number reads as a space ("Lunch menu—15% off" reads "Lunch menu 15% off"),
  as does a dash glued to a placeholder on either side ("menu—{pct}% off", "{{ item }}—20% off");
* accents are removed, from the text and from the signal patterns when they are loaded: a pattern
  written `réduction` or `reduction` matches both spellings (SMS often drop accents to stay GSM-7);
* case does not matter (patterns are case-insensitive, except where they say `(?-i:...)`);
* SMS abbreviations of the message's language read as the word: French `reduc`, `nvx`, `vs`,
  `ts`, `pr`, `dispo`, `jsq`, `kdo`, `mag`, `we`, `ptits`, `exclu`...; English `u`, `ur`, `pls`, `thx`, `2day`, `tonite`, `appt`...
  (the table is `ABBREVIATIONS` in templater/matching.py);
* French inflection: a pattern may write `{lemma:word}` where any form of the word fits
  (`offres?\\s+{lemma:exceptionnel}` matches "offre exceptionnelle" and "offres exceptionnelles").
  The forms are data, `templater/data/lemmas.<language>.json`, made at build time by
  `python benchmarks/build_lemmas.py` from simplemma's dictionary (MIT, pure Python: the word and
  every form simplemma lemmatizes to it) and substituted when the rule set is loaded; the rule
  cache keeps the result, so `templater lint` neither imports a lemmatizer nor reads the file
  while linting. simplemma gives a form shared by two words to one of them ("spéciale" is its own
  lemma), so such forms are written beside the lemma (`(?:{lemma:spécial}|spéciale)`), and a verb's
  forms include every tense: a call to act lists its imperatives instead (« réservez|réserve »),
  since « vous avez réservé » completes something the customer started.

**Placeholders.** A Jinja expression (`{{ x }}`, masked in a template) and the placeholders of
other tools in a text or a `{% raw %}` body (`{x}`, `{{x}}`, `${x}`, `[X]`, `#X#`, `%X%`, `:x`,
`<x>`, `<%= x %>`, `%(x)s`, `$x`, `@x`, `__X__`; `*x*` loses its asterisks) read as one slot character, `\\u0660`: a digit, hence a word character,
so a pattern that expects a number or a word there (`\\d{1,3}\\s?%\\s?off`, `\\S+`, `\\b`) reads
"{pct}% off" as it reads "20% off". A pattern may name the slot itself (`(?=[\\u0660...])` where a
link or an identifier must follow). A placeholder's name is also read as a variable name:
`{coupon_code}`, `[DISCOUNT]`, `%PROMO%` or `{{params.couponCode}}` match the signals' `variables`
patterns as a Jinja variable's name does.

**The decision.** Any promotional signal makes a message promotional (and fires `mixed-content` in
a transactional or conversational template); where there is none, the learned scorer may still
read the message as promotional (below). Otherwise evidence of a reply (a `reply` signal:
"thanks for your message", "as you asked", "you texted us", "we missed your call", an answer
opening the message ("Found it!", "Happy to help!", « C'est noté ! »), the answer to a look-up ("I
don't see any upcoming appointments for this number") or to STOP ("Text START to rejoin"), the answer
to HELP opening on the help contact ("Acme: for help, call …", « Acme : pour obtenir de l'aide,
appelez … »), a request answered with a question back ("got your request about a fence - want me to
send a quote?"),
"merci pour votre message", "comme demandé", « nous avons raté votre appel »..., or `in_reply_to`
declared) makes it conversational, and a
transactional signal makes it transactional. Transactional signals cover the customer's own
orders, deliveries and refunds, bookings in any phrasing ("your appointment at … is tomorrow at",
"Deposit confirmed!", « votre RDV est demain », « votre demande a bien été transmise »), accounts and
security (password reset, sign-up confirmations), payments, loyalty events and requests for
feedback on a service received ("how was your visit?", « laissez-nous un avis »); all but the
order, code and payment markers are evidence for `classify` only (`mixes: false`). With no evidence at all a message is transactional,
consent express, and `classify` says so with `"basis": "default"`: a message is never read as a
reply, which needs only implied consent, without evidence of one.

**Guards: the customer's own event.** An offer-looking word in something the customer started or
holds is not an offer. A signal may say so with `covers`: its evidence drops the promotional
markers it names within its reach, `match` (its own span), `sentence`, `after` (from its sentence
to the end of the message) or `message`:

```yaml
covers: {signals: [call-to-buy, special-offer, invitation], reach: after}
```

The transactional packs hold such guards: a reward redeemed "for: 10% Off Coupon"
(`reward-redeemed`), a waitlist spot that opened up with its "Reply YES to book, first come, first
served" (`waitlist-opening`), prepaid credits expiring (`expiring-balance`), a vaccination or
check-up due (`care-due`), a standing order the customer can skip (`standing-order`), the offers an
opt-in confirmation says are to come ("Stay tuned for great deals", « vous recevrez nos offres »:
`program-welcome`), a coupon, discount or free gift already applied or shipped (`own-incentive`),
a back-in-stock or price alert the customer asked for (`stock-alert`, `price-alert`), a prize won at
a game the customer played (`prize-won`), a referral reward earned (`referral-reward`), a gift card
someone bought for the customer (`gift-received`), a tier reached with its perks (`tier-reached`), a
reward ready to collect (`reward-ready`) or earned by a purchase (`reward-earned`), a deadline on the
customer's own booking or parcel (`deadline-notice`), what a plan or booking includes
(`included-benefit`), an amount owed or held (`amount-stated`), an order ready to collect
(`pickup-ready`) or shipped with what it holds (`order-contents`), and a booking welcomed ("You're
booked! Join us Friday": `booked-visit`); the `reply` signal covers `outreach` (a call proposed to
someone who wrote first is no cold outreach), and the answer to STOP covers the offers it names
("You will no longer receive offers": `opt-out-scope`). A guard is written as
a frame of the customer's own event, never as one message, and its reach is the smallest that
holds: a marker outside it still counts, so "Reward redeemed! Use code SAVE20 for 20% off your next
order." is still mixed content. Each guard's `fail` examples show it covering, its `pass` examples
the same words selling.

### Adding a phrase

Add a pattern to the signal of the kind it belongs to, in the pack of its language:
`rules/promotional.en.yaml` or `rules/promotional.fr.yaml` (transactional markers:
`rules/transactional.*.yaml`; reply markers: `rules/replies.*.yaml`). Write the frame, not the
sentence: the verb or incentive with the kinds of object it takes
(`\\b(?:eat|eats|ride|rides|stay|stays)\\s+(?:for\\s+)?free\\b`, not `kids eat free on tuesdays`).
Accents are optional (the pattern
is folded as the text is); allow a placeholder where a number or a word stands (`\\d` and `\\S+`
already do). Then add a `fail` example the pattern catches, with where its evidence starts (the
line counted in the body, the column from 1: `{body: "Get $10 off today.", line: 1, column: 5}`;
the test names the place when it is missing or wrong, and a place a reader would not name means
the pattern is what to fix), and a `pass` example it must leave alone
(a near miss: the same words completing something the customer started), and run
`python -m pytest tests/test_rule_examples.py` and `python benchmarks/accuracy.py` (leave-source-out:
a phrase taken from a message of the corpus only moves the in-sample figures; the script's
source-supported recall counts a detection only where its pattern also matches promotional content
from another source, so a frame that generalises raises it and a fitted phrase does not). Write the
frame from several wordings of your own (a notice followed by an offer, the same offer in other
words) rather than from one corpus message.

A near miss that one promotional pattern catches is kept out by a lookahead in that pattern; a
kind of customer event that several promotional signals misread (a waitlist spot and its "Book
now, first come first served", a prize won and its code) is kept out by a guard: a transactional
signal in `rules/transactional.<language>.yaml` whose pattern is the event's frame, with `covers`
naming the promotional signals it speaks for and the smallest `reach` that holds. Give it a `fail`
example where it covers a marker and a `pass` example where the same words sell, and add an offer
beside the event to `tests/test_guards.py` to show the offer still fires. A signal's `covers`
(signals and reach) is the same in every language's pack.

* **English** (`rules/promotional.en.yaml`): widen an existing alternative of the same frame
  rather than adding a sibling phrase (the verbs of taking, the incentive words, the objects), and
  guard it against the customer's own event with a lookbehind or lookahead (`(?<!your\\s)`,
  `(?!\\s+(?:was|has\\s+been)\\s+applied)`): "claim your free sample" sells, "claim your refund"
  does not.
* **French** (`rules/promotional.fr.yaml`): write a call to act in both persons (« profitez|profite »,
  « réservez|réserve »), keep the noun out (`(?<!votre\\s)` before « commande »), and let
  `{lemma:...}` carry the agreement of an adjective or participle (`{lemma:gratuit}` for
  « gratuit, gratuite, gratuits, gratuites »); after adding a `{lemma:...}`, run
  `python benchmarks/build_lemmas.py` and commit `templater/data/lemmas.fr.json` (the loader
  refuses a lemma it has no forms for, naming the pack and the script). Accents and SMS spellings
  (« reduc », « vs ») need nothing: the matching view folds them. An incentive the customer may
  already hold (« remise », « code promo », « bon d'achat », « livraison offerte ») takes the
  pack's completion lookahead (`(?![^.!?\\n]{0,60}\\b(?:a|ont)\\s+(?:bien\\s+)?ete\\s+(?:appliqu|utilis|...))`),
  so that « votre remise de 10 % a été appliquée » stays a receipt. In `rules/replies.fr.yaml`,
  write only what a notice never says: reply evidence outweighs transactional evidence, and a
  transactional message read as a reply understates the consent it needs.

A new signal needs
`id`, `signal` (promotional, transactional or conversational), `label`, `doc` and examples in each
language's pack; the index below is generated from them.
"""


SCORER = """\
### The learned scorer (a statistical second opinion)

`templater/scorer.py` is a TF-IDF logistic regression, one model per language, evaluated in pure
Python: no dependency, deterministic, asked only when a text needs it (a transactional or
conversational template, or `classify` on a text the rules find nothing promotional in), and only
in a language whose model ships in `templater/data/scorer.<lang>.json`.

**No model ships today.** It has not earned its place leave-source-out. Its threshold is chosen
on what it adds to the rules where their sources are unseen: held out by source (grouped 5-fold
over the development part of the corpus), the rules' decisions are taken as they would be in a
source they were not written from (a detection counts only if a pattern behind it also fires on
promotional content of another source), and the scorer may add only what keeps the OR precise: at
least 10 messages, at least 95 % of them promotional, at most 2 % of the near misses. On 2338
real messages (development part 1775, commit 9084fc7) no threshold does, in either language: of
the English scorer's 10 highest-scoring additions to the rules' source-supported decisions (recall
0.771, precision 0.930) only 4 are promotional, and of its 20 highest 9, with 8 near misses among
the rest (loyalty rewards and codes earned, credits added to a membership, an alert opt-in, a raffle
prize); in French 4 of 10 and 11 of 20 (rules: 0.823, 0.988). Reading the text as the signals do
(typographic characters, placeholders, prices, percentages and codes as classes) and C 0.3 rank
the additions somewhat better than before (average precision 0.363 to 0.387 in English, 0.316 to
0.372 in French), not enough. Scoring sentences instead of whole messages ranks them worse
(English 0.198 to 0.232): a near miss's offer-looking sentence ("use code {{code}} on your next
order") is what the rest of the message, "you've earned a reward", explains. Other features and
models tried the same way (sublinear term frequencies, the names of the transactional and reply
signals that fired as features, weighting the near misses, the messages the rules miss or each
source alike, C from 0.1 to 10, no class weights, 500 to all features, naive Bayes, a linear SVM,
words or characters alone, the rules' matching view as input, both languages' messages together,
asking it only where no transactional signal fires) put at most 8 of 10 English additions right
(benchmarks/README.md, "The learned scorer", has the figures). Precision comes first, so
`classify` and `lint` run the rules alone. A language ships once its scorer earns its place
(`python benchmarks/train_scorer.py` writes a model only then; add the language to `SHIPPED` in
`benchmarks/train_scorer.py`; `--study 20` lists its highest-scoring additions from the study half
of the development part); what follows describes it as it then runs.

- **What it reads.** The text is prepared without changing its length: typographic dashes, quotes
  and spaces read as ASCII, a placeholder (the syntaxes the signals' matching view knows, above,
  and Jinja expressions) becomes one slot token `§`, every digit becomes `0`, a dash glued to a
  number reads as a space ("menu—15%"), the text goes to lower case. A word holding a price
  (`$9.99`, `15€`) reads as `0price`, a percentage as `0pct`, a number of 4 digits or more as
  `0code`. It is cut into sentences (at `.`,
  `!`, `?` or `…` followed by a space, and at line ends). Each word becomes its character
  3-5-grams (with a space on each side) and the word itself, accents removed and a link read as
  `url`; each pair of neighbouring words of a sentence is a feature too.
- **How it decides.** The features' counts, weighted by their inverse document frequency and
  normalised to length 1, are multiplied by the learned weights; the message is promotional when
  the sum (plus the intercept) reaches the model's threshold.
- **How it explains itself.** Its evidence is the message's highest-scoring sentence (span and
  text) and, under `words`, the three words or word pairs that pushed the score up the most:
  `templater classify --format json` shows them, and the `mixed-content` warning names them.
- **Where it counts.** Only where the rules found no promotional evidence. In `classify` its
  evidence makes a message promotional. In `mixed-content` it gives the `scorer` variant, a
  **warning** (not an error: a statistical opinion does not block), on a transactional or
  conversational template; `templater render` does not ask it (rendering blocks on errors only).
  A false alarm is silenced like any finding, with `{# templater: disable-next-line=mixed-content #}`
  above the line.
- **How it is trained.** `python benchmarks/train_scorer.py` (needs scikit-learn:
  `pip install -e ".[test]"`) fits it on the development part of `benchmarks/corpus` (never the
  frozen test split), per language: promotional content (labels `promotional` and `mixed`) against
  the rest, balanced classes, C 0.3 (L2). It keeps the 3,000 features with the largest weights, refits on them
  alone, checks that the pure-Python evaluation gives scikit-learn's scores, and chooses the
  threshold by grouped cross-validation by source on what it adds to the rules (above), raised if
  need be above the score of every library template and every rule's pass example. Retrain after the corpus changes
  (and after rule changes, since `benchmarks/accuracy.py` measures the two together), run
  `python benchmarks/accuracy.py`, and commit the models of `SHIPPED` with the figures
  (`--languages en` writes a model that is not in `SHIPPED`, for a trial; every language's
  held-out figures are printed).
- **Whether it earns its place.** `benchmarks/accuracy.py` measures the rules alone and the rules
  with the scorer of every language, leave-source-out (the scorer retrained without the part it
  scores), and judges its exit status on what ships; the README's "Detection accuracy" section
  gives the figures.
"""


def signal_index(ruleset: RuleSet) -> list[str]:
    """The markdown table of every signal: kind, id, label, languages and what it covers."""
    lines = ["", "### Signals", "", "| Signal | Kind | Languages | What it covers |", "|---|---|---|---|"]
    for signal in sorted(ruleset.signals.values(), key=lambda s: (s.kind, s.id)):
        doc = signal.doc.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| `{signal.id}` | {signal.kind} | {', '.join(sorted(signal.patterns)) or 'any'} | {doc} |")
    return lines


def section(ruleset: RuleSet) -> list[str]:
    """The whole section, as lines of docs/rules.md."""
    return [*INTRO.rstrip("\n").split("\n"), "", *SCORER.rstrip("\n").split("\n"), *signal_index(ruleset), ""]
