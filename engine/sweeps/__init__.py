"""What the scheduler does on its own: deadline warnings and escalations, the daily digest.

``deadlines.sweep`` arms the alarms of new steps and fires those whose moment has
come; ``digest.send_digests`` writes each person's daily summary. Both are safe to
run in any number of scheduler processes (see docs/scheduler.md).
"""
