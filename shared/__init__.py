"""Code every Qise service uses: settings, database, events, outbox, consumer, auth, errors."""
