"""Engagement and operations: points, badges, titles, rewards, check-ins, community events,
lotteries, private messages, feedback tickets, analytics and inactive members.

Each module holds one part; `handlers` reacts to other domains' events (points, badges)."""
