"""The community domain: settings admins change at run time (`settings`)."""
