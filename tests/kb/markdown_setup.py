"""The Markdown extensions of the help site (mkdocs.yml), for tests that render like it."""

EXTENSIONS = [
    "admonition",
    "tables",
    "toc",
    "attr_list",
    "pymdownx.highlight",
    "pymdownx.superfences",
]
