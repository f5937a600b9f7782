"""Technology entities (EN + JA), emerging terms, domain assignment, the classifier and its evaluation."""

from nlp.assign import assign_domains, check_assignments
from nlp.classifier import DomainClassifier
from nlp.emerging import find_emerging_terms
from nlp.evaluate import EvaluationReport, evaluate
from nlp.extract import extract_entities, record_text
from nlp.normalize import detect_language, normalize_term, normalize_text
from nlp.training import load_or_train, train_classifier

__all__ = [
    "DomainClassifier",
    "EvaluationReport",
    "assign_domains",
    "check_assignments",
    "detect_language",
    "evaluate",
    "extract_entities",
    "find_emerging_terms",
    "load_or_train",
    "normalize_term",
    "normalize_text",
    "record_text",
    "train_classifier",
]
