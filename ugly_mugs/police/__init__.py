"""The police portal: reports passed to the officer's unit, what consent lets them read, feedback."""
