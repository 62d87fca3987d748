"""The outside world behind small interfaces: delivery channels, document store, secret store."""
