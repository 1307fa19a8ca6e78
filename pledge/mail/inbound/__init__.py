"""Mail in: stored as received (``intake``), classified (``classify``) and acted on (``routing``,
``bounces``, ``requests``), over a pipe (``pledge mail receive``) or LMTP (``lmtp``)."""
