"""The quality officer's room: integrity of the audit log (Merkle tree, signed heads, replay of
dossiers), conformance of dossiers to their approved process, and what ISO 9001 asks to keep.

``merkle`` is the RFC 6962/9162 tree (pure functions), ``heads`` signs and reads tree heads,
``anchor`` keeps the tree over the audit events and checks it against the last published head,
``replay`` rebuilds a dossier's state from its events, ``integrity`` runs every check.
"""
