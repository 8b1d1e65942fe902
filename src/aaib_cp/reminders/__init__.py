"""Reminders: e-mail each account a digest of the clocks it answers for.

- :mod:`.service`: who answers for each clock (:func:`~.service.recipients`), the
  digests (:class:`~.service.Reminders`), and the record of each sending;
- :mod:`.mail`: the SMTP settings file and sending over :mod:`smtplib`;
- :mod:`.sql`: the ``reminders_sent`` table, so a clock is never reminded twice to
  the same account on the same day.
"""
