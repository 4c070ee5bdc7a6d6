"""Mail: a transactional outbox sent by a worker (SMTP with aiosmtplib, or .eml files),
templates per locale, members' mail preferences, digests and one-click unsubscribe.

Write side: `outbox.enqueue(...)` inside the transaction of the change that causes the mail.
"""
