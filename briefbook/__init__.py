"""briefbook: publish an analyst's briefing book as an MkDocs site.

The pipeline runs in stages, one module each: ``load`` (read files safely), ``validate``
(turn YAML trees into typed records), ``index`` (resolve every cross-reference), ``render``
(Jinja templates to Markdown pages) and ``write`` (put pages on disk).  Only ``plugin``
imports MkDocs.
"""

__version__ = "0.1.0"
