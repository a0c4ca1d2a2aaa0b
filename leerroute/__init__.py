"""leerroute: case management for leerwerktrajecten, event-sourced."""
