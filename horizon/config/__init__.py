"""Config models and loaders: YAML → frozen pydantic models, validated once at the edge."""

from horizon.config.loader import ConfigError, config_hashes, load_model, load_yaml
from horizon.config.sources import FeedConfig, SourceConfig, SourcesConfig, load_sources
from horizon.config.taxonomy import Domain, SubTech, Taxonomy, load_taxonomy
from horizon.config.weights import Weights, load_weights

__all__ = [
    "ConfigError",
    "Domain",
    "FeedConfig",
    "SourceConfig",
    "SourcesConfig",
    "SubTech",
    "Taxonomy",
    "Weights",
    "config_hashes",
    "load_model",
    "load_sources",
    "load_taxonomy",
    "load_weights",
    "load_yaml",
]
