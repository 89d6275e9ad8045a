"""Helpers for detections: a key-value cache and mock detection (our own implementation)."""
