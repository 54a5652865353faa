"""What a user asks, answered as plain data from a store or a request's gate: layer values,
areas, profiles, planning, signals, custom areas, what the store holds. Views and the CLI
parse, call these, and respond."""
