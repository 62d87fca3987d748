"""The application: commands, the event-sourced application, routing, delivery, billing, CLI."""
