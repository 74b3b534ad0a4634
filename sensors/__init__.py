"""Inbound edge: feed payloads (Kafka, files, HTTP) -> validated Reading, or a dead letter with the reason."""

from sensors.decode import ReadingDecoder

__all__ = ["ReadingDecoder"]
