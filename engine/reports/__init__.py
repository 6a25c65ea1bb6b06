"""Statistics: the facts the commands keep (``tables``, ``facts``) and what is read from them.

``ii06a`` (the periodic report), ``periods`` (reporting periods), ``exports`` (Excel, PDF, CSV),
``books`` (tracking ledger, process control slip), ``dashboard``, ``search``, ``indicators`` (766).
"""
