"""Channels that bring requests in and send messages out: email, monitoring alerts."""
