"""Content: the knowledge base of Markdown articles (knows nothing of the engine or web)."""
