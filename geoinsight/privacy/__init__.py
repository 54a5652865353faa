"""What a request may see, and nothing more.

- :mod:`.access`: roles, tiers and the catalogue a principal may read.
- :mod:`.disclosure`: disclosure control (suppression, complementary suppression, rounding)
  and the published store that applies it.
- :mod:`.gate`: the per-request gate, the only way a use case reaches data.
- :mod:`.accounts`, :mod:`.passwords`, :mod:`.throttle`: users, sessions, tokens, the password
  policy and sign-in throttling.
- :mod:`.audit`: the audit log of reads of internal figures.

Import from the modules; this package re-exports nothing, so importing one part does not load
the others.
"""
