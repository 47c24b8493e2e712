"""Insight for site owners: counts flushed from the relay to the store, privacy rules, reports and charts."""
