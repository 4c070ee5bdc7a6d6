"""Extra `guildhall` sub-commands contributed by domains.

Register with `api.cli.COMMANDS[name] = (help, configure)` where `configure(parser)` adds
arguments and sets `func=handler(args, settings) -> int`."""
