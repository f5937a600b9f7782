"""Pure parsers: response bytes → records. One module per source, named like its spider."""
