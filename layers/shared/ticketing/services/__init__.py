"""Use cases, one module per domain. Each public function takes plain values and returns plain values."""
