"""One spider per source; `name` equals the file stem. The base class lives in `base`."""
