"""horizon-scan kernel: config, schemas, the store and the notebook read API."""

__version__ = "0.1.0"
