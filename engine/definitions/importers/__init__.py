"""Importers: procedure data from other systems turned into definitions (``motcua import``)."""
